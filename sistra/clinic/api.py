"""The clinic's offline protocol over the API (in the OpenAPI schema): register a device, download the
itinerary packet, send a signed packet of changes. Thin: shape only; the rules live in sync.py."""

import json

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from . import access, selectors, sync


class DeviceRegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False, allow_blank=True)


class DeviceKeysSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()
    sign_key = serializers.CharField(help_text="HMAC-SHA256 key (base64) the device signs its packets with.")
    data_key = serializers.CharField(help_text="AES-GCM key (base64) the device encrypts its storage with.")


class ChangeSerializer(serializers.Serializer):
    idempotency_key = serializers.UUIDField()
    entity = serializers.ChoiceField(choices=["patient", "consultation", "screening", "visit"])
    op = serializers.ChoiceField(choices=["create", "update"])
    uuid = serializers.UUIDField(help_text="The record's UUID, made by the device.")
    base_version = serializers.IntegerField(required=False, allow_null=True)
    data = serializers.DictField()


class PacketSerializer(serializers.Serializer):
    device = serializers.UUIDField()
    packet_id = serializers.UUIDField()
    changes = ChangeSerializer(many=True)


class ChangeResultSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(allow_null=True)
    entity = serializers.CharField(allow_null=True)
    uuid = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["applied", "merged", "conflict", "refused"])
    version = serializers.IntegerField(required=False)
    conflicts = serializers.ListField(child=serializers.CharField(), required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    duplicate = serializers.BooleanField(required=False)


class SyncResultSerializer(serializers.Serializer):
    packet_id = serializers.UUIDField()
    results = ChangeResultSerializer(many=True)


def _team_only(request) -> None:
    if not access.is_team_member(request.user):
        raise PermissionDenied(_("Solo el equipo de la clínica móvil usa este servicio."))


def _keys(device) -> dict:
    return {
        "uuid": str(device.uuid),
        "name": device.name,
        "sign_key": sync.b64(sync.signing_key(device)),
        "data_key": sync.b64(sync.data_key(device)),
    }


class DeviceRegisterView(APIView):
    @extend_schema(
        request=DeviceRegisterSerializer,
        responses={201: DeviceKeysSerializer},
        tags=["clinic"],
        summary="Register this tablet for offline work and receive its keys",
    )
    def post(self, request):
        _team_only(request)
        data = DeviceRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = sync.device_register(actor=request.user, name=data.validated_data.get("name", ""))
        return Response(_keys(device), status=status.HTTP_201_CREATED)


class PacketView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("device", OpenApiTypes.UUID, required=True)],
        responses={200: OpenApiTypes.OBJECT},
        tags=["clinic"],
        summary="Download the itinerary packet (communities, reference lists, known patients)",
    )
    def get(self, request):
        _team_only(request)
        try:
            sync.active_device(request.user, request.query_params.get("device"))
        except sync.SyncRefused as exc:
            return Response({"detail": exc.message}, status=exc.status)
        return Response(selectors.itinerary_packet(request.user, on=timezone.localdate()))


class SyncView(APIView):
    @extend_schema(
        request=PacketSerializer,
        responses={
            200: SyncResultSerializer,
            400: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            409: OpenApiTypes.OBJECT,
        },
        parameters=[
            OpenApiParameter(
                "X-Sistra-Signature",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="hex HMAC-SHA256 of the request body under the device's key",
            )
        ],
        tags=["clinic"],
        summary="Send a signed packet of offline changes; each applies exactly once",
    )
    def post(self, request):
        _team_only(request)
        # the signature covers the bytes as sent, so read them before anything parses them
        body = request.body
        try:
            payload = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return Response({"detail": _("El paquete no es JSON válido.")}, status=400)
        if not isinstance(payload, dict):
            return Response({"detail": _("El paquete no es JSON válido.")}, status=400)
        try:
            result = sync.receive_packet(
                actor=request.user,
                body=body,
                signature=request.headers.get("X-Sistra-Signature", ""),
                payload=payload,
            )
        except sync.SyncRefused as exc:
            return Response({"detail": exc.message}, status=exc.status)
        return Response(result)
