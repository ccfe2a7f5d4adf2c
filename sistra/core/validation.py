"""Small validation helpers used by services; messages are in Spanish and name the field."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _


def today() -> datetime.date:
    return timezone.localdate()


def fmt(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def check_not_future(errors: dict, field: str, value, label: str) -> None:
    if value and value > today():
        errors.setdefault(field, []).append(
            _("%(label)s (%(date)s) no puede ser una fecha futura.") % {"label": label, "date": fmt(value)}
        )


def check_order(errors: dict, field: str, earlier, later, earlier_label: str, later_label: str) -> None:
    if earlier and later and later < earlier:
        errors.setdefault(field, []).append(
            _("%(later)s (%(later_date)s) no puede ser anterior a %(earlier)s (%(earlier_date)s).")
            % {"later": later_label, "later_date": fmt(later), "earlier": earlier_label,
               "earlier_date": fmt(earlier)}
        )


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


class ConflictError(ValidationError):
    """Someone else saved the record after this user loaded it: nothing is overwritten silently."""

    def __init__(self):
        super().__init__(
            _("Otra persona modificó este registro mientras usted lo editaba. Vuelva a cargarlo y repita el cambio."),
            code="conflict",
        )


def as_int(value: object) -> int | None:
    """A whole number typed in a form or read from a sheet ("12", 12, 12.0), or None when it is not one."""
    try:
        return int(value)  # type: ignore[call-overload]  # whatever int() accepts; the rest is refused below
    except (TypeError, ValueError, OverflowError):
        return None
