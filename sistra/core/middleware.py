"""Refuse requests carrying a NUL byte in the path or in their parameters before they reach a view: no name,
code or filter contains one, and PostgreSQL refuses it in a query (a DataError would be a server error)."""

from django.http import HttpResponseBadRequest, HttpResponseNotFound
from django.utils.translation import gettext as _

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _has_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in querydict.lists())


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return HttpResponseNotFound(_("No encontrado."))
        # multipart bodies are not parsed here: upload views install their own handlers before reading them
        if _has_nul(request.GET) or (request.content_type == FORM_CONTENT_TYPE and request.method == "POST"
                                     and _has_nul(request.POST)):
            return HttpResponseBadRequest(_("La solicitud contiene caracteres no permitidos."))
        return self.get_response(request)
