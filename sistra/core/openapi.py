"""What every API operation may answer besides its success, written once for the whole schema (a
drf-spectacular postprocessing hook): a client reads in the schema every status code it can receive, and the
contract test (tests/contract) holds the API to it."""

from django.utils.translation import gettext_lazy as _

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "Motivo del rechazo, en el idioma del usuario.",
}
# a serializer's errors: {"field": ["message", …], "non_field_errors": […]} — nested for nested fields — or, from
# a parser or a middleware, {"detail": "message"}
VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": {},
    "description": "Mensajes por campo (o `detail`) que dicen qué corregir.",
}

COMMON = {
    "400": (
        _("Solicitud no válida: parámetros o datos que no cumplen el esquema o una regla."),
        "ValidationError",
    ),
    "401": (_("Sin credenciales válidas (token ausente, vencido o revocado)."), "Error"),
    "403": (_("El rol o la institución del usuario no permite esta operación."), "Error"),
    "404": (_("No existe, o el usuario no puede verlo (no se distingue)."), "Error"),
    "405": (_("Método no permitido en esta dirección."), "Error"),
    "406": (_("El cliente no acepta JSON (cabecera Accept)."), "Error"),
}
WRITES = {
    "409": (_("Conflicto: otra persona modificó el registro, o ya existe."), "Error"),
    "415": (_("Tipo de contenido no admitido: envíe JSON."), "Error"),
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def document_error_responses(result, generator, request, public):
    """Adds the error answers to every operation that does not describe them already."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = dict(COMMON)
            if method in WRITE_METHODS:
                answers.update(WRITES)
            for code, (description, component) in answers.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": str(description),
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
                        },
                    },
                )
    return result
