"""Criminal cases over the API. Thin: parse the shape, fetch through cases.access (another agency's case is a
404 on every endpoint), call one service, answer with the case as the user may see it. Names of the people in
a case, and the free-text fields that may carry them, appear only when cases.access.can_see_case_identity."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from sistra.accounts.capabilities import Capability
from sistra.accounts.models import Agency
from sistra.audit.masking import mask_changes
from sistra.audit.models import AccessLog, ChangeEvent
from sistra.audit.services import log_access_many
from sistra.core.api import capability_required, code_field, query_filter_form, require_capability
from sistra.core.models import (
    Country,
    DeadlineKind,
    DistritoFiscal,
    PenalArticle,
    ProceduralStage,
    Term,
    Ubigeo,
    localized,
)
from sistra.people.access import access_person, can_see_identity

from . import selectors, services
from .access import access_case, can_see_case_identity, can_share_case, can_transfer_case
from .models import Case, CaseDefendant, CaseEvent, CaseParty, CasePlace, CaseShare, CaseVictim, Charge

UUID_REGEX = r"[0-9a-fA-F-]{36}"
IDENTITY_HELP = _("Solo para usuarios autorizados a ver la identidad de las personas de este caso.")
# what PersonRefSerializer shows of a party when the user may see the case's identities (full_name is derived)
LOGGED_IDENTITY_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal"]


def _term_field(vocabulary: str, label, message, **kwargs):
    return code_field(Term.objects.filter(vocabulary=vocabulary), label=label, message=message, **kwargs)


class IdentityAwareSerializer(serializers.Serializer):
    # Leaves out `identity_fields` unless the context says the user may see the case's identities. Those fields
    # are declared optional (not read-only) so the schema tells clients they may be absent. (Comments, not a
    # docstring: drf-spectacular would publish a docstring as the component's description.)

    identity_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        identity = self.context.get("identity", False)
        if isinstance(identity, (set, frozenset)):  # a list of cases: decided case by case
            identity = instance.pk in identity
        if not identity:
            for name in self.identity_fields:
                data.pop(name, None)
        return data


# ---------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------


class PersonRefSerializer(IdentityAwareSerializer):
    identity_fields = ("first_names", "last_name_paternal", "last_name_maternal", "full_name")

    uuid = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True, help_text=_("Seudónimo de la persona."))
    sex = serializers.CharField(read_only=True)
    first_names = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    last_name_paternal = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    last_name_maternal = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    full_name = serializers.CharField(required=False, help_text=IDENTITY_HELP)


class ArticleRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    article = serializers.CharField(read_only=True)
    law = serializers.CharField(read_only=True)
    title = serializers.SerializerMethodField()

    def get_title(self, article) -> str:
        return localized(article, "title")


class ChargeSerializer(serializers.ModelSerializer):
    article = ArticleRefSerializer(read_only=True)
    defendant = serializers.SlugRelatedField(slug_field="uuid", read_only=True, allow_null=True)

    class Meta:
        model = Charge
        fields = ["uuid", "article", "offence_date", "defendant", "notes"]


class VictimSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer(read_only=True)
    nationality = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    exploitation_forms = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    control_methods = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    recruitment_method = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = CaseVictim
        fields = ["uuid", "person", "age_at_exploitation", "is_minor", "nationality", "exploitation_forms",
                  "control_methods", "recruitment_method", "relation_to_trafficker"]


class DefendantSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer(read_only=True)
    role = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = CaseDefendant
        fields = ["uuid", "person", "role", "status", "outcome", "outcome_date", "sentence_years",
                  "reparation_amount"]


class PartySerializer(serializers.ModelSerializer):
    person = PersonRefSerializer(read_only=True)

    class Meta:
        model = CaseParty
        fields = ["uuid", "person", "role"]


class PlaceSerializer(IdentityAwareSerializer, serializers.ModelSerializer):
    identity_fields = ("description",)

    ubigeo = serializers.CharField(source="ubigeo_id", read_only=True, allow_null=True)
    ubigeo_name = serializers.SerializerMethodField()
    country = serializers.CharField(source="country_id", read_only=True, allow_null=True)
    description = serializers.CharField(required=False, help_text=IDENTITY_HELP)

    class Meta:
        model = CasePlace
        fields = ["uuid", "kind", "ubigeo", "ubigeo_name", "country", "departamento_code", "description"]

    def get_ubigeo_name(self, place) -> str | None:
        return place.ubigeo.full_name if place.ubigeo_id else None


class EventSerializer(IdentityAwareSerializer, serializers.ModelSerializer):
    identity_fields = ("description", "reason")

    stage_from = serializers.CharField(source="stage_from_id", read_only=True, allow_null=True)
    stage_to = serializers.CharField(source="stage_to_id", read_only=True, allow_null=True)
    description = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    reason = serializers.CharField(required=False, help_text=IDENTITY_HELP)

    class Meta:
        model = CaseEvent
        fields = ["uuid", "kind", "date", "title", "description", "stage_from", "stage_to", "reason",
                  "created_at", "exception"]
        read_only_fields = ["uuid", "kind", "date", "title", "created_at", "exception"]


class DeadlineSerializer(serializers.Serializer):
    stage_name = serializers.CharField()
    due = serializers.DateField()
    days_left = serializers.IntegerField()
    overdue = serializers.BooleanField()
    legal_basis = serializers.CharField()
    kind = serializers.CharField(help_text=_("ordinary, complex, organized o appeal (días hábiles)."))


class ShareSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = CaseShare
        fields = ["agency", "agency_name", "level", "reason", "granted_at", "expires_at", "revoked_at", "is_active"]


class CaseListSerializer(IdentityAwareSerializer, serializers.ModelSerializer):
    identity_fields = ("title",)

    fiscalia = serializers.SlugRelatedField(slug_field="code", read_only=True)
    distrito_fiscal = serializers.CharField(source="distrito_fiscal_id", read_only=True)
    current_stage = serializers.CharField(source="current_stage_id", read_only=True)
    title = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    # empty while the current stage has no legal term
    next_deadline_kind = serializers.ChoiceField(choices=DeadlineKind.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Case
        fields = ["uuid", "number", "title", "fiscalia", "distrito_fiscal", "complaint_date", "source", "status",
                  "current_stage", "stage_started_on", "is_complex", "has_minor_victim", "version",
                  "is_organized_crime", "next_deadline_on", "next_deadline_kind"]


class CaseDetailSerializer(CaseListSerializer):
    identity_fields = ("title", "summary")

    owner_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    summary = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    current_deadline = serializers.SerializerMethodField()
    charges = ChargeSerializer(many=True, read_only=True)
    victims = VictimSerializer(many=True, read_only=True)
    defendants = DefendantSerializer(many=True, read_only=True)
    other_parties = PartySerializer(many=True, read_only=True)
    places = PlaceSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    shares = ShareSerializer(many=True, read_only=True)
    related_cases = serializers.SlugRelatedField(slug_field="uuid", many=True, read_only=True)

    class Meta(CaseListSerializer.Meta):
        fields = [*CaseListSerializer.Meta.fields, "owner_agency", "facts_date_from", "facts_date_to",
                  "opened_date", "summary", "current_deadline", "charges", "victims", "defendants",
                  "other_parties", "places", "events", "shares", "related_cases"]

    @extend_schema_field(DeadlineSerializer(allow_null=True))
    def get_current_deadline(self, case):
        deadline = selectors.current_deadline(case)
        return DeadlineSerializer(deadline).data if deadline else None


class ChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    actor_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    changed_fields = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ChangeEvent
        fields = ["at", "actor", "actor_agency", "action", "model", "object_uuid", "summary", "changed_fields",
                  "before", "after"]


# ---------------------------------------------------------------------------------------------------------
# Input: shape only, every rule is in cases.services
# ---------------------------------------------------------------------------------------------------------


class CaseFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2999, label=_("año"))
    distrito_fiscal = serializers.CharField(required=False, allow_blank=True, label=_("distrito fiscal"))
    region = serializers.CharField(required=False, allow_blank=True, label=_("región"),
                                   help_text=_("Departamento del lugar de explotación: «08» o «080000»."))
    stage = serializers.CharField(required=False, allow_blank=True, label=_("etapa"))
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False, label=_("estado"))
    exploitation = serializers.CharField(required=False, allow_blank=True, label=_("forma de explotación"))
    minor_victim = serializers.BooleanField(required=False, allow_null=True, default=None,
                                            label=_("con víctima menor de edad"))
    q = serializers.CharField(required=False, allow_blank=True, default="", label=_("búsqueda"))
    deadline = serializers.ChoiceField(choices=selectors.DeadlineFilter.choices, required=False,
                                       label=_("plazo"), help_text=_("«overdue»: vencidos; «due7»: vencen en los "
                                                                     "próximos 7 días (hoy incluido)."))

    def validate_q(self, value: str) -> str:
        # a case number has digits; a text without any is a name, and a name never goes in a URL
        if value.strip() and not any(ch.isdigit() for ch in value):
            raise serializers.ValidationError(
                _("La búsqueda por nombre no va en la dirección: busque por número de carpeta, o por nombre en "
                  "la lista de casos de SISTRA (que envía la búsqueda por POST).")
            )
        return value

    def to_filters(self) -> selectors.CaseFilters:
        data = dict(self.validated_data)
        if region := data.get("region"):
            data["region"] = region[:2]
        return selectors.CaseFilters(**data)


def _agency_field(queryset, label, **kwargs):
    return code_field(queryset, label=label, message=_("No existe una institución con el código «{value}»."),
                      **kwargs)


def _distrito_fiscal_field(**kwargs):
    return code_field(DistritoFiscal.objects.all(), label=_("distrito fiscal"),
                      message=_("No existe un distrito fiscal con el código «{value}»."), **kwargs)


class CaseCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, allow_blank=True, label=_("número de carpeta"))
    fiscalia = _agency_field(Agency.objects.filter(kind=Agency.Kind.FISCALIA, is_active=True), _("fiscalía"),
                             optional=True, help_text=_("Por omisión, la fiscalía del usuario."))
    distrito_fiscal = _distrito_fiscal_field(optional=True,
                                             help_text=_("Por omisión, el distrito fiscal de la fiscalía."))
    complaint_date = serializers.DateField(label=_("fecha de la denuncia"))
    source = serializers.ChoiceField(choices=Case.Source.choices, label=_("origen"))
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                  label=_("denominación"))
    facts_date_from = serializers.DateField(required=False, allow_null=True, label=_("inicio de los hechos"))
    facts_date_to = serializers.DateField(required=False, allow_null=True, label=_("fin de los hechos"))
    opened_date = serializers.DateField(required=False, allow_null=True, label=_("fecha de apertura"))
    is_complex = serializers.BooleanField(required=False, default=False, label=_("declarado complejo"))
    is_organized_crime = serializers.BooleanField(required=False, default=False,
                                                  label=_("criminalidad organizada"))
    summary = serializers.CharField(required=False, allow_blank=True, default="", label=_("resumen"))


class CaseUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(label=_("versión"),
                                       help_text=_("La versión leída; si otra persona guardó antes, 409."))
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("denominación"))
    facts_date_from = serializers.DateField(required=False, allow_null=True, label=_("inicio de los hechos"))
    facts_date_to = serializers.DateField(required=False, allow_null=True, label=_("fin de los hechos"))
    complaint_date = serializers.DateField(required=False, label=_("fecha de la denuncia"))
    opened_date = serializers.DateField(required=False, allow_null=True, label=_("fecha de apertura"))
    source = serializers.ChoiceField(choices=Case.Source.choices, required=False, label=_("origen"))
    is_complex = serializers.BooleanField(required=False, label=_("declarado complejo"))
    is_organized_crime = serializers.BooleanField(required=False, label=_("criminalidad organizada"))
    summary = serializers.CharField(required=False, allow_blank=True, label=_("resumen"))
    distrito_fiscal = _distrito_fiscal_field(required=False)


class StageChangeSerializer(serializers.Serializer):
    stage = code_field(ProceduralStage.objects.all(), label=_("etapa"),
                       message=_("No existe una etapa procesal con el código «{value}»."))
    date = serializers.DateField(label=_("fecha"))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                   label=_("motivo"))
    exception = serializers.ChoiceField(
        choices=CaseEvent.StageException.choices, required=False, allow_blank=True, default="",
        label=_("excepción"), help_text=_("Solo para un paso que el NCPP no prevé: «received» (caso recibido en "
                                          "una etapa posterior) o «correction» (deshacer el último cambio). "
                                          "Exige motivo y queda marcado en el historial."))
    version = serializers.IntegerField(required=False, allow_null=True, default=None, label=_("versión"))


class EventCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseEvent.Kind.choices, label=_("tipo"))
    date = serializers.DateField(label=_("fecha"))
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", label=_("título"))
    description = serializers.CharField(required=False, allow_blank=True, default="", label=_("detalle"))


class ChargeCreateSerializer(serializers.Serializer):
    article = code_field(PenalArticle.objects.all(), label=_("artículo"),
                         message=_("No existe un artículo penal con el código «{value}»."))
    offence_date = serializers.DateField(label=_("fecha del delito"))
    defendant = serializers.UUIDField(required=False, allow_null=True, default=None, label=_("imputado"))
    notes = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                  label=_("observaciones"))


class PersonInCaseSerializer(serializers.Serializer):
    person = serializers.UUIDField(label=_("persona"), help_text=_("UUID de la persona en el registro."))


class VictimCreateSerializer(PersonInCaseSerializer):
    age_at_exploitation = serializers.IntegerField(required=False, allow_null=True, default=None,
                                                   label=_("edad durante la explotación"))
    nationality = code_field(Country.objects.all(), label=_("nacionalidad"), optional=True,
                             message=_("No existe un país con el código «{value}»."))
    exploitation_forms = serializers.ListField(
        child=_term_field(Term.Vocabulary.EXPLOITATION, _("forma de explotación"),
                          _("No existe una forma de explotación con el código «{value}».")),
        required=False, default=list, label=_("formas de explotación"))
    control_methods = serializers.ListField(
        child=_term_field(Term.Vocabulary.CONTROL, _("medio de control"),
                          _("No existe un medio de control con el código «{value}».")),
        required=False, default=list, label=_("medios de control"))
    recruitment_method = _term_field(Term.Vocabulary.RECRUITMENT, _("método de captación"),
                                     _("No existe un método de captación con el código «{value}»."), optional=True)
    relation_to_trafficker = serializers.ChoiceField(choices=CaseVictim.Relation.choices, required=False,
                                                     default=CaseVictim.Relation.UNKNOWN,
                                                     label=_("relación con el tratante"))


def _role_field():
    return _term_field(Term.Vocabulary.PERPETRATOR_ROLE, _("rol"),
                       _("No existe un rol de tratante con el código «{value}»."), optional=True)


class DefendantCreateSerializer(PersonInCaseSerializer):
    role = _role_field()
    status = serializers.ChoiceField(choices=CaseDefendant.Status.choices, required=False,
                                     default=CaseDefendant.Status.INVESTIGATED, label=_("situación procesal"))


class DefendantUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseDefendant.Status.choices, required=False,
                                     label=_("situación procesal"))
    role = _role_field()
    outcome = serializers.ChoiceField(choices=CaseDefendant.Outcome.choices, required=False, label=_("resultado"))
    outcome_date = serializers.DateField(required=False, allow_null=True, label=_("fecha del resultado"))
    sentence_years = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True,
                                              label=_("pena (años)"))
    reparation_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True,
                                                 label=_("reparación civil (S/)"))


class PartyCreateSerializer(PersonInCaseSerializer):
    role = serializers.ChoiceField(choices=CaseParty.Role.choices, label=_("rol"))


class PlaceCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CasePlace.Kind.choices, label=_("tipo de lugar"))
    ubigeo = code_field(Ubigeo.objects.all(), label=_("ubigeo"), optional=True,
                        message=_("No existe un ubigeo con el código «{value}»."))
    country = code_field(Country.objects.all(), label=_("país extranjero"), optional=True,
                         message=_("No existe un país con el código «{value}»."))
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                        label=_("descripción"))


class ShareCreateSerializer(serializers.Serializer):
    agency = _agency_field(Agency.objects.filter(is_active=True), _("institución"))
    level = serializers.ChoiceField(choices=CaseShare.Level.choices, required=False,
                                    default=CaseShare.Level.READ, label=_("nivel"))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="", label=_("motivo"))
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None, label=_("vence"))


class TransferSerializer(serializers.Serializer):
    to_fiscalia = _agency_field(Agency.objects.filter(kind=Agency.Kind.FISCALIA, is_active=True),
                                _("fiscalía competente"))
    date = serializers.DateField(label=_("fecha de la derivación"))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="", label=_("motivo"))


def _validated(serializer_class, data, **kwargs) -> dict:
    form = serializer_class(data=data, **kwargs)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


# ---------------------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------------------

CHARGE_PARAM = OpenApiParameter("charge_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)
DEFENDANT_PARAM = OpenApiParameter("defendant_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)
AGENCY_PARAM = OpenApiParameter("agency_code", OpenApiTypes.STR, OpenApiParameter.PATH,
                                description=_("Código de la institución."))


@extend_schema_view(
    list=extend_schema(parameters=[CaseFilterSerializer], responses=CaseListSerializer(many=True)),
    retrieve=extend_schema(responses=CaseDetailSerializer),
    create=extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer}),
    partial_update=extend_schema(request=CaseUpdateSerializer, responses=CaseDetailSerializer),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [capability_required(Capability.CASE_VIEW)]
    lookup_field = "uuid"
    lookup_value_regex = UUID_REGEX

    def get_serializer_class(self):
        return CaseListSerializer if self.action == "list" else CaseDetailSerializer

    def get_queryset(self):
        user = self.request.user
        if self.action != "list":
            return Case.objects.none()  # single cases are fetched only through access_case
        filters = query_filter_form(self.request, CaseFilterSerializer)
        # names are searched only for users who may see them (the selector decides)
        return selectors.case_list(user, filters.to_filters())

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        identity = {case.pk for case in page if can_see_case_identity(request.user, case)}
        serializer = CaseListSerializer(page, many=True, context={**self.get_serializer_context(),
                                                                  "identity": identity})
        return self.get_paginated_response(serializer.data)

    # -- helpers ----------------------------------------------------------------------------------------

    def _case(self, *, write: bool = False) -> Case:
        return access_case(self.request.user, self.kwargs["uuid"], write=write)

    def _context(self, case: Case) -> dict:
        return {**self.get_serializer_context(), "identity": can_see_case_identity(self.request.user, case)}

    def _log_persons(self, case: Case, context: dict, persons) -> None:
        """The names about to be returned are on record, one row per person, in the read's transaction."""
        if context["identity"]:
            unique = {p.pk: p for p in persons if p is not None}.values()
            log_access_many(actor=self.request.user, reads=[(case, p) for p in unique],
                            fields=LOGGED_IDENTITY_FIELDS, purpose=AccessLog.Purpose.API, detail=case.number)

    def _detail(self, case: Case, status_code=status.HTTP_200_OK) -> Response:
        with transaction.atomic():
            case = selectors.case_detail(case)
            context = self._context(case)
            data = CaseDetailSerializer(case, context=context).data
            self._log_persons(case, context, selectors.case_persons(case))
        return Response(data, status=status_code)

    def _created(self, serializer_class, instance, case: Case) -> Response:
        with transaction.atomic():
            context = self._context(case)
            data = serializer_class(instance, context=context).data
            self._log_persons(case, context, [getattr(instance, "person", None)])
        return Response(data, status=status.HTTP_201_CREATED)

    def _shareable_case(self) -> Case:
        case = self._case()
        if not can_share_case(self.request.user, case):
            raise PermissionDenied(_("Solo la institución propietaria, con un rol que lo permita, puede "
                                     "compartir el caso o revocar el acceso."))
        return case

    def _person(self, person_uuid):
        """A person named in the request: one the user may not see is refused like one that does not exist."""
        try:
            person = access_person(self.request.user, person_uuid)
        except Http404:
            raise serializers.ValidationError(
                {"person": [_("No existe una persona con ese identificador o usted no tiene acceso a ella.")]}
            ) from None
        # a party of the agency's case is shown with identity: a pseudonymous share must not become one
        if not can_see_identity(self.request.user, person):
            raise serializers.ValidationError(
                {"person": [_("Solo conoce a esta persona por su seudónimo: no puede añadirla al caso.")]})
        return person

    # -- the case itself --------------------------------------------------------------------------------

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self._case())

    def create(self, request, *args, **kwargs):
        require_capability(request.user, Capability.CASE_CREATE)
        data = _validated(CaseCreateSerializer, request.data)
        agency = request.user.agency
        if data.get("fiscalia") is None:
            if agency is None or agency.kind != Agency.Kind.FISCALIA:
                raise serializers.ValidationError({"fiscalia": [_("Indique la fiscalía a cargo del caso.")]})
            data["fiscalia"] = agency
        if data.get("distrito_fiscal") is None:
            data["distrito_fiscal"] = data["fiscalia"].distrito_fiscal  # still None: the service says so
        case = services.case_create(actor=request.user, **data)
        return self._detail(case, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        case = self._case(write=True)
        data = _validated(CaseUpdateSerializer, request.data)
        version = data.pop("version")
        case = services.case_update(actor=request.user, case=case, expected_version=version, **data)
        return self._detail(case)

    # -- nested actions ---------------------------------------------------------------------------------

    @extend_schema(request=StageChangeSerializer, responses={201: EventSerializer}, description=_(
        "Pasa el caso a una etapa que el NCPP permite desde la actual; cualquier otra se rechaza, salvo por la "
        "vía de excepción documentada, que exige un motivo."))
    @action(detail=True, methods=["post"])
    def stage(self, request, uuid=None):
        case = self._case(write=True)
        data = _validated(StageChangeSerializer, request.data)
        event = services.case_change_stage(actor=request.user, case=case, stage=data["stage"], date=data["date"],
                                           reason=data["reason"], exception=data["exception"],
                                           expected_version=data["version"])
        return self._created(EventSerializer, event, case)

    @extend_schema(request=TransferSerializer, responses={201: EventSerializer}, description=_(
        "Deriva el caso por competencia a otra fiscalía, que pasa a estar a cargo (y a ser la propietaria si lo "
        "era esta fiscalía). Solo la fiscalía a cargo puede hacerlo."))
    @action(detail=True, methods=["post"])
    def transfer(self, request, uuid=None):
        case = self._case(write=True)
        if not can_transfer_case(request.user, case):
            raise PermissionDenied(_("Solo la fiscalía a cargo del caso puede derivarlo por competencia."))
        data = _validated(TransferSerializer, request.data)
        event = services.case_transfer(actor=request.user, case=case, **data)
        return Response(EventSerializer(event, context=self._context(case)).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=EventSerializer(many=True),
                   description=_("La línea de tiempo del caso, de lo más reciente a lo más antiguo."))
    @extend_schema(methods=["POST"], request=EventCreateSerializer, responses={201: EventSerializer},
                   description=_("Registra una audiencia, resolución, diligencia o nota."))
    @action(detail=True, methods=["get", "post"])
    def events(self, request, uuid=None):
        if request.method == "GET":
            case = self._case()
            events = case.events.select_related("stage_from", "stage_to").order_by("-date", "-id")
            page = self.paginate_queryset(events)
            return self.get_paginated_response(EventSerializer(page, many=True, context=self._context(case)).data)
        case = self._case(write=True)
        data = _validated(EventCreateSerializer, request.data)
        event = services.case_add_event(actor=request.user, case=case, **data)
        return self._created(EventSerializer, event, case)

    @extend_schema(request=ChargeCreateSerializer, responses={201: ChargeSerializer}, description=_(
        "Imputa un delito citando la versión del artículo penal vigente en la fecha del delito."))
    @action(detail=True, methods=["post"])
    def charges(self, request, uuid=None):
        case = self._case(write=True)
        data = _validated(ChargeCreateSerializer, request.data)
        if data["defendant"] is not None:
            data["defendant"] = case.defendants.filter(uuid=data["defendant"]).first()
            if data["defendant"] is None:
                raise serializers.ValidationError({"defendant": [_("El imputado no pertenece a este caso.")]})
        charge = services.charge_add(actor=request.user, case=case, **data)
        return self._created(ChargeSerializer, charge, case)

    @extend_schema(parameters=[CHARGE_PARAM], request=None, responses={204: None},
                   description=_("Retira una imputación del caso."))
    @action(detail=True, methods=["delete"], url_path=rf"charges/(?P<charge_uuid>{UUID_REGEX})")
    def charge_remove(self, request, uuid=None, charge_uuid=None):
        case = self._case(write=True)
        charge = case.charges.select_related("article", "case").filter(uuid=charge_uuid).first()
        if charge is None:
            raise Http404
        services.charge_remove(actor=request.user, charge=charge)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=VictimCreateSerializer, responses={201: VictimSerializer})
    @action(detail=True, methods=["post"])
    def victims(self, request, uuid=None):
        case = self._case(write=True)
        data = _validated(VictimCreateSerializer, request.data)
        data["person"] = self._person(data["person"])
        victim = services.victim_add(actor=request.user, case=case, **data)
        return self._created(VictimSerializer, victim, case)

    @extend_schema(request=DefendantCreateSerializer, responses={201: DefendantSerializer})
    @action(detail=True, methods=["post"])
    def defendants(self, request, uuid=None):
        case = self._case(write=True)
        data = _validated(DefendantCreateSerializer, request.data)
        data["person"] = self._person(data["person"])
        defendant = services.defendant_add(actor=request.user, case=case, **data)
        return self._created(DefendantSerializer, defendant, case)

    @extend_schema(parameters=[DEFENDANT_PARAM], request=DefendantUpdateSerializer,
                   responses=DefendantSerializer, description=_(
                       "Situación, resultado, pena y reparación civil de un imputado. Los campos que no se "
                       "envían conservan su valor; para retirar una pena envíe null."))
    @action(detail=True, methods=["patch"], url_path=rf"defendants/(?P<defendant_uuid>{UUID_REGEX})")
    def defendant_update(self, request, uuid=None, defendant_uuid=None):
        case = self._case(write=True)
        defendant = case.defendants.select_related("person", "role").filter(uuid=defendant_uuid).first()
        if defendant is None:
            raise Http404
        data = _validated(DefendantUpdateSerializer, request.data)
        for name in ("outcome", "outcome_date", "sentence_years", "reparation_amount"):
            data.setdefault(name, getattr(defendant, name))
        defendant = services.defendant_update(actor=request.user, defendant=defendant, **data)
        with transaction.atomic():
            context = self._context(case)
            body = DefendantSerializer(defendant, context=context).data
            self._log_persons(case, context, [defendant.person])
        return Response(body)

    @extend_schema(request=PartyCreateSerializer, responses={201: PartySerializer},
                   description=_("Añade un testigo, denunciante, familiar u otro interviniente."))
    @action(detail=True, methods=["post"])
    def parties(self, request, uuid=None):
        case = self._case(write=True)
        data = _validated(PartyCreateSerializer, request.data)
        data["person"] = self._person(data["person"])
        party = services.party_add(actor=request.user, case=case, **data)
        return self._created(PartySerializer, party, case)

    @extend_schema(request=PlaceCreateSerializer, responses={201: PlaceSerializer}, description=_(
        "Añade un lugar de captación, tránsito o explotación: un ubigeo del Perú o un país extranjero."))
    @action(detail=True, methods=["post"])
    def places(self, request, uuid=None):
        case = self._case(write=True)
        data = _validated(PlaceCreateSerializer, request.data)
        place = services.place_add(actor=request.user, case=case, **data)
        return self._created(PlaceSerializer, place, case)

    @extend_schema(responses=ChangeSerializer(many=True), description=_(
        "Todos los cambios del caso y de sus partes, de lo más reciente a lo más antiguo."))
    @action(detail=True, methods=["get"])
    def history(self, request, uuid=None):
        case = self._case()
        require_capability(request.user, Capability.HISTORY_VIEW)
        with transaction.atomic():
            page = self.paginate_queryset(selectors.case_history(case))
            data = ChangeSerializer(mask_changes(page, request.user), many=True).data
            # unmasked, the values of the changes name the case's people (a party added, a file's name)
            self._log_persons(case, self._context(case), selectors.case_persons(selectors.case_detail(case)))
        return self.get_paginated_response(data)

    @extend_schema(request=ShareCreateSerializer, responses={201: ShareSerializer}, description=_(
        "Comparte el caso con otra institución, con un motivo. Solo la institución propietaria."))
    @action(detail=True, methods=["post"])
    def shares(self, request, uuid=None):
        case = self._shareable_case()
        data = _validated(ShareCreateSerializer, request.data)
        share = services.case_share(actor=request.user, case=case, **data)
        return self._created(ShareSerializer, share, case)

    @extend_schema(parameters=[AGENCY_PARAM], request=None, responses={204: None},
                   description=_("Revoca el acceso de la institución al caso."))
    @action(detail=True, methods=["delete"], url_path=r"shares/(?P<agency_code>[-a-zA-Z0-9_]+)")
    def share_revoke(self, request, uuid=None, agency_code=None):
        case = self._shareable_case()
        shares = list(case.shares.select_related("agency", "case").filter(
            agency__code=agency_code, revoked_at__isnull=True))
        if not shares:
            raise Http404
        for share in shares:
            services.case_share_revoke(actor=request.user, share=share)
        return Response(status=status.HTTP_204_NO_CONTENT)
