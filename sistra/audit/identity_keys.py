"""Which snapshot keys hold identity, or free text that may carry it: masked for viewers who may not see the
identity (sistra.audit.masking) and encrypted at rest inside the change history (SealedJSONField)."""

# Snapshot keys that hold identity, or free text that may carry it, whatever the model.
IDENTITY_KEYS = frozenset(
    {
        "first_names",
        "last_name_paternal",
        "last_name_maternal",
        "date_of_birth",
        "notes",
        "documents",
        "aliases",
        "summary",
        "description",
        "search_key",
        "alias_key",
        "alias",
    }
)
# Keys that are identity only in one model (a case's title names its people; an event's title does not): the
# app that owns the model says so with masking.register_identity_keys().
MODEL_IDENTITY_KEYS: dict[str, frozenset] = {}
IDENTITY_KEY_PARTS = ("phone", "address", "email", "name", "document")


def is_identity_key(model: str, key: str) -> bool:
    lowered = key.lower()
    return (
        lowered in IDENTITY_KEYS
        or lowered in MODEL_IDENTITY_KEYS.get(model, frozenset())
        or any(part in lowered for part in IDENTITY_KEY_PARTS)
    )


def is_secret_key(key: str) -> bool:
    """Encrypted in the stored history whatever the model: the identity keys of any model."""
    lowered = key.lower()
    return is_identity_key("", lowered) or any(lowered in keys for keys in MODEL_IDENTITY_KEYS.values())
