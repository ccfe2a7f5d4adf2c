"""Agencies, read-only: the codes a client needs to share a case or name a fiscalía."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from .models import Agency


class AgencySerializer(serializers.ModelSerializer):
    distrito_fiscal = serializers.CharField(source="distrito_fiscal_id", allow_null=True, read_only=True)

    class Meta:
        model = Agency
        fields = ["uuid", "code", "name", "kind", "distrito_fiscal"]


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Agency.Kind.values, description="Tipo de institución."),
    OpenApiParameter("distrito_fiscal", OpenApiTypes.STR, description="Código del distrito fiscal."),
]))
class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgencySerializer
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"

    def get_queryset(self):
        qs = Agency.objects.filter(is_active=True).order_by("name")
        params = self.request.query_params
        if kind := params.get("kind"):
            qs = qs.filter(kind=kind)
        if df := params.get("distrito_fiscal"):
            qs = qs.filter(distrito_fiscal_id=df)
        return qs
