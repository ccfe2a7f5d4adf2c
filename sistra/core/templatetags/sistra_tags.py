"""Template helpers shared by the web pages: readable change history, and a person shown by name or by
pseudonym depending on what the user may see."""

import datetime

from django import template
from django.apps import apps
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

register = template.Library()

HIDDEN = "•••"
# keys that are bookkeeping, not something a user changed
SKIPPED_KEYS = {"version", "uuid", "first_names_key", "surnames_key", "search_key", "departamento_code"}
# snapshot keys that are not model fields
EXTRA_LABELS = {
    "documents": _("documentos"),
    "aliases": _("alias"),
    "languages": _("idiomas"),
    "exploitation_forms": _("formas de explotación"),
    "control_methods": _("medios de control"),
    "share": _("acceso compartido"),
    "revoked_at": _("revocado"),
    "agency": _("institución"),
    "level": _("nivel"),
    "reason": _("motivo"),
    "expires_at": _("vence"),
}
IDENTITY_KEYS = {"first_names", "last_name_paternal", "last_name_maternal", "date_of_birth", "documents", "aliases",
                 "notes"}


@register.filter
def person_name(person, identity):
    """The person's full name when the user may see identities, otherwise the pseudonym code."""
    if person is None:
        return ""
    return person.full_name if identity else person.code


def _model_fields(label: str) -> dict:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return {}
    fields = {}
    for f in model._meta.concrete_fields:
        fields[f.attname] = f
        fields[f.name] = f
    return fields


def _format(value, field, stages: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_("Sí") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    related = getattr(field, "related_model", None) if field is not None else None
    if related is not None:
        label = related._meta.label_lower
        if label == "core.proceduralstage":
            return stages.get(value, str(value))
        if label in {"people.person", "accounts.user"}:
            # sequential keys of persons and users mean nothing to a reader and are not shown
            return str(_("(registro)"))
        return str(value)
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            if len(value) == 10:
                return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
            moment = datetime.datetime.fromisoformat(value)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
        except ValueError:
            pass
    return str(value)


@register.simple_tag(takes_context=True)
def history_rows(context, event, identity=True):
    """(field label, before, after) for each field an audit ChangeEvent changed. Identity fields of a person
    are masked for users who may not see identities."""
    cache = context.render_context
    if "sistra_stages" not in cache:
        from sistra.core.models import ProceduralStage

        cache["sistra_stages"] = {s.code: str(s) for s in ProceduralStage.objects.all()}
    stages = cache["sistra_stages"]
    fields = _model_fields(event.model)
    before, after = event.before or {}, event.after or {}
    rows = []
    for key in event.changed_fields:
        if key in SKIPPED_KEYS:
            continue
        field = fields.get(key)
        if field is not None:
            label = field.verbose_name
        else:
            label = EXTRA_LABELS.get(key, key.replace("_id", "").replace("_", " "))
        if not identity and event.model == "people.person" and key in IDENTITY_KEYS:
            rows.append((label, HIDDEN, HIDDEN))
            continue
        rows.append((label, _format(before.get(key), field, stages) if key in before else "—",
                     _format(after.get(key), field, stages) if key in after else "—"))
    return rows


@register.filter
def days_abs(value):
    try:
        return abs(int(value))
    except (TypeError, ValueError):
        return value


@register.filter
def bound(form, name):
    """form|bound:"field_name" — the bound field, for templates that lay fields out in sections."""
    return form[name]


@register.filter
def can(user, capabilities: str) -> bool:
    """True when the user holds any of the comma-separated capabilities: `{% if user|can:"contact_view" %}`."""
    from sistra.accounts.capabilities import Capability, has_capability

    return any(has_capability(user, Capability(name.strip())) for name in capabilities.split(","))


@register.filter
def own_agency(user):
    """The user's agency, for the page header: from the agencies each process keeps (sistra.core.choices, a
    minute at most) when the user was read without it — `user.agency` was one query on every page."""
    agency_id = getattr(user, "agency_id", None)
    if not agency_id:
        return None
    from sistra.accounts.models import Agency, User

    if not User._meta.get_field("agency").is_cached(user):  # read without the user (a lazy user proxies it)
        from sistra.core.choices import named_rows

        for agency in named_rows("agencies", Agency.objects.all):
            if agency.pk == agency_id:
                return agency
    return user.agency  # read with the user, or an agency this process has not seen yet


@register.filter
def in_language(stored: str) -> str:
    """A stored Spanish message (a history summary) in the reader's language (sistra/core/stored_text.py)."""
    from sistra.core.stored_text import display_text

    return display_text(stored)
