from django.urls import path

from . import views

app_name = "hotline"
urlpatterns = [
    path("", views.home, name="home"),
    path("nuevo/", views.contact_new, name="contact_new"),
    path("llamante/", views.caller_lookup, name="caller_lookup"),
    path("contactos/<uuid:contact_uuid>/", views.contact_detail, name="contact_detail"),
    path("contactos/<uuid:contact_uuid>/atender/", views.contact_attend, name="contact_attend"),
    path("contactos/<uuid:contact_uuid>/seguimiento/", views.follow_up_add, name="follow_up_add"),
    path("contactos/<uuid:contact_uuid>/marca/", views.flag_add, name="flag_add"),
    path("contactos/<uuid:contact_uuid>/personas/", views.person_link, name="person_link"),
    path("contactos/<uuid:contact_uuid>/reporte/", views.report_new, name="report_new"),
    path("seguimientos/<uuid:follow_up_uuid>/cerrar/", views.follow_up_close, name="follow_up_close"),
    path("marcas/<uuid:flag_uuid>/retirar/", views.flag_clear, name="flag_clear"),
    path("reportes/", views.inbox, name="inbox"),
    path("reportes/<uuid:report_uuid>/", views.report_detail, name="report_detail"),
    path("reportes/<uuid:report_uuid>/pdf/", views.report_pdf, name="report_pdf"),
    path("reportes/<uuid:report_uuid>/acuse/", views.report_acknowledge, name="report_acknowledge"),
    path("reportes/<uuid:report_uuid>/abrir-caso/", views.report_open_case, name="report_open_case"),
    path("reportes/<uuid:report_uuid>/vincular-caso/", views.report_link_case, name="report_link_case"),
    path("supervision/", views.supervisor, name="supervisor"),
    path("supervision/relevo/", views.handover, name="handover"),
    path("supervision/importar/", views.import_upload, name="import"),
]
