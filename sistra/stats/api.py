"""Read-only API of the statistics: figures (the same numbers as the dashboard), the National Plan indicators
and the list of open-data releases. For users whose role holds STATS_VIEW."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from sistra.accounts.capabilities import Capability
from sistra.core.api import capability_required, query_filters

from .forms import StatsFilterForm
from .indicators import national_plan_indicators
from .models import OpenDataRelease
from .pagecache import run_cached
from .selectors import available_years, latest_run, load_figures
from .sources import SOURCES


def _filters(request):
    """The dashboard's filters from the query: a year, region or code it does not offer is a 400. The web form
    reads an empty year as "every year"; the API documents years as integers, so an empty one is a 400 too
    (as core.api.query_filter_form refuses it)."""
    blank = {name: [_("Este campo no puede estar en blanco.")] for name in YEAR_PARAMETERS
             if request.query_params.get(name) == ""}
    if blank:
        raise serializers.ValidationError(blank)
    form = StatsFilterForm(request.query_params)
    if not form.is_valid():
        raise serializers.ValidationError({field: list(errors) for field, errors in form.errors.items()})
    return form.filters()


YEAR_PARAMETERS = ("desde", "hasta")
FILTER_PARAMETERS = [
    OpenApiParameter("desde", OpenApiTypes.INT, description=_("Desde el año (de la denuncia)")),
    OpenApiParameter("hasta", OpenApiTypes.INT, description=_("Hasta el año")),
    OpenApiParameter(
        "departamento", OpenApiTypes.STR, description=_("Código INEI del departamento de explotación")
    ),
    OpenApiParameter("distrito_fiscal", OpenApiTypes.STR, description=_("Código del distrito fiscal")),
    OpenApiParameter("fiscalia", OpenApiTypes.STR, description=_("Código de la fiscalía")),
    OpenApiParameter("explotacion", OpenApiTypes.STR, description=_("Código de la forma de explotación")),
]


class FiguresView(APIView):
    permission_classes = [capability_required(Capability.STATS_VIEW)]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "figuras",
                OpenApiTypes.STR,
                description=_("Códigos de las cifras, separados por comas (todas si se omite)"),
            ),
            *FILTER_PARAMETERS,
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        run = latest_run()
        filters = _filters(request)
        known = [f.code for s in SOURCES.values() for f in s.figures]
        asked = [c for c in (request.query_params.get("figuras") or "").split(",") if c]
        unknown = sorted(set(asked) - set(known))
        if unknown:
            raise serializers.ValidationError(
                {"figuras": [_("Cifras desconocidas: %(codes)s") % {"codes": ", ".join(unknown)}]}
            )
        # the same run, filters and figures give the same answer until the next refresh (sistra.stats.pagecache)
        out = run_cached(run, ("api-figures", tuple(sorted(filters.query().items())), tuple(asked or known)),
                         lambda: _figures(run, filters, asked or known))
        return Response(
            {
                "data_as_of": timezone.localtime(run.started_at).isoformat() if run else None,
                "filters": filters.query(),
                "figures": out,
            }
        )


def _figures(run, filters, codes) -> dict:
    data = load_figures(run, filters, codes)
    out = {}
    for code, figure_data in data.items():
        entry = {
            "title": str(figure_data.figure.title),
            "unit": figure_data.figure.unit,
            "available": figure_data.available,
        }
        if figure_data.available:
            if figure_data.figure.distribution:
                entry["median"] = {k: figure_data.median(k) for k in figure_data.totals()}
            entry["totals"] = figure_data.totals()
            entry["by_year"] = {str(y): keys for y, keys in figure_data.by_year_and_key().items()}
        out[code] = entry
    return out


class IndicatorsQuerySerializer(serializers.Serializer):
    anio = serializers.IntegerField(required=False, min_value=1900, max_value=2999, label=_("año"),
                                    help_text=_("Año de los indicadores; sin él, el último con datos."))


class IndicatorsView(APIView):
    permission_classes = [capability_required(Capability.STATS_VIEW)]

    @extend_schema(
        parameters=[IndicatorsQuerySerializer, *FILTER_PARAMETERS],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        run = latest_run()
        year = query_filters(request, IndicatorsQuerySerializer).get("anio")
        if year is None:
            years = available_years(run)
            if not years:
                raise serializers.ValidationError({"anio": [_("Indique el año.")]})
            year = years[-1]
        filters = _filters(request)
        return Response(
            {
                "year": year,
                "data_as_of": timezone.localtime(run.started_at).isoformat() if run else None,
                "indicators": [
                    {
                        "code": i.code,
                        "name": i.name,
                        "unit": i.unit,
                        "value": i.value,
                        "available": i.available,
                        "definition": i.definition,
                    }
                    for i in national_plan_indicators(run, year, filters=filters)
                ],
            }
        )


class OpenDataReleaseSerializer(serializers.ModelSerializer):
    years = serializers.SerializerMethodField()
    tables = serializers.ListField(child=serializers.JSONField(), read_only=True)
    files = serializers.ListField(child=serializers.JSONField(), read_only=True)

    class Meta:
        model = OpenDataRelease
        fields = ["uuid", "status", "years", "created_at", "epsilon", "epsilon_per_table", "threshold",
                  "k_anonymity", "tables", "files"]
        read_only_fields = fields

    def get_years(self, release) -> list[int]:
        return [release.year_from, release.year_to]


class OpenDataReleasesView(APIView):
    permission_classes = [capability_required(Capability.STATS_VIEW)]

    @extend_schema(responses=OpenDataReleaseSerializer(many=True),
                   description=_("Las últimas 100 publicaciones de datos abiertos, la más reciente primero."))
    def get(self, request):
        releases = OpenDataRelease.objects.order_by("-created_at")[:100]
        return Response(OpenDataReleaseSerializer(releases, many=True).data)
