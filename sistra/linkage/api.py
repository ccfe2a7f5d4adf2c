"""The review queue of the record linkage over the API, for data stewards. Thin: candidates come through
linkage.access (a pair the steward may not decide is a 404, as on the pages), decisions through
services.candidate_decide. The list names the records by their pseudonym codes only; a pair's identity fields
are in the detail only where the review page would show them, and that read is logged."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from sistra.accounts.capabilities import Capability
from sistra.audit.models import AccessLog
from sistra.audit.services import log_access
from sistra.core.api import capability_required

from . import services
from .access import access_candidate, steward_candidates
from .models import LinkCandidate
from .selectors import side

IDENTITY_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal", "date_of_birth", "documents"]
DECISIONS = [
    (LinkCandidate.Status.LINKED, _("Es la misma persona: vincular")),
    (LinkCandidate.Status.NOT_SAME, _("No es la misma persona")),
    (LinkCandidate.Status.UNSURE, _("No se sabe (queda en la cola)")),
]


class RecordSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Seudónimo de la persona."))
    agency = serializers.CharField(help_text=_("Institución dueña del registro."))


class CandidateSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    probability = serializers.FloatField()
    band = serializers.CharField()
    # plain strings: another component already has an enum named "status" (the values are in the help)
    origin = serializers.CharField(help_text=_("entry, batch o pprl."))
    status = serializers.CharField(
        help_text=_("pending o unsure en la cola; linked o not_same una vez decidido.")
    )
    version = serializers.IntegerField(help_text=_("Se devuelve con la decisión."))
    created_at = serializers.DateTimeField()
    person_a = serializers.SerializerMethodField()
    person_b = serializers.SerializerMethodField()

    def _record(self, person) -> dict:
        return {"code": person.code, "agency": person.owner_agency.name}

    @extend_schema_field(RecordSerializer)
    def get_person_a(self, candidate) -> dict:
        return self._record(candidate.person_a)

    @extend_schema_field(RecordSerializer)
    def get_person_b(self, candidate) -> dict:
        return self._record(candidate.person_b)


class FieldSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class SideSerializer(serializers.Serializer):
    code = serializers.CharField()
    agency = serializers.CharField()
    identity = serializers.BooleanField(help_text=_("Si los datos de identidad se muestran."))
    fields = FieldSerializer(many=True)


class CandidateDetailSerializer(CandidateSerializer):
    sides = SideSerializer(many=True, help_text=_("Los dos registros, como el responsable puede verlos."))


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DECISIONS, label=_("decisión"))
    reason = serializers.CharField(max_length=500, label=_("motivo"))
    version = serializers.IntegerField(min_value=1, max_value=2_147_483_647, label=_("versión"))


@extend_schema_view(
    list=extend_schema(
        description=_(
            "Pares pendientes (o marcados «no se sabe») que el responsable de datos puede decidir, del más "
            "probable al menos probable. "
            "Solo seudónimos: los datos de identidad están en el detalle."
        )
    ),
    retrieve=extend_schema(responses=CandidateDetailSerializer),
)
class CandidateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CandidateSerializer
    permission_classes = [capability_required(Capability.LINKAGE_REVIEW)]
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"

    def get_queryset(self):
        # pending pairs, and those left open as "no se sabe": the ones a decision may still be taken on
        return (
            steward_candidates(self.request.user)
            .filter(status__in=[LinkCandidate.Status.PENDING, LinkCandidate.Status.UNSURE])
            .select_related("person_a__owner_agency", "person_b__owner_agency")
            .order_by("-probability", "pk")
        )

    def _detail(self, candidate: LinkCandidate) -> dict:
        user = self.request.user
        sides = [side(user, candidate.person_a), side(user, candidate.person_b)]
        data = dict(CandidateSerializer(candidate).data)
        data["sides"] = [
            {
                "code": s.person.code,
                "agency": s.agency,
                "identity": s.identity,
                "fields": [{"label": str(label), "value": str(value)} for label, value in s.rows],
            }
            for s in sides
        ]
        for s in sides:
            if s.identity:
                log_access(
                    actor=user, instance=s.person, fields=IDENTITY_FIELDS, purpose=AccessLog.Purpose.LINKAGE
                )
        return data

    def retrieve(self, request, *args, **kwargs):
        candidate = access_candidate(request.user, kwargs["uuid"])
        with transaction.atomic():
            return Response(self._detail(candidate))

    @extend_schema(
        request=DecisionSerializer,
        responses={200: CandidateSerializer, 409: OpenApiTypes.OBJECT},
        description=_(
            "Decide un par: misma persona (se vinculan), no es la misma persona, o no se sabe (queda en la "
            "cola). El motivo es obligatorio; «version» es la del par leído (409 si otro decidió antes)."
        ),
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, uuid=None):
        candidate = access_candidate(request.user, uuid)
        form = DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        decided = services.candidate_decide(
            actor=request.user,
            candidate=candidate,
            decision=form.validated_data["decision"],
            reason=form.validated_data["reason"],
            expected_version=form.validated_data["version"],
        )
        decided = LinkCandidate.objects.select_related(
            "person_a__owner_agency", "person_b__owner_agency"
        ).get(pk=decided.pk)
        return Response(CandidateSerializer(decided).data)
