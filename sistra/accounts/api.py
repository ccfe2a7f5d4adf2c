"""Agencies, read-only: the codes a client needs to share a case or name a fiscalía."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from sistra.core.api import query_filters

from .models import Agency


class AgencySerializer(serializers.ModelSerializer):
    distrito_fiscal = serializers.CharField(source="distrito_fiscal_id", allow_null=True, read_only=True)

    class Meta:
        model = Agency
        fields = ["uuid", "code", "name", "kind", "distrito_fiscal"]


class AgencyFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Agency.Kind.choices, required=False, label=_("tipo"),
                                   help_text=_("Tipo de institución."))
    distrito_fiscal = serializers.CharField(required=False, allow_blank=True, label=_("distrito fiscal"),
                                            help_text=_("Código del distrito fiscal."))


@extend_schema_view(list=extend_schema(parameters=[AgencyFilterSerializer]))
class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgencySerializer
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"

    def get_queryset(self):
        qs = Agency.objects.filter(is_active=True).order_by("name")
        if self.action != "list":
            return qs
        params = query_filters(self.request, AgencyFilterSerializer)
        if kind := params.get("kind"):
            qs = qs.filter(kind=kind)
        if df := params.get("distrito_fiscal"):
            qs = qs.filter(distrito_fiscal_id=df)
        return qs
