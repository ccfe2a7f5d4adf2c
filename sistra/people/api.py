"""The person registry over the API. Thin: parse the shape, fetch through people.access, call one service.
Identity (names, aliases, documents, birth date, notes) is in a response only for users allowed to see it;
otherwise the fields are left out altogether and the person is known by the pseudonym `code`."""

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from sistra.accounts.capabilities import Capability
from sistra.audit.models import AccessLog
from sistra.core.api import capability_required, code_field, region_of, require_capability
from sistra.core.db import id_rows
from sistra.core.models import Country, Term, Ubigeo

from . import selectors, services
from .access import access_person, can_see_identity, identity_condition, log_persons_shown, visible_persons
from .models import IdentityDocument, Person, PersonAlias

AGE_BANDS = ((0, 11), (12, 17), (18, 24), (25, 34), (35, 44), (45, 59))

IDENTITY_HELP = _("Solo para usuarios autorizados a ver la identidad de las personas.")
# the identity fields a response carries when the user may see the person's identity
LOGGED_IDENTITY_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal", "aliases", "documents",
                          "date_of_birth", "notes"]


def age_band(age: int | None) -> str | None:
    """A coarse age band: it says what analysis needs (minor or adult, roughly how old) without pinning
    anyone down."""
    if age is None or age < 0:
        return None
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return "60+"


def _country_field(label):
    return code_field(Country.objects.all(), label=label, optional=True,
                      message=_("No existe un país con el código «{value}»."))


def _ubigeo_field(label):
    return code_field(Ubigeo.objects.all(), label=label, optional=True,
                      message=_("No existe un ubigeo con el código «{value}»."))


# ---------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IdentityDocument.Kind.choices, label=_("tipo de documento"))
    number = serializers.CharField(max_length=30, allow_blank=True, label=_("número"))
    country = _country_field(_("país emisor"))


class PersonSerializer(serializers.Serializer):
    # What everyone with access sees, plus identity fields only for those allowed (see `to_representation`).
    # The identity fields are declared optional so the schema tells clients they may be absent. (A comment:
    # drf-spectacular would publish a docstring as the component's description.)

    uuid = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True, help_text=_("Seudónimo de la persona."))
    sex = serializers.ChoiceField(choices=Person.Sex.choices, read_only=True)
    age_band = serializers.SerializerMethodField(help_text=_("Rango de edad actual."))
    region = serializers.SerializerMethodField(help_text=_("Departamento de origen."))
    # identity: present only when people.access.can_see_identity(user, person)
    version = serializers.IntegerField(required=False, help_text=IDENTITY_HELP)
    nationality = serializers.CharField(source="nationality_id", required=False, allow_null=True,
                                        help_text=IDENTITY_HELP)
    # finer places and languages identify too, so only the region goes to pseudonymous readers
    first_names = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    last_name_paternal = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    last_name_maternal = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    aliases = serializers.SlugRelatedField(slug_field="alias", many=True, required=False,
                                           queryset=PersonAlias.objects.all(), help_text=IDENTITY_HELP)
    documents = DocumentSerializer(many=True, required=False, help_text=IDENTITY_HELP)
    date_of_birth = serializers.DateField(required=False, allow_null=True, help_text=IDENTITY_HELP)
    estimated_age = serializers.IntegerField(required=False, allow_null=True, help_text=IDENTITY_HELP)
    notes = serializers.CharField(required=False, help_text=IDENTITY_HELP)
    languages = serializers.SlugRelatedField(slug_field="code", many=True, required=False,
                                             queryset=Term.objects.all(), help_text=IDENTITY_HELP)
    ubigeo_origin = serializers.CharField(source="ubigeo_origin_id", required=False, allow_null=True,
                                          help_text=IDENTITY_HELP)
    country_origin = serializers.CharField(source="country_origin_id", required=False, allow_null=True,
                                           help_text=IDENTITY_HELP)
    ubigeo_residence = serializers.CharField(source="ubigeo_residence_id", required=False, allow_null=True,
                                             help_text=IDENTITY_HELP)

    # what a share without identity carries (people.models.PersonShare)
    PSEUDONYMOUS_FIELDS = ("uuid", "code", "sex", "age_band", "region")

    def get_age_band(self, person) -> str | None:
        return age_band(person.age_on(timezone.localdate()))

    @extend_schema_field(RegionSerializer(allow_null=True))
    def get_region(self, person) -> dict | None:
        region = region_of(person.ubigeo_origin)
        return {"code": region.code, "name": region.name} if region else None

    def to_representation(self, person):
        identity = getattr(person, "identity_visible", None)
        if identity is None:
            identity = can_see_identity(self.context["request"].user, person)
        if not identity:
            # built from the whitelist alone, so no identity field is ever even read
            return {name: self.fields[name].to_representation(
                self.fields[name].get_attribute(person)) for name in self.PSEUDONYMOUS_FIELDS}
        return super().to_representation(person)


