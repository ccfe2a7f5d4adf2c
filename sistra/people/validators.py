from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pe import cui


def clean_dni(value: str) -> str:
    """A DNI is 8 digits; when the check character printed on the card is given (9th character) it must
    match. Returns the 8-digit number."""
    compact = cui.compact(value or "")
    if not compact.isalnum() or len(compact) not in (8, 9) or not compact[:8].isdigit():
        raise ValidationError(
            _("El DNI «%(value)s» no es válido: debe tener 8 dígitos (y opcionalmente su dígito de verificación).")
            % {"value": value},
            code="invalid_dni",
        )
    try:
        cui.validate(compact)
    except StdnumError:
        raise ValidationError(
            _("El DNI «%(value)s» no es válido: el dígito de verificación no corresponde al número.")
            % {"value": value},
            code="invalid_dni_check",
        ) from None
    return compact[:8]
