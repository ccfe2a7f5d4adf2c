from django.urls import path

from . import views

app_name = "clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("consultas/", views.consultation_list, name="consultations"),
    path("consultas/exportar.csv", views.consultation_export, name="consultation_export"),
    path("tamizajes/<uuid:screening_uuid>/", views.screening_detail, name="screening_detail"),
    path("conflictos/", views.conflict_list, name="conflicts"),
    path("conflictos/<uuid:conflict_uuid>/resolver/", views.conflict_resolve, name="conflict_resolve"),
    path("dispositivos/", views.device_list, name="devices"),
    path("dispositivos/<uuid:device_uuid>/revocar/", views.device_revoke, name="device_revoke"),
    path("app/", views.offline_app, name="app"),
    path("app/shell.json", views.shell, name="shell"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