def log_identity_reads(user, persons) -> None:
    """Every person whose identity is in the response is on record, one row each, in the transaction of the
    read (persons come from person_queryset, which says whose identity the user sees)."""
    log_persons_shown(user, [p for p in persons if getattr(p, "identity_visible", False)],
                      fields=LOGGED_IDENTITY_FIELDS, purpose=AccessLog.Purpose.API)


def person_queryset(user, qs):
    """Everything the serializer reads, and whether the user may see each person's identity, in a fixed number
    of queries for a whole page."""
    if can_see_identity(user):
        flag = ExpressionWrapper(identity_condition(user), output_field=BooleanField())
    else:
        flag = Value(False, output_field=BooleanField())
    return qs.annotate(identity_visible=flag).select_related(
        "nationality", "ubigeo_origin__parent__parent").prefetch_related(*PERSON_PREFETCH)


PERSON_PREFETCH = ("aliases", "documents__country", "languages")  # what the serializer reads of each person


# ---------------------------------------------------------------------------------------------------------
# Input: shape only, every rule is in people.services
# ---------------------------------------------------------------------------------------------------------


class PersonWriteSerializer(serializers.Serializer):
    first_names = serializers.CharField(max_length=120, required=False, allow_blank=True, default="",
                                        label=_("nombres"))
    last_name_paternal = serializers.CharField(max_length=80, required=False, allow_blank=True, default="",
                                               label=_("apellido paterno"))
    last_name_maternal = serializers.CharField(max_length=80, required=False, allow_blank=True, default="",
                                               label=_("apellido materno"))
    sex = serializers.ChoiceField(choices=Person.Sex.choices, default=Person.Sex.UNKNOWN, label=_("sexo"))
    date_of_birth = serializers.DateField(required=False, allow_null=True, label=_("fecha de nacimiento"))
    estimated_age = serializers.IntegerField(required=False, allow_null=True, label=_("edad estimada"))
    age_estimated_on = serializers.DateField(required=False, allow_null=True,
                                             label=_("fecha de la estimación de edad"))
    nationality = _country_field(_("nacionalidad"))
    ubigeo_origin = _ubigeo_field(_("ubigeo de origen"))
    country_origin = _country_field(_("país de origen"))
    ubigeo_residence = _ubigeo_field(_("ubigeo de residencia"))
    notes = serializers.CharField(required=False, allow_blank=True, default="", label=_("observaciones"))
    documents = DocumentSerializer(many=True, required=False, label=_("documentos"))
    aliases = serializers.ListField(child=serializers.CharField(max_length=120), required=False,
                                    label=_("alias"))
    languages = serializers.ListField(
        child=code_field(Term.objects.filter(vocabulary=Term.Vocabulary.LANGUAGE), label=_("idioma"),
                         message=_("No existe un idioma con el código «{value}».")),
        required=False, label=_("idiomas"),
    )


