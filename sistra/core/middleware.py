"""Refuse requests carrying a NUL byte in the path or in their parameters before they reach a view: no name,
code or filter contains one, and PostgreSQL refuses it in a query (a DataError would be a server error).
Under /api/ every control character is refused in the parameters, and the refusal is JSON, as the API's
schema documents (sistra/core/api_contract.py)."""

from django.http import HttpResponseBadRequest, HttpResponseNotFound, JsonResponse
from django.utils.translation import gettext as _

from .api_contract import has_control_characters, is_api

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _has_nul(text: str) -> bool:
    return "\x00" in text


def _refused(querydict, test) -> bool:
    return any(test(key) or any(test(value) for value in values) for key, values in querydict.lists())


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = is_api(request)
        if "\x00" in request.path:
            if api:
                return JsonResponse({"detail": _("No encontrado.")}, status=404)
            return HttpResponseNotFound(_("No encontrado."))
        test = has_control_characters if api else _has_nul
        # multipart bodies are not parsed here: upload views install their own handlers before reading them
        if _refused(request.GET, test) or (
            request.content_type == FORM_CONTENT_TYPE
            and request.method == "POST"
            and _refused(request.POST, test)
        ):
            message = _("La solicitud contiene caracteres no permitidos.")
            if api:
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
