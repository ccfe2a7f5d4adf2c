"""Forms of the statistics pages: the filters (shape only; a stale value in a link is ignored) and the
request for an open-data release."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sistra.accounts.models import Agency
from sistra.core.models import DistritoFiscal

from . import dimensions as dim
from .disclosure import THRESHOLD
from .selectors import StatsFilters

FIRST_YEAR = 2000


def _years():
    return [("", _("Todos"))] + [
        (str(y), str(y)) for y in range(timezone.localdate().year, FIRST_YEAR - 1, -1)
    ]


def _departments():
    return [("", _("Todos"))] + sorted(dim.DEPARTMENTS.items(), key=lambda item: item[1])


def _forms():
    return [("", _("Todas"))] + [
        (code, dim.term_label("exploitation", code)) for code in dim.top_level_forms()
    ]


def _fiscalias():
    return [("", _("Todas"))] + list(
        Agency.objects.filter(kind=Agency.Kind.FISCALIA).order_by("name").values_list("code", "name")
    )


def _distritos():
    return [("", _("Todos"))] + list(DistritoFiscal.objects.order_by("name").values_list("code", "name"))


class StatsFilterForm(forms.Form):
    desde = forms.TypedChoiceField(
        label=_("Desde el año"), required=False, choices=_years, coerce=int, empty_value=None
    )
    hasta = forms.TypedChoiceField(
        label=_("Hasta el año"), required=False, choices=_years, coerce=int, empty_value=None
    )
    departamento = forms.ChoiceField(
        label=_("Departamento de explotación"), required=False, choices=_departments
    )
    distrito_fiscal = forms.ChoiceField(label=_("Distrito fiscal"), required=False, choices=_distritos)
    fiscalia = forms.ChoiceField(label=_("Fiscalía"), required=False, choices=_fiscalias)
    explotacion = forms.ChoiceField(label=_("Forma de explotación"), required=False, choices=_forms)

    def filters(self) -> StatsFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        year_from, year_to = data.get("desde"), data.get("hasta")
        if year_from and year_to and year_from > year_to:
            year_from, year_to = year_to, year_from
        return StatsFilters(
            year_from=year_from,
            year_to=year_to,
            dept=data.get("departamento") or None,
            df=data.get("distrito_fiscal") or None,
            agency=data.get("fiscalia") or None,
            form=data.get("explotacion") or None,
        )


class OpenDataReleaseForm(forms.Form):
    year_from = forms.IntegerField(label=_("Desde el año"), min_value=FIRST_YEAR)
    year_to = forms.IntegerField(label=_("Hasta el año"), min_value=FIRST_YEAR)
    epsilon_per_table = forms.FloatField(
        label=_("Épsilon por tabla (privacidad diferencial)"), min_value=0.01, max_value=10, initial=0.5
    )
    threshold = forms.IntegerField(
        label=_("Umbral de celda pequeña"),
        min_value=THRESHOLD,
        max_value=100,
        initial=THRESHOLD,
        help_text=_("Se suprimen las celdas de 1 hasta este número menos uno."),
    )
