"""Shared API pieces: the exception handler that turns service refusals into 400 (and conflicts into 409)
with Spanish messages per field, a capability permission, and the read-only reference lists."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.views import exception_handler as drf_exception_handler

from sistra.accounts.capabilities import Capability, has_capability

from .models import (
    Country,
    DistritoFiscal,
    PenalArticle,
    ProceduralStage,
    Term,
    Ubigeo,
    article_order,
    localized,
)
from .text import normalize
from .validation import ConflictError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Otra persona modificó este registro mientras usted lo editaba.")
    default_code = "conflict"


def exception_handler(exc, context):
    if isinstance(exc, ConflictError):
        exc = Conflict(exc.messages[0])
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = exc.message_dict
            if NON_FIELD_ERRORS in errors:
                errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
            exc = serializers.ValidationError(errors)
        else:
            exc = serializers.ValidationError({"non_field_errors": exc.messages})
    return drf_exception_handler(exc, context)


def capability_required(capability: Capability) -> type[permissions.BasePermission]:
    """A permission class that lets through only users whose role holds the capability."""

    class HasCapability(permissions.BasePermission):
        message = _("Su rol no le permite realizar esta acción.")

        def has_permission(self, request, view) -> bool:
            return has_capability(request.user, capability)

    HasCapability.__name__ = f"Has_{capability.value}"
    return HasCapability


def require_capability(user, capability: Capability) -> None:
    """For actions whose capability differs from the viewset's (sharing, history)."""
    if not has_capability(user, capability):
        raise exceptions.PermissionDenied(_("Su rol no le permite realizar esta acción."))


def code_field(queryset, *, label, message, optional: bool = False, **kwargs) -> serializers.SlugRelatedField:
    """A reference to a reference-list row by its code, with a Spanish message naming what was not found.
    `optional` lets it be left out or null. (Set such options here: DRF re-creates declared fields from
    their constructor arguments, so changing a field after construction does not last.)"""
    if optional:
        kwargs.update(required=False, allow_null=True)
    return serializers.SlugRelatedField(
        slug_field="code", queryset=queryset, label=label,
        error_messages={"does_not_exist": message, "invalid": _("Código no válido.")}, **kwargs,
    )


def region_of(ubigeo: Ubigeo | None) -> Ubigeo | None:
    """The department (region) containing an ubigeo; its parents must be select_related."""
    node = ubigeo
    while node is not None and node.parent_id:
        node = node.parent
    return node


# ---------------------------------------------------------------------------------------------------------
# Reference lists
# ---------------------------------------------------------------------------------------------------------


class UbigeoSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Ubigeo
        fields = ["code", "reniec_code", "level", "name", "full_name", "parent", "departamento_code",
                  "provincia_code", "iso_3166_2", "capital", "latitude", "longitude"]


class CountrySerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric", "name", "name_es", "name_en"]

    def get_name(self, obj) -> str:
        return localized(obj)


class DistritoFiscalSerializer(serializers.ModelSerializer):
    departamento = serializers.CharField(source="departamento_id", read_only=True)

    class Meta:
        model = DistritoFiscal
        fields = ["code", "name", "departamento"]


class PenalArticleSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()

    class Meta:
        model = PenalArticle
        fields = ["code", "article", "law", "title", "title_es", "title_en", "valid_from", "valid_to",
                  "is_trafficking", "notes"]

    def get_title(self, obj) -> str:
        return localized(obj, "title")


class TermSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Term
        fields = ["vocabulary", "code", "name", "name_es", "name_en", "htcds_value", "parent", "sort_order",
                  "is_active"]

    def get_name(self, obj) -> str:
        return localized(obj)


class ProceduralStageSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    next_stages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = ProceduralStage
        fields = ["code", "name", "name_es", "name_en", "sort_order", "deadline_days", "deadline_months_complex",
                  "deadline_months_organized",
                  "deadline_basis", "is_terminal", "next_stages"]

    def get_name(self, obj) -> str:
        return localized(obj)


class ReferenceViewSet(viewsets.ReadOnlyModelViewSet):
    # Reference lists are public within SISTRA: any signed-in user reads them, nobody writes them here.

    lookup_field = "code"
    lookup_value_regex = r"[^/]+"


def query_filter_form(request, serializer_class) -> serializers.Serializer:
    """The query parameters of a list, checked by a serializer: a value the schema does not allow (an unknown
    enum value, a number that is not one) is a 400 naming the parameter, never a silently ignored filter."""
    form = serializer_class(data=request.query_params)
    # DRF reads an empty query value as "not given"; only a text filter may be empty (and then filters nothing),
    # an empty number, yes/no or choice is as wrong as any other value outside the schema
    blank = {name: [_("Este campo no puede estar en blanco.")] for name, field in form.fields.items()
             if request.query_params.get(name) == "" and not getattr(field, "allow_blank", False)}
    if blank:
        raise serializers.ValidationError(blank)
    form.is_valid(raise_exception=True)
    return form


