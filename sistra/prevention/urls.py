from django.urls import path

from . import views

app_name = "prevention"
urlpatterns = [
    path("", views.home, name="home"),
    path("capacitaciones/", views.event_list, name="event_list"),
    path("capacitaciones/nueva/", views.event_create, name="event_create"),
    path("capacitaciones/<uuid:event_uuid>/", views.event_detail, name="event_detail"),
    path("capacitaciones/<uuid:event_uuid>/participantes/", views.participant_add, name="participant_add"),
    path("capacitaciones/<uuid:event_uuid>/importar/", views.event_import, name="event_import"),
    path(
        "capacitaciones/<uuid:event_uuid>/participantes/<uuid:participant_uuid>/certificado/",
        views.certificate_issue,
        name="certificate_issue",
    ),
    path(
        "capacitaciones/<uuid:event_uuid>/participantes/<uuid:participant_uuid>/certificado.pdf",
        views.certificate_pdf,
        name="certificate_pdf",
    ),
    path("certificados/verificar/", views.verify, name="verify"),
    path("campanas/", views.campaign_list, name="campaign_list"),
    path("campanas/nueva/", views.campaign_create, name="campaign_create"),
    path("campanas/<uuid:campaign_uuid>/", views.campaign_detail, name="campaign_detail"),
    path("campanas/<uuid:campaign_uuid>/alcance/", views.reach_add, name="reach_add"),
    path("familias/", views.family_list, name="family_list"),
    path("familias/nueva/", views.family_create, name="family_create"),
    path("familias/<uuid:family_uuid>/", views.family_detail, name="family_detail"),
    path("familias/<uuid:family_uuid>/alternativas/", views.alternative_add, name="alternative_add"),
    path("familias/<uuid:family_uuid>/seguimientos/", views.followup_add, name="followup_add"),
]
