from django.urls import path

from . import api

urlpatterns = [
    path("estadisticas/cifras/", api.FiguresView.as_view(), name="api-stats-figures"),
    path("estadisticas/indicadores/", api.IndicatorsView.as_view(), name="api-stats-indicators"),
    path("estadisticas/datos-abiertos/", api.OpenDataReleasesView.as_view(), name="api-stats-open-data"),
]
