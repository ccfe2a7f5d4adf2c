from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("personas/<uuid:person_uuid>/", views.audit_person, name="person"),
    path("exportar/", views.audit_export, name="export"),
    path("exportaciones/<str:token>/", views.audit_export_download, name="export_download"),
]
