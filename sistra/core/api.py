"""Shared API pieces: the exception handler turns service validation errors into 400s with messages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = serializers.ValidationError(exc.message_dict)
        else:
            exc = serializers.ValidationError({"non_field_errors": exc.messages})
    return drf_exception_handler(exc, context)
