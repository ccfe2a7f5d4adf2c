"""The telephony (IVR) integration: the central announces each answered call — caller number, start time,
line — and gets back the contact an operator will complete, with what it needs to route the call (a repeat
caller? a flag on the number?). Token-authenticated (DRF TokenAuthentication, as configured); the token belongs
to a service user of the hotline agency whose role may create contacts. The number is kept only as its hash."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from sistra.accounts.capabilities import Capability, has_capability
from sistra.core.api import capability_required

from . import selectors, services
from .access import access_contact, visible_contacts
from .models import Contact


class IncomingCallSerializer(serializers.Serializer):
    caller_number = serializers.CharField(label=_("número del llamante"), max_length=40, required=False,
                                          allow_blank=True, help_text=_("Vacío si el número es privado."))
    started_at = serializers.DateTimeField(label=_("inicio"), help_text=_("ISO 8601 con zona horaria."))
    line = serializers.CharField(label=_("línea"), max_length=40, required=False, allow_blank=True)
    channel = serializers.ChoiceField(label=_("canal"), choices=Contact.Channel.choices,
                                      default=Contact.Channel.PHONE)


class RepeatCallerSerializer(serializers.Serializer):
    previous_contacts = serializers.IntegerField()
    last_contact_at = serializers.DateTimeField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())


class ContactSerializer(serializers.ModelSerializer):
    """A contact without the caller's identity."""

    class Meta:
        model = Contact
        fields = ["uuid", "code", "status", "source", "line", "channel", "started_at", "ended_at",
                  "duration_seconds", "category", "non_substantive_reason", "risk_level"]
        read_only_fields = fields


class RegisteredCallSerializer(ContactSerializer):
    repeat_caller = serializers.SerializerMethodField()

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "repeat_caller"]
        read_only_fields = fields

    @extend_schema_field(RepeatCallerSerializer)
    def get_repeat_caller(self, contact) -> dict:
        summary = self.context["repeat_caller"]
        return {"previous_contacts": summary.previous_contacts, "last_contact_at": summary.last_contact_at,
                "flags": summary.flags}


class ContactViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "uuid"
    permission_classes = [capability_required(Capability.CONTACT_VIEW)]

    def get_permissions(self):
        if self.action == "create":
            return [capability_required(Capability.CONTACT_CREATE)()]
        return super().get_permissions()

    def get_queryset(self):
        return visible_contacts(self.request.user)

    def get_serializer_class(self):
        return IncomingCallSerializer if self.action == "create" else ContactSerializer

    def get_object(self):
        return access_contact(self.request.user, self.kwargs["uuid"])

    @extend_schema(request=IncomingCallSerializer, responses={201: RegisteredCallSerializer,
                                                              200: RegisteredCallSerializer})
    def create(self, request, *args, **kwargs):
        """Register an answered call. Sending the same call again (same line, start and number) returns the
        contact already registered with status 200 instead of 201."""
        incoming = IncomingCallSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        contact, created = services.contact_register_call(actor=request.user, **incoming.validated_data)
        summary = selectors.repeat_caller(request.user, phone_hash_value=contact.phone_hash, exclude_pk=contact.pk) \
            if has_capability(request.user, Capability.CONTACT_VIEW) else selectors.RepeatCaller()
        body = RegisteredCallSerializer(contact, context={"repeat_caller": summary}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