def query_filters(request, serializer_class) -> dict:
    return dict(query_filter_form(request, serializer_class).validated_data)


class UbigeoFilterSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Ubigeo.Level.choices, required=False, label=_("nivel"),
                                    help_text=_("Nivel del ubigeo."))
    parent = serializers.CharField(required=False, allow_blank=True, label=_("padre"), help_text=_("Código INEI del ubigeo padre."))
    q = serializers.CharField(required=False, allow_blank=True, default="", label=_("búsqueda"),
                              help_text=_("Parte del nombre (sin importar tildes) o del código."))


@extend_schema_view(list=extend_schema(parameters=[UbigeoFilterSerializer]))
class UbigeoViewSet(ReferenceViewSet):
    serializer_class = UbigeoSerializer

    def get_queryset(self):
        qs = Ubigeo.objects.select_related("parent__parent").order_by("code")
        if self.action != "list":
            return qs
        params = query_filters(self.request, UbigeoFilterSerializer)
        if level := params.get("level"):
            qs = qs.filter(level=level)
        if parent := params.get("parent"):
            qs = qs.filter(parent_id=parent)
        if text := params["q"].strip():
            if text.isdigit():
                qs = qs.filter(code__startswith=text)
            else:
                # accent-insensitive on every database: ~1,900 short names are matched in memory
                key = normalize(text)
                codes = [code for code, name in Ubigeo.objects.values_list("code", "name") if key in normalize(name)]
                qs = qs.filter(code__in=codes)
        return qs


class CountryViewSet(ReferenceViewSet):
    serializer_class = CountrySerializer
    queryset = Country.objects.order_by("name_es")


class DistritoFiscalViewSet(ReferenceViewSet):
    serializer_class = DistritoFiscalSerializer
    queryset = DistritoFiscal.objects.order_by("name")


class PenalArticleFilterSerializer(serializers.Serializer):
    in_force_on = serializers.DateField(required=False, label=_("vigente el"), error_messages={
                                            "invalid": _("Fecha no válida: use el formato AAAA-MM-DD.")},
                                        help_text=_("Solo las versiones vigentes en esa fecha (AAAA-MM-DD)."))
    article = serializers.CharField(required=False, allow_blank=True, label=_("artículo"),
                                    help_text=_("Número de artículo, p. ej. 153-A."))
    is_trafficking = serializers.BooleanField(required=False, allow_null=True, default=None,
                                              label=_("de trata"), help_text=_("Solo artículos de trata de personas."))


@extend_schema_view(list=extend_schema(parameters=[PenalArticleFilterSerializer]))
class PenalArticleViewSet(ReferenceViewSet):
    serializer_class = PenalArticleSerializer

    def get_queryset(self):
        qs = PenalArticle.objects.order_by("valid_from", article_order())
        if self.action != "list":
            return qs
        params = query_filters(self.request, PenalArticleFilterSerializer)
        if day := params.get("in_force_on"):
            qs = qs.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        if article := params.get("article"):
            qs = qs.filter(article__iexact=article.strip())
        if params["is_trafficking"] is not None:
            qs = qs.filter(is_trafficking=params["is_trafficking"])
        return qs


class TermFilterSerializer(serializers.Serializer):
    vocabulary = serializers.ChoiceField(choices=Term.Vocabulary.choices, required=False, label=_("vocabulario"),
                                         help_text=_("Vocabulario controlado."))


@extend_schema_view(list=extend_schema(parameters=[TermFilterSerializer]))
class TermViewSet(viewsets.ReadOnlyModelViewSet):
    # Term codes are unique only within a vocabulary ("other" is in several), so a term is addressed as
    # /terms/{vocabulary}/{code}/.

    serializer_class = TermSerializer
    lookup_field = "code"

    def get_queryset(self):
        qs = Term.objects.select_related("parent").order_by("vocabulary", "sort_order", "name_es")
        if "vocabulary" in self.kwargs:
            vocabulary = self.kwargs["vocabulary"]
        else:
            vocabulary = query_filters(self.request, TermFilterSerializer).get("vocabulary")
        if vocabulary:
            qs = qs.filter(vocabulary=vocabulary)
        return qs


class ProceduralStageViewSet(ReferenceViewSet):
    serializer_class = ProceduralStageSerializer
    queryset = ProceduralStage.objects.prefetch_related("next_stages").order_by("sort_order")
