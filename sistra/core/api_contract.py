"""The API keeps the word of its schema whatever the input: it answers in JSON when no route matches (a
malformed UUID included), and it refuses with 400 any control character (NUL among them) or lone surrogate in
any field of a body, lookup codes included, before a serializer sends it to the database — where PostgreSQL
would refuse a NUL with a server error. Tabs and line breaks are text, not control here."""

import unicodedata
import uuid
from functools import partial

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found
from rest_framework import pagination, parsers, serializers
from rest_framework.exceptions import NotFound

from sistra.core.pagination import BoundedPaginator

API_PREFIX = "/api/"
ALLOWED_CONTROLS = frozenset("\t\n\r")
CONTROL_MESSAGE = gettext_lazy("Contiene caracteres de control no permitidos.")


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c) in {"Cc", "Cs"} and c not in ALLOWED_CONTROLS for c in text)


def not_found(request, exception=None):
    """handler404: JSON under /api/, the usual page elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": _("No encontrado.")}, status=404)
    return page_not_found(request, exception)


def _bad(value) -> bool:
    """Whether a parsed value holds a control character anywhere (keys of nested objects included)."""
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, dict):
        return any(_bad(k) or _bad(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_bad(v) for v in value)
    return False


def refuse_control_characters(data) -> None:
    """A 400 naming each top-level field that holds a control character somewhere inside it."""
    if hasattr(data, "lists"):  # a QueryDict: several values per key
        items = [(key, values) for key, values in data.lists()]
    elif isinstance(data, dict):
        items = list(data.items())
    else:
        if _bad(data):
            raise serializers.ValidationError({"non_field_errors": [CONTROL_MESSAGE]})
        return
    errors = {}
    for key, value in items:
        if _bad(key):
            errors["non_field_errors"] = [CONTROL_MESSAGE]
        elif _bad(value):
            errors[key] = [CONTROL_MESSAGE]
    if errors:
        raise serializers.ValidationError(errors)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_control_characters(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_control_characters(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        refuse_control_characters(result.data)
        return result


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's, except that:
    - an empty `page` (`?page=`) is as invalid as `?page=abc`, as the schema (an integer) says, instead of meaning
      the first page;
    - the rows are counted only up to 40 pages past the one asked for (`sistra.core.pagination`): at the design
      scale a fiscalía's 100,000 cases took 60 ms to count on every page. `count_exact` says whether `count` is
      the whole list or only a lower bound; `next` is there whenever there are more rows, and `?page=last` is the
      last page counted."""

    @property
    def django_paginator_class(self):
        return partial(BoundedPaginator, page=self.request.query_params.get(self.page_query_param))

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) == "":
            raise NotFound(self.invalid_page_message.format(page_number="", message=_("Página vacía.")))
        return super().get_page_number(request, paginator)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_exact"] = not self.page.paginator.truncated
        return response

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["required"] = [*described["required"], "count_exact"]
        described["properties"]["count"]["description"] = gettext_lazy(
            "Filas de la lista, o una cota inferior cuando count_exact es falso.")
        described["properties"]["count_exact"] = {
            "type": "boolean",
            "description": gettext_lazy("Si count es el total (las listas largas se cuentan hasta 40 páginas más "
                                        "allá de la pedida)."),
        }
        return described


def text_fields_take_only_text() -> None:
    """DRF's CharField turns a JSON number into text (`0` → "0"); the schema says string, so a number is
    refused with DRF's own "not a valid string" message. Form and query values are always text, unchanged.
    Called once, from CoreConfig.ready()."""
    original = serializers.CharField.to_internal_value
    if getattr(original, "takes_only_text", False):
        return

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return original(self, data)

    to_internal_value.takes_only_text = True
    serializers.CharField.to_internal_value = to_internal_value

    # DRF's UUIDField takes a JSON integer as UUID(int=…), so `false` or `0` became the nil UUID; the schema says
    # a string in UUID format: anything else is refused the same way.
    original_uuid = serializers.UUIDField.to_internal_value

    def uuid_to_internal_value(self, data):
        if not isinstance(data, str | uuid.UUID):
            self.fail("invalid", value=data)
        return original_uuid(self, data)

    serializers.UUIDField.to_internal_value = uuid_to_internal_value

    form_bodies_keep_the_schema()


def form_bodies_keep_the_schema() -> None:
    """The API takes form-encoded and multipart bodies as well as JSON, and DRF reads them more loosely than the
    schema allows: a blank value of a number, date, UUID or choice meant "not given" (or null), and a plain
    `documents=…` where a list of objects is expected was dropped without a word. Here a blank value is refused
    like any other value outside the schema (as `core.api.query_filter_form` refuses it in a query), and plain
    values where objects are expected reach the validation that refuses them. Text fields that allow blank
    keep taking "" (found by schemathesis: `POST /api/v1/persons/match/` with `documents=number&exclude=`)."""
    from rest_framework.fields import Field
    from rest_framework.utils import html

    if getattr(Field.get_value, "keeps_the_schema", False):
        return
    original_field = Field.get_value
    original_list = serializers.ListSerializer.get_value

    def field_get_value(self, dictionary):
        if (
            html.is_html_input(dictionary)
            and dictionary.get(self.field_name) == ""
            and not getattr(self, "allow_blank", False)
            and not isinstance(self, serializers.BooleanField)  # an unticked box: DRF's own rule stands
        ):
            return ""  # to_internal_value refuses it with the field's own message
        return original_field(self, dictionary)

    def list_get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.getlist(self.field_name)  # strings where objects are expected: refused
        return original_list(self, dictionary)

    field_get_value.keeps_the_schema = True
    Field.get_value = field_get_value
    serializers.ListSerializer.get_value = list_get_value
