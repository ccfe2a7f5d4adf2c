"""Prevention over the API. Thin: shape only, fetch through sistra.prevention.access, one service call.
Families are listed by pseudonym only; a family's detail goes through access.read_family, which decides what
identity the caller sees and logs it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sistra.accounts.capabilities import Capability, has_capability
from sistra.audit.models import AccessLog
from sistra.people.api import age_band

from . import access, services
from .models import (
    Alternative,
    AtRiskFamily,
    Campaign,
    CampaignPlace,
    CampaignReach,
    FamilyFollowUp,
    Participant,
    TrainingEvent,
)

C = Capability


class PreventionUser(permissions.BasePermission):
    message = _("Su rol no trabaja en prevención.")

    def has_permission(self, request, view) -> bool:
        if not has_capability(request.user, C.PREVENTION_VIEW):
            return False
        return request.method in permissions.SAFE_METHODS or has_capability(request.user, C.PREVENTION_EDIT)


class FamilyUser(permissions.BasePermission):
    message = _("Su rol no trabaja con familias en riesgo.")

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return has_capability(request.user, C.FAMILY_VIEW) or has_capability(
                request.user, C.FAMILY_VIEW_IDENTITY
            )
        return has_capability(request.user, C.PREVENTION_EDIT) and has_capability(
            request.user, C.FAMILY_VIEW_IDENTITY
        )


# --- trainings --------------------------------------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer):
    # codes of Participant.Sex (female, male, unknown); a plain string so the schema's "sex" enum keeps its name
    sex = serializers.CharField(read_only=True)
    knowledge_gain = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True, allow_null=True)

    class Meta:
        model = Participant
        fields = [
            "uuid",
            "full_name",
            "document_number",
            "profession",
            "institution",
            "sex",
            "region",
            "attended",
            "pre_score",
            "post_score",
            "knowledge_gain",
            "certificate_code",
            "certificate_issued_at",
        ]
        read_only_fields = ["uuid", "certificate_code", "certificate_issued_at"]


class ParticipantInputSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    document_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    profession = serializers.CharField(max_length=20)
    institution = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    sex = serializers.CharField(max_length=10, required=False, default="unknown")
    region = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    attended = serializers.BooleanField(required=False, default=True)
    pre_score = serializers.CharField(
        max_length=8, required=False, allow_null=True, allow_blank=True, default=None
    )
    post_score = serializers.CharField(
        max_length=8, required=False, allow_null=True, allow_blank=True, default=None
    )


class TrainingSerializer(serializers.ModelSerializer):
    ubigeo = serializers.CharField(source="ubigeo_id")
    owner_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = TrainingEvent
        fields = [
            "uuid",
            "code",
            "title",
            "topic",
            "organiser",
            "partners",
            "starts_on",
            "ends_on",
            "ubigeo",
            "departamento_code",
            "modality",
            "audience",
            "score_max",
            "owner_agency",
        ]
        read_only_fields = ["uuid", "code", "departamento_code", "owner_agency"]


class TrainingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The agency's training events and their participants."""

    permission_classes = [PreventionUser]
    serializer_class = TrainingSerializer
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"

    def get_queryset(self):
        return (
            access.visible_events(self.request.user)
            .select_related("owner_agency")
            .order_by("-starts_on", "-id")
        )

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(access.access_event(request.user, kwargs["uuid"])).data)

    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data["ubigeo"] = data.pop("ubigeo_id")
        event = services.event_create(actor=request.user, **data)
        return Response(self.get_serializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=ParticipantSerializer(many=True))
    @extend_schema(
        methods=["post"], request=ParticipantInputSerializer, responses={201: ParticipantSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def participants(self, request, uuid=None):
        if request.method == "POST":
            event = access.access_event(request.user, uuid, write=True)
            form = ParticipantInputSerializer(data=request.data)
            form.is_valid(raise_exception=True)
            participant = services.participant_add(
                actor=request.user, event=event, data=services.ParticipantInput(**form.validated_data)
            )
            return Response(ParticipantSerializer(participant).data, status=status.HTTP_201_CREATED)
        with transaction.atomic():
            read = access.read_event(request.user, uuid, purpose=AccessLog.Purpose.API)
            return Response(ParticipantSerializer(read.participants, many=True).data)


# --- campaigns --------------------------------------------------------------------------------------------


class CampaignPlaceSerializer(serializers.ModelSerializer):
    ubigeo = serializers.CharField(source="ubigeo_id")

    class Meta:
        model = CampaignPlace
        fields = ["kind", "name", "ubigeo"]


class ReachSerializer(serializers.ModelSerializer):
    # codes of Campaign.Channel; a plain string so the schema's "channel" enum of the hotline keeps its name
    channel = serializers.CharField(max_length=10)
    method = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    source = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class Meta:
        model = CampaignReach
        fields = ["channel", "people", "method", "source", "departamento_code"]
        extra_kwargs = {"departamento_code": {"required": False}}


class CampaignSerializer(serializers.ModelSerializer):
    owner_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    places = CampaignPlaceSerializer(many=True, required=False)
    reach = ReachSerializer(many=True, required=False)
    channels = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Campaign
        fields = [
            "uuid",
            "code",
            "name",
            "slogan",
            "starts_on",
            "ends_on",
            "channels",
            "partners",
            "materials",
            "places",
            "reach",
            "owner_agency",
        ]
        read_only_fields = ["uuid", "code", "owner_agency"]


class CampaignViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The agency's campaigns, with places and reach by channel (each figure with its method and source)."""

    permission_classes = [PreventionUser]
    serializer_class = CampaignSerializer
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"

    def get_queryset(self):
        return (
            access.visible_campaigns(self.request.user)
            .select_related("owner_agency")
            .prefetch_related("places", "reach")
            .order_by("-starts_on", "-id")
        )

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(access.access_campaign(request.user, kwargs["uuid"])).data)

    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        places = [services.PlaceInput(p["kind"], p["name"], p["ubigeo_id"]) for p in data.pop("places", [])]
        reach = [
            services.ReachInput(
                r["channel"],
                r["people"],
                r.get("method", ""),
                r.get("source", ""),
                r.get("departamento_code", ""),
            )
            for r in data.pop("reach", [])
        ]
        campaign = services.campaign_create(actor=request.user, places=places, reach=reach, **data)
        return Response(self.get_serializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReachSerializer, responses={201: ReachSerializer})
    @action(detail=True, methods=["post"], url_path="reach")
    def add_reach(self, request, uuid=None):
        campaign = access.access_campaign(request.user, uuid, write=True)
        form = ReachSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        item = services.reach_add(
            actor=request.user,
            campaign=campaign,
            reach=services.ReachInput(
                d["channel"],
                d["people"],
                d.get("method", ""),
                d.get("source", ""),
                d.get("departamento_code", ""),
            ),
        )
        return Response(ReachSerializer(item).data, status=status.HTTP_201_CREATED)


# --- families ---------------------------------------------------------------------------------------------


class AlternativeSerializer(serializers.ModelSerializer):
    child = serializers.UUIDField(write_only=True)

    class Meta:
        model = Alternative
        fields = ["uuid", "child", "kind", "started_on", "provider", "notes"]
        read_only_fields = ["uuid"]


class FollowUpSerializer(serializers.ModelSerializer):
    child = serializers.UUIDField(write_only=True)

    class Meta:
        model = FamilyFollowUp
        fields = ["uuid", "child", "milestone", "done_on", "in_school", "migrated", "referred", "notes"]
        read_only_fields = ["uuid"]
        # one follow-up per milestone is the service's rule, with its Spanish message
        validators = []


class ChildSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    sex = serializers.CharField()
    age_band = serializers.CharField(read_only=True, allow_null=True)
    in_school = serializers.BooleanField(required=False, default=True)
    first_names = serializers.CharField(required=False)
    last_names = serializers.CharField(required=False)
    birth_year = serializers.IntegerField(required=False)
    alternatives = AlternativeSerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)


