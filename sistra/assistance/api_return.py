"""Return travel and reintegration over the API: the lead agency's own cases only (through
assistance.access), writes through assistance.services_return. No identity travels here: a case is named by
its code."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from sistra.core.api import code_field
from sistra.core.models import Country, Ubigeo

from . import access
from . import services_return as services
from .api import AssistanceUser
from .models import FollowUpVisit, ReintegrationFollowUp, ReintegrationPlan, ReturnTravel


def _visible_cases(user):
    return access.visible_assistance_cases(user)


class ReturnTravelSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.code", read_only=True)
    case_uuid = serializers.UUIDField(source="case.uuid", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    origin_ubigeo = serializers.CharField(source="origin_ubigeo_id", allow_null=True, read_only=True)
    origin_country = serializers.CharField(source="origin_country_id", allow_null=True, read_only=True)
    destination_ubigeo = serializers.CharField(
        source="destination_ubigeo_id", allow_null=True, read_only=True
    )
    destination_country = serializers.CharField(
        source="destination_country_id", allow_null=True, read_only=True
    )
    is_international = serializers.BooleanField(read_only=True)
    total_cost = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = ReturnTravel
        fields = [
            "uuid",
            "case",
            "case_uuid",
            "agency",
            "status",
            "origin_ubigeo",
            "origin_country",
            "destination_ubigeo",
            "destination_country",
            "is_international",
            "transport",
            "travel_document",
            "document_status",
            "visa",
            "tickets",
            "escort",
            "escort_details",
            "cost_tickets",
            "cost_documents",
            "cost_other",
            "total_cost",
            "paid_by",
            "paid_by_details",
            "planned_departure",
            "planned_arrival",
            "departed_on",
            "arrived_on",
            "arrival_confirmed_at",
            "arrival_notes",
            "cancellation_reason",
            "notes",
        ]


def _ubigeo(label):
    return code_field(
        Ubigeo.objects.all(),
        label=label,
        optional=True,
        message=_("No existe un ubigeo con el código «{value}»."),
    )


def _country(label):
    return code_field(
        Country.objects.all(),
        label=label,
        optional=True,
        message=_("No existe un país con el código «{value}»."),
    )


class ReturnWriteSerializer(serializers.Serializer):
    origin_ubigeo = _ubigeo(_("origen (Perú)"))
    origin_country = _country(_("origen (otro país)"))
    destination_ubigeo = _ubigeo(_("destino (Perú)"))
    destination_country = _country(_("destino (otro país)"))
    transport = serializers.ChoiceField(
        choices=ReturnTravel.Transport.choices, default=ReturnTravel.Transport.LAND
    )
    travel_document = serializers.ChoiceField(
        choices=ReturnTravel.Document.choices, default=ReturnTravel.Document.DNI
    )
    document_status = serializers.ChoiceField(
        choices=ReturnTravel.DocumentStatus.choices, default=ReturnTravel.DocumentStatus.PENDING
    )
    visa = serializers.ChoiceField(choices=ReturnTravel.Visa.choices, default=ReturnTravel.Visa.NOT_NEEDED)
    tickets = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    escort = serializers.ChoiceField(choices=ReturnTravel.Escort.choices, default=ReturnTravel.Escort.NONE)
    escort_details = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    cost_tickets = serializers.DecimalField(max_digits=10, decimal_places=2, default=0)
    cost_documents = serializers.DecimalField(max_digits=10, decimal_places=2, default=0)
    cost_other = serializers.DecimalField(max_digits=10, decimal_places=2, default=0)
    paid_by = serializers.ChoiceField(
        choices=ReturnTravel.Payer.choices, default=ReturnTravel.Payer.OWN_AGENCY
    )
    paid_by_details = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    planned_departure = serializers.DateField()
    planned_arrival = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnCreateSerializer(ReturnWriteSerializer):
    case = serializers.UUIDField(label=_("caso de asistencia"))


class DepartureSerializer(serializers.Serializer):
    departed_on = serializers.DateField()


class ArrivalSerializer(serializers.Serializer):
    arrived_on = serializers.DateField()
    notes = serializers.CharField(max_length=300)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


def _case(user, case_uuid):
    return access.access_assistance_case(user, case_uuid, write=True)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "case", OpenApiTypes.UUID, description="Solo los retornos de este caso de asistencia."
            )
        ]
    )
)
class ReturnTravelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Return travel of the agency's own assistance cases."""

    permission_classes = [AssistanceUser]
    serializer_class = ReturnTravelSerializer
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = ReturnTravel.objects.filter(case__in=_visible_cases(self.request.user)).select_related(
            "case", "agency"
        )
        case = self.request.query_params.get("case") if self.action == "list" else None
        # an empty ?case= is as wrong as any other value that is not a UUID (core.api.query_filter_form)
        if case is not None:
            try:
                qs = qs.filter(case__uuid=serializers.UUIDField().to_internal_value(case))
            except serializers.ValidationError:
                raise ApiValidationError({"case": [_("Identificador de caso no válido.")]}) from None
        return qs.order_by("-planned_departure", "-id")

    def _output(self, travel, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=travel.pk)).data, status=status_code)

    @extend_schema(request=ReturnCreateSerializer, responses={201: ReturnTravelSerializer})
    def create(self, request, *args, **kwargs):
        form = ReturnCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        case = _case(request.user, data.pop("case"))
        travel = services.return_plan(actor=request.user, case=case, **data)
        return self._output(travel, status.HTTP_201_CREATED)

    @extend_schema(request=ReturnWriteSerializer, responses=ReturnTravelSerializer)
    def partial_update(self, request, *args, **kwargs):
        travel = self.get_object()
        _case(request.user, travel.case.uuid)
        form = ReturnWriteSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        travel = services.return_update(actor=request.user, travel=travel, **form.validated_data)
        return self._output(travel)

    @extend_schema(request=DepartureSerializer, responses=ReturnTravelSerializer)
    @action(detail=True, methods=["post"])
    def depart(self, request, uuid=None):
        travel = self.get_object()
        _case(request.user, travel.case.uuid)
        form = DepartureSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._output(
            services.return_record_departure(actor=request.user, travel=travel, **form.validated_data)
        )

    @extend_schema(request=ArrivalSerializer, responses=ReturnTravelSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request, uuid=None):
        travel = self.get_object()
        _case(request.user, travel.case.uuid)
        form = ArrivalSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._output(
            services.return_confirm_arrival(actor=request.user, travel=travel, **form.validated_data)
        )

    @extend_schema(request=CancelSerializer, responses=ReturnTravelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, uuid=None):
        travel = self.get_object()
        _case(request.user, travel.case.uuid)
        form = CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._output(services.return_cancel(actor=request.user, travel=travel, **form.validated_data))


class ReintegrationFollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReintegrationFollowUp
        fields = ["uuid", "milestone", "due_on", "done_on", "kind", "progress", "notes"]


class ReintegrationPlanSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.code", read_only=True)
    case_uuid = serializers.UUIDField(source="case.uuid", read_only=True)
    community = serializers.CharField(source="community_id", read_only=True)
    return_travel = serializers.UUIDField(source="return_travel.uuid", allow_null=True, read_only=True)
    follow_ups = ReintegrationFollowUpSerializer(many=True, read_only=True)

    class Meta:
        model = ReintegrationPlan
        fields = [
            "uuid",
            "case",
            "case_uuid",
            "return_travel",
            "community",
            "community_details",
            "areas",
            "goals",
            "starts_on",
            "status",
            "outcome",
            "outcome_on",
            "outcome_notes",
            "follow_ups",
        ]


class ReintegrationCreateSerializer(serializers.Serializer):
    case = serializers.UUIDField(label=_("caso de asistencia"))
    community = code_field(
        Ubigeo.objects.all(),
        label=_("comunidad de origen"),
        message=_("No existe un ubigeo con el código «{value}»."),
    )
    community_details = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    return_travel = serializers.UUIDField(required=False, allow_null=True, default=None)
    areas = serializers.ListField(
        child=serializers.ChoiceField(choices=ReintegrationPlan.Area.choices), required=False, default=list
    )
    goals = serializers.CharField()
    starts_on = serializers.DateField()


class FollowUpRecordSerializer(serializers.Serializer):
    follow_up = serializers.UUIDField()
    done_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=FollowUpVisit.Kind.choices)
    progress = serializers.ChoiceField(choices=ReintegrationFollowUp.Progress.choices)
    notes = serializers.CharField()


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReintegrationPlan.Outcome.choices)
    outcome_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ReintegrationPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reintegration plans of the agency's own assistance cases, with their follow-ups."""

    permission_classes = [AssistanceUser]
    serializer_class = ReintegrationPlanSerializer
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return (
            ReintegrationPlan.objects.filter(case__in=_visible_cases(self.request.user))
            .select_related("case", "return_travel")
            .prefetch_related("follow_ups")
            .order_by("-starts_on", "-id")
        )

    def _output(self, plan, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data, status=status_code)

    @extend_schema(request=ReintegrationCreateSerializer, responses={201: ReintegrationPlanSerializer})
    def create(self, request, *args, **kwargs):
        form = ReintegrationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        case = _case(request.user, data.pop("case"))
        travel_uuid = data.pop("return_travel")
        travel = None
        if travel_uuid is not None:
            travel = ReturnTravel.objects.filter(case=case, uuid=travel_uuid).first()
            if travel is None:
                raise ApiValidationError({"return_travel": [_("El retorno no es de este caso.")]})
        plan = services.reintegration_plan_create(actor=request.user, case=case, return_travel=travel, **data)
        return self._output(plan, status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpRecordSerializer, responses=ReintegrationPlanSerializer)
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request, uuid=None):
        plan = self.get_object()
        _case(request.user, plan.case.uuid)
        form = FollowUpRecordSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        follow_up = plan.follow_ups.filter(uuid=data.pop("follow_up")).first()
        if follow_up is None:
            raise ApiValidationError({"follow_up": [_("El seguimiento no es de este plan.")]})
        services.reintegration_followup_record(actor=request.user, follow_up=follow_up, **data)
        return self._output(plan)

    @extend_schema(request=OutcomeSerializer, responses=ReintegrationPlanSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, uuid=None):
        plan = self.get_object()
        _case(request.user, plan.case.uuid)
        form = OutcomeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._output(
            services.reintegration_outcome_record(actor=request.user, plan=plan, **form.validated_data)
        )
