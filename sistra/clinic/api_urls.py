from django.urls import path

from .api import DeviceRegisterView, PacketView, SyncView

urlpatterns = [
    path("clinic/devices/", DeviceRegisterView.as_view(), name="api-clinic-devices"),
    path("clinic/packet/", PacketView.as_view(), name="api-clinic-packet"),
    path("clinic/sync/", SyncView.as_view(), name="api-clinic-sync"),
]