class PersonUpdateSerializer(PersonWriteSerializer):
    version = serializers.IntegerField(label=_("versión"),
                                       help_text=_("La versión leída; si otra persona guardó antes, 409."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.required = False
                field.default = serializers.empty


def _documents(items) -> list[services.DocumentInput]:
    return [services.DocumentInput(kind=d["kind"], number=d["number"], country=d.get("country"))
            for d in items]


class MatchRequestSerializer(serializers.Serializer):
    first_names = serializers.CharField(required=False, allow_blank=True, default="")
    last_name_paternal = serializers.CharField(required=False, allow_blank=True, default="")
    last_name_maternal = serializers.CharField(required=False, allow_blank=True, default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    documents = DocumentSerializer(many=True, required=False, default=list)
    exclude = serializers.UUIDField(required=False, allow_null=True, default=None,
                                    help_text=_("Persona que se está editando, para no compararla consigo misma."))


class MatchSerializer(serializers.Serializer):
    person = PersonSerializer()
    score = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())


# ---------------------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------------------


class PersonSearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text=_(
        "Código seudónimo (P-XXXXXXXX); y, para roles que ven identidades, número de documento o nombres y "
        "alias."))
    page = serializers.IntegerField(min_value=1, default=1)


class PersonSearchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = PersonSerializer(many=True)


@extend_schema_view(
    list=extend_schema(description=_(
        "Personas visibles para el usuario. Para buscar por código, documento o nombre use "
        "POST /api/v1/persons/search/: ninguno de esos datos va en la dirección.")),
    retrieve=extend_schema(responses=PersonSerializer),
    create=extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer}),
    partial_update=extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer),
)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PersonSerializer
    permission_classes = [capability_required(Capability.PERSON_VIEW)]
    lookup_field = "uuid"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        qs = visible_persons(user)
        if self.action == "list" and "q" in self.request.query_params:
            # a name, document or code in a URL ends up in access logs, proxies and browser histories
            raise ValidationError({"q": [_(
                "La búsqueda de personas no va en la dirección: use POST /api/v1/persons/search/ con "
                "{\"q\": …}.")]})
        if not can_see_identity(user):
            qs = qs.order_by("code")
        return person_queryset(user, qs)

    def get_object(self):
        person = access_person(self.request.user, self.kwargs["uuid"])
        return person_queryset(self.request.user, Person.objects.filter(pk=person.pk)).get()

    def list(self, request, *args, **kwargs):
        with transaction.atomic():
            queryset = self.filter_queryset(self.get_queryset())
            page = self.paginate_queryset(queryset)
            persons = page if page is not None else list(queryset)
            data = self.get_serializer(persons, many=True).data
            log_identity_reads(request.user, persons)
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        with transaction.atomic():
            person = self.get_object()
            data = self.get_serializer(person).data
            log_identity_reads(request.user, [person])
        return Response(data)

    def _output(self, person, status_code=status.HTTP_200_OK):
        with transaction.atomic():
            person = person_queryset(self.request.user, Person.objects.filter(pk=person.pk)).get()
            data = self.get_serializer(person).data
            log_identity_reads(self.request.user, [person])
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        require_capability(request.user, Capability.PERSON_CREATE)
        form = PersonWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data["documents"] = _documents(data.pop("documents", []))
        person = services.person_create(actor=request.user, **data)
        return self._output(person, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        person = access_person(request.user, kwargs["uuid"], write=True)
        form = PersonUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        version = data.pop("version")
        if "documents" in data:
            data["documents"] = _documents(data["documents"])
        person = services.person_update(actor=request.user, person=person, expected_version=version, **data)
        return self._output(person)

    @extend_schema(request=PersonSearchSerializer, responses=PersonSearchResultSerializer, description=_(
        "Busca personas por código seudónimo (todos) y por número de documento o nombres y alias (solo roles "
        "que ven identidades, entre las personas cuya identidad pueden ver). El texto va en el cuerpo; las "
        "páginas se piden con «page» en el cuerpo, sin enlaces que lo repitan."))
    @action(detail=False, methods=["post"])
    def search(self, request):
        form = PersonSearchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = request.user
        # the ids found (tested for visibility once); the count and the page are cut from them
        ids = selectors.person_find_ids(user, form.validated_data["q"])
        identity = can_see_identity(user)
        size = self.paginator.page_size
        count = len(ids)
        pages = max(1, -(-count // size))
        page = min(form.validated_data["page"], pages)
        with transaction.atomic():
            if identity:  # names are encrypted (ADR 0210): sorted here, as on the search page
                persons = list(selectors.name_sorted_page(
                    ids, page, per_page=size, queryset=person_queryset(user, Person.objects.all()),
                    prefetch=PERSON_PREFETCH).object_list)
            else:
                persons = list(person_queryset(user, Person.objects.filter(pk__in=id_rows(ids)))
                               .order_by("code")[(page - 1) * size: page * size])
            data = self.get_serializer(persons, many=True).data
            log_identity_reads(user, persons)
        return Response({"count": count, "page": page, "pages": pages, "results": data})

    @extend_schema(request=MatchRequestSerializer, responses=MatchSerializer(many=True), description=_(
        "Posibles registros existentes de la misma persona (mismo documento, mismos nombres sin importar "
        "tildes ni el orden de los apellidos, alias, fecha de nacimiento cercana), antes de registrar una nueva."))
    # a plain list (never paginated, so the schema does not promise pages either), empty when nothing is alike
    @action(detail=False, methods=["post"], pagination_class=None)
    def match(self, request):
        # Matching by name answers "is this person in the registry?": only for users who see identities.
        if not can_see_identity(request.user):
            raise PermissionDenied(_("Su rol no le permite buscar personas por su identidad."))
        form = MatchRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        with transaction.atomic():
            matches = selectors.find_matches(
                actor=request.user, first_names=data["first_names"],
                last_name_paternal=data["last_name_paternal"],
                last_name_maternal=data["last_name_maternal"], date_of_birth=data["date_of_birth"],
                documents=[(d["kind"], d["number"]) for d in data["documents"]], exclude_uuid=data["exclude"],
            )
            found = Person.objects.filter(pk__in=[m.person.pk for m in matches])
            persons = person_queryset(request.user, found).in_bulk()
            # a match known only by its pseudonym would tell who is behind it
            rows = [{"person": persons[m.person.pk], "score": m.score, "reasons": m.reasons} for m in matches
                    if persons[m.person.pk].identity_visible]
            data = MatchSerializer(rows, many=True, context=self.get_serializer_context()).data
            log_identity_reads(request.user, [row["person"] for row in rows])
        return Response(data)
