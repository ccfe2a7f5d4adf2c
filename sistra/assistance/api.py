"""The assistance pathway over the API. Thin: shape only, fetch through sistra.assistance.access, one service
call. A referral's person carries names and documents only where the referral allows it (the victim consented
to share with the receiving agency); otherwise the identity fields are left out altogether."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.models import Agency
from sistra.audit.models import AccessLog
from sistra.audit.services import log_access
from sistra.core.api import code_field, query_filters, region_of
from sistra.core.models import Country, Ubigeo, localized
from sistra.people.access import can_see_identity, identity_persons_among
from sistra.people.api import age_band

from . import access, selectors, services
from .models import AssistanceCase, Provider, Referral, ServiceType

IDENTITY_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal", "documents"]


class PersonBlockSerializer(serializers.Serializer):
    """The pseudonymous profile always; name and documents only with identity."""

    uuid = serializers.UUIDField()
    code = serializers.CharField()
    sex = serializers.CharField()
    age_band = serializers.CharField(allow_null=True)
    region = serializers.CharField(allow_null=True)
    full_name = serializers.CharField(required=False)
    documents = serializers.ListField(child=serializers.CharField(), required=False)


def person_block(person, *, identity: bool) -> dict:
    from django.utils import timezone

    region = region_of(person.ubigeo_origin)
    data = {"uuid": str(person.uuid), "code": person.code, "sex": person.sex,
            "age_band": age_band(person.age_on(timezone.localdate())), "region": region.code if region else None}
    if identity:
        data["full_name"] = person.full_name
        data["documents"] = [f"{d.get_kind_display()} {d.number}" for d in person.documents.all()]
    return data


class ServiceTypeSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = ServiceType
        fields = ["code", "name", "name_es", "name_en", "description_es", "htcds_support_type", "is_travel",
                  "is_international", "needs_family"]

    def get_name(self, obj) -> str:
        return localized(obj)


class ProviderSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Provider
        fields = ["uuid", "name", "kind", "agency", "services", "regions", "address", "phone", "email"]


class ReferralSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.code", read_only=True)
    from_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    destination_ubigeo = serializers.CharField(source="destination_ubigeo_id", allow_null=True, read_only=True)
    destination_country = serializers.CharField(source="destination_country_id", allow_null=True, read_only=True)
    carries_identity = serializers.BooleanField(read_only=True)
    is_overdue = serializers.SerializerMethodField()
    person = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = ["uuid", "case", "kind", "status", "from_agency", "to_agency", "services", "reason", "details",
                  "is_urgent", "destination_ubigeo", "destination_country", "due_on", "is_overdue",
                  "include_identity", "identity_withdrawn_at", "carries_identity", "sent_at", "responded_at",
                  "decline_reason", "completed_at", "completion_notes", "revoked_at", "revoke_reason", "person"]

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue()

    def get_person(self, obj) -> dict:
        user = self.context["request"].user
        return person_block(obj.person, identity=access.referral_shows_identity(user, obj))


class AssistanceCaseSerializer(serializers.ModelSerializer):
    owner_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    person = serializers.SerializerMethodField()

    class Meta:
        model = AssistanceCase
        fields = ["uuid", "code", "status", "trafficking_status", "status_decision_org", "status_decided_on",
                  "identification_channel", "identified_on", "owner_agency", "closed_on", "closure_reason", "person"]

    def get_person(self, obj) -> dict:
        seen = self.context.get("identity_seen")  # a list's persons, asked at once
        identity = (obj.person_id in seen) if seen is not None else can_see_identity(self.context["request"].user,
                                                                                      obj.person)
        return person_block(obj.person, identity=identity)


class ReferralCreateSerializer(serializers.Serializer):
    case = serializers.UUIDField(label=_("caso de asistencia"))
    to_agency = code_field(Agency.objects.filter(is_active=True), label=_("institución que recibe"),
                           message=_("No existe una institución con el código «{value}»."))
    kind = serializers.ChoiceField(choices=Referral.Kind.choices, default=Referral.Kind.SERVICES)
    services = serializers.ListField(child=code_field(
        ServiceType.objects.filter(is_active=True), label=_("servicio"),
        message=_("No existe un servicio con el código «{value}».")), required=False, default=list)
    reason = serializers.ChoiceField(choices=Referral.Reason.choices, default=Referral.Reason.SERVICES)
    due_on = serializers.DateField(label=_("fecha límite"))
    details = serializers.CharField(required=False, allow_blank=True, default="")
    is_urgent = serializers.BooleanField(required=False, default=False)
    destination_ubigeo = code_field(Ubigeo.objects.all(), label=_("destino (Perú)"),
                                    message=_("No existe un ubigeo con el código «{value}»."))
    destination_country = code_field(Country.objects.all(), label=_("destino (otro país)"),
                                     message=_("No existe un país con el código «{value}»."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("destination_ubigeo", "destination_country"):
            self.fields[name].required = False
            self.fields[name].allow_null = True


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class NotesSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class AssistanceUser(permissions.BasePermission):
    """Roles that take part in the pathway: assistance, identifying and referring, receiving referrals."""

    message = _("Su rol no participa en la ruta de atención.")

    def has_permission(self, request, view) -> bool:
        return any(has_capability(request.user, c) for c in (
            Capability.ASSISTANCE_VIEW, Capability.REFERRAL_SEND, Capability.REFERRAL_RECEIVE))


def _log_identity(user, instance, person, *, shown: bool, detail: str) -> None:
    if shown:
        log_access(actor=user, instance=instance, person=person, fields=IDENTITY_FIELDS,
                   purpose=AccessLog.Purpose.ASSISTANCE, detail=detail)


class AssistanceCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The agency's own assistance cases."""

    permission_classes = [AssistanceUser]
    serializer_class = AssistanceCaseSerializer
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"

    def get_queryset(self):
        return (access.visible_assistance_cases(self.request.user)
                .select_related("owner_agency", "person__ubigeo_origin__parent__parent")
                .prefetch_related("person__documents").order_by("-identified_on", "-id"))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        # whose identity the user may see, asked once for the page rather than twice for each row
        seen = set(identity_persons_among(request.user, sorted({case.person_id for case in page})))
        data = self.get_serializer(page, many=True, context={**self.get_serializer_context(),
                                                             "identity_seen": seen}).data
        with transaction.atomic():
            for case in page:
                _log_identity(request.user, case, case.person, shown=case.person_id in seen, detail="API")
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        case = access.access_assistance_case(request.user, kwargs["uuid"])
        data = self.get_serializer(case).data
        with transaction.atomic():
            _log_identity(request.user, case, case.person, shown="full_name" in data["person"], detail="API")
        return Response(data)


