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
from sistra.core.api import capability_required

from .forms import StatsFilterForm
from .indicators import national_plan_indicators
from .models import OpenDataRelease
from .selectors import available_years, latest_run, load_figures
from .sources import SOURCES

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
        filters = StatsFilterForm(request.query_params).filters()
        known = [f.code for s in SOURCES.values() for f in s.figures]
        asked = [c for c in (request.query_params.get("figuras") or "").split(",") if c]
        unknown = sorted(set(asked) - set(known))
        if unknown:
            raise serializers.ValidationError(
                {"figuras": [_("Cifras desconocidas: %(codes)s") % {"codes": ", ".join(unknown)}]}
            )
        data = load_figures(run, filters, asked or known)
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
        return Response(
            {
                "data_as_of": timezone.localtime(run.started_at).isoformat() if run else None,
                "filters": filters.query(),
                "figures": out,
            }
        )


class IndicatorsView(APIView):
    permission_classes = [capability_required(Capability.STATS_VIEW)]

    @extend_schema(
        parameters=[OpenApiParameter("anio", OpenApiTypes.INT, required=True), *FILTER_PARAMETERS],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        run = latest_run()
        try:
            year = int(request.query_params.get("anio", ""))
        except ValueError:
            years = available_years(run)
            if not years:
                raise serializers.ValidationError({"anio": [_("Indique el año.")]}) from None
            year = years[-1]
        filters = StatsFilterForm(request.query_params).filters()
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


class OpenDataReleasesView(APIView):
    permission_classes = [capability_required(Capability.STATS_VIEW)]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        releases = OpenDataRelease.objects.order_by("-created_at")[:100]
        return Response(
            [
                {
                    "uuid": str(r.uuid),
                    "status": r.status,
                    "years": [r.year_from, r.year_to],
                    "created_at": r.created_at.isoformat(),
                    "epsilon": r.epsilon,
                    "epsilon_per_table": r.epsilon_per_table,
                    "threshold": r.threshold,
                    "k_anonymity": r.k_anonymity,
                    "tables": r.tables,
                    "files": r.files,
                }
                for r in releases
            ]
        )
