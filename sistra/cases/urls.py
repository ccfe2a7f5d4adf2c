from django.urls import path

from sistra.core import views_lookup

from . import views, views_attachments

app_name = "cases"
urlpatterns = [
    *views_attachments.urlpatterns,
    path("", views.case_list, name="list"),
    path("nuevo/", views.case_create, name="create"),
    path("ubigeos/", views_lookup.ubigeo_lookup, name="ubigeo_lookup"),
    path("<uuid:case_uuid>/", views.case_detail, name="detail"),
    path("<uuid:case_uuid>/editar/", views.case_edit, name="edit"),
    path("<uuid:case_uuid>/formularios/<str:form_key>/", views.case_section_form, name="section_form"),
    path("<uuid:case_uuid>/etapa/", views.case_change_stage, name="change_stage"),
    path("<uuid:case_uuid>/eventos/", views.case_add_event, name="add_event"),
    path("<uuid:case_uuid>/imputaciones/", views.case_add_charge, name="add_charge"),
    path("<uuid:case_uuid>/victimas/", views.case_add_victim, name="add_victim"),
    path("<uuid:case_uuid>/imputados/", views.case_add_defendant, name="add_defendant"),
    path("<uuid:case_uuid>/imputados/<uuid:defendant_uuid>/resultado/", views.defendant_set_outcome,
         name="set_outcome"),
    path("<uuid:case_uuid>/intervinientes/", views.case_add_party, name="add_party"),
    path("<uuid:case_uuid>/lugares/", views.case_add_place, name="add_place"),
    path("<uuid:case_uuid>/accesos/", views.case_share, name="share"),
    path("<uuid:case_uuid>/derivar/", views.case_transfer, name="transfer"),
    path("<uuid:case_uuid>/fiscal/", views.case_assign_prosecutor, name="assign_prosecutor"),
    path("<uuid:case_uuid>/accesos/<uuid:agency_uuid>/revocar/", views.case_share_revoke, name="revoke_share"),
]