class ReferralFilterSerializer(serializers.Serializer):
    box = serializers.ChoiceField(choices=[("inbox", _("recibidas")), ("outbox", _("enviadas")),
                                           ("overdue", _("vencidas"))], required=False, label=_("bandeja"),
                                  help_text=_("Recibidas en curso, enviadas en curso o vencidas; sin él, todas "
                                              "las visibles."))


@extend_schema_view(list=extend_schema(parameters=[ReferralFilterSerializer]))
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [AssistanceUser]
    serializer_class = ReferralSerializer
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        box = query_filters(self.request, ReferralFilterSerializer).get("box", "") if self.action == "list" else ""
        qs = {"inbox": selectors.inbox, "outbox": selectors.outbox,
              "overdue": selectors.overdue_referrals}.get(box)
        qs = qs(user) if qs else access.visible_referrals(user).order_by("-sent_at")
        return qs.select_related("case", "from_agency", "to_agency", "person__ubigeo_origin__parent__parent"
                                 ).prefetch_related("services", "person__documents")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = self.get_serializer(page, many=True).data
        with transaction.atomic():
            # one row per person shown, however many of her referrals the page lists
            logged: set[int] = set()
            for referral, row in zip(page, data, strict=True):
                shown = "full_name" in row["person"] and referral.person_id not in logged
                if shown:
                    logged.add(referral.person_id)
                _log_identity(request.user, referral, referral.person, shown=shown, detail="API")
        return self.get_paginated_response(data)

    def _output(self, referral, status_code=status.HTTP_200_OK):
        referral = access.access_referral(self.request.user, referral.uuid)
        data = self.get_serializer(referral).data
        with transaction.atomic():
            _log_identity(self.request.user, referral, referral.person, shown="full_name" in data["person"],
                          detail="API")
        return Response(data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._output(access.access_referral(request.user, kwargs["uuid"]))

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def create(self, request, *args, **kwargs):
        form = ReferralCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        case = access.access_assistance_case(request.user, data.pop("case"))
        if not access.can_refer(request.user, case):
            raise PermissionDenied(_("Su rol no le permite derivar."))
        referral = services.referral_send(actor=request.user, case=case, **data)
        return self._output(referral, status.HTTP_201_CREATED)

    def _transition(self, request, uuid, allowed, call):
        referral = access.access_referral(request.user, uuid)
        if not allowed(request.user, referral):
            raise PermissionDenied(_("No puede realizar esta acción sobre la derivación."))
        return self._output(call(referral))

    @extend_schema(request=None, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, uuid=None):
        return self._transition(request, uuid, access.can_respond,
                                lambda r: services.referral_accept(actor=request.user, referral=r))

    @extend_schema(request=ReasonSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, uuid=None):
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._transition(request, uuid, access.can_respond, lambda r: services.referral_decline(
            actor=request.user, referral=r, reason=form.validated_data["reason"]))

    @extend_schema(request=NotesSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, uuid=None):
        form = NotesSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._transition(request, uuid, access.can_complete, lambda r: services.referral_complete(
            actor=request.user, referral=r, notes=form.validated_data["notes"]))

    @extend_schema(request=ReasonSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, uuid=None):
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._transition(request, uuid, access.can_revoke, lambda r: services.referral_revoke(
            actor=request.user, referral=r, reason=form.validated_data["reason"]))


class ServiceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AssistanceUser]
    serializer_class = ServiceTypeSerializer
    lookup_field = "code"
    queryset = ServiceType.objects.filter(is_active=True)


class ProviderFilterSerializer(serializers.Serializer):
    region = serializers.CharField(required=False, allow_blank=True, default="", label=_("región"),
                                   help_text=_("Código INEI del departamento, p. ej. 170000."))
    service = serializers.CharField(required=False, allow_blank=True, default="", label=_("servicio"),
                                    help_text=_("Código del servicio del catálogo."))


@extend_schema_view(list=extend_schema(parameters=[ProviderFilterSerializer]))
class ProviderViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AssistanceUser]
    serializer_class = ProviderSerializer
    lookup_field = "uuid"

    def get_queryset(self):
        if self.action != "list":
            return selectors.provider_directory()
        params = query_filters(self.request, ProviderFilterSerializer)
        return selectors.provider_directory(region=params["region"], service=params["service"])

