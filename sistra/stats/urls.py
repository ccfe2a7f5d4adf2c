from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("mapa/", views.map_view, name="map"),
    path("actualizar/", views.refresh, name="refresh"),
    path("tabla/<slug:code>.<str:fmt>", views.export_table, name="export"),
    path("informe/", views.report_latest, name="report_latest"),
    path("informe/<int:year>/", views.report, name="report"),
    path("informe/<int:year>.pdf", views.report_pdf, name="report_pdf"),
    path("indicadores/", views.indicators, name="indicators"),
    path("datos-abiertos/", views.open_data, name="open_data"),
    path("datos-abiertos/<uuid:release_uuid>/", views.open_data_detail, name="open_data_detail"),
    path("datos-abiertos/<uuid:release_uuid>/<str:name>", views.open_data_file, name="open_data_file"),
]