class FamilySerializer(serializers.Serializer):
    """The pseudonymous profile always; names, community, phone and exact dates only with identity."""

    uuid = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    region = serializers.CharField(read_only=True)
    registered_month = serializers.CharField(read_only=True)
    risk_factors = serializers.ListField(child=serializers.CharField())
    children_count = serializers.IntegerField(read_only=True)
    owner_agency = serializers.CharField(read_only=True)
    registered_on = serializers.DateField(required=False)
    ubigeo = serializers.CharField(required=False)
    head_name = serializers.CharField(required=False)
    community = serializers.CharField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True)
    children = ChildSerializer(many=True, required=False)


def family_block(family: AtRiskFamily, children, *, identity: bool, detail: bool = True) -> dict:
    year = timezone.localdate().year
    data = {
        "uuid": str(family.uuid),
        "code": family.code,
        "region": family.departamento_code,
        "registered_month": family.registered_on.strftime("%Y-%m"),
        "risk_factors": family.risk_factors,
        "children_count": len(children),
        "owner_agency": family.owner_agency.code,
    }
    if detail:
        kids = []
        for c in children:
            kid = {
                "uuid": str(c.uuid),
                "code": c.code,
                "sex": c.sex,
                "age_band": age_band(year - c.birth_year),
                "in_school": c.in_school,
                "alternatives": AlternativeSerializer(c.alternatives.all(), many=True).data,
                "follow_ups": FollowUpSerializer(c.follow_ups.all(), many=True).data,
            }
            if identity:
                kid.update(first_names=c.first_names, last_names=c.last_names, birth_year=c.birth_year)
            kids.append(kid)
        data["children"] = kids
    if identity:
        data.update(
            registered_on=family.registered_on.isoformat(),
            ubigeo=family.ubigeo_id,
            head_name=family.head_name,
            community=family.community,
            contact_phone=family.contact_phone,
        )
    return data


class FamilyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """At-risk families: listed by pseudonym; the detail shows names only to the owning agency (logged)."""

    permission_classes = [FamilyUser]
    serializer_class = FamilySerializer
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"

    def get_queryset(self):
        return (
            access.visible_families(self.request.user)
            .select_related("owner_agency")
            .prefetch_related("children")
            .order_by("-registered_on", "-id")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = [family_block(f, list(f.children.all()), identity=False, detail=False) for f in page]
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        read = access.read_family(request.user, kwargs["uuid"], purpose=AccessLog.Purpose.PREVENTION)
        return Response(family_block(read.family, read.children, identity=read.identity))

    def create(self, request, *args, **kwargs):
        form = FamilySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        children = [
            services.ChildInput(
                c.get("first_names", ""),
                c.get("last_names", ""),
                c.get("birth_year"),
                c.get("sex", ""),
                c.get("in_school", True),
            )
            for c in d.pop("children", [])
        ]
        family = services.family_register(
            actor=request.user,
            registered_on=d.get("registered_on"),
            ubigeo=d.get("ubigeo", ""),
            head_name=d.get("head_name", ""),
            community=d.get("community", ""),
            contact_phone=d.get("contact_phone", ""),
            risk_factors=d.get("risk_factors", []),
            children=children,
        )
        return Response(
            family_block(family, list(family.children.all()), identity=True), status=status.HTTP_201_CREATED
        )

    @extend_schema(request=AlternativeSerializer, responses={201: AlternativeSerializer})
    @action(detail=True, methods=["post"])
    def alternatives(self, request, uuid=None):
        family = access.access_family(request.user, uuid, write=True)
        form = AlternativeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        child = access.access_child(request.user, family, d.pop("child"))
        item = services.alternative_add(actor=request.user, child=child, **d)
        return Response(AlternativeSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpSerializer, responses={201: FollowUpSerializer})
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request, uuid=None):
        family = access.access_family(request.user, uuid, write=True)
        form = FollowUpSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        child = access.access_child(request.user, family, d.pop("child"))
        item = services.follow_up_record(actor=request.user, child=child, **d)
        return Response(FollowUpSerializer(item).data, status=status.HTTP_201_CREATED)
