from django.urls import path
from rest_framework.routers import SimpleRouter

from sistra.accounts.api import AgencyViewSet

from . import api

router = SimpleRouter()
router.register("ubigeo", api.UbigeoViewSet, basename="api-ubigeo")
router.register("countries", api.CountryViewSet, basename="api-country")
router.register("distritos-fiscales", api.DistritoFiscalViewSet, basename="api-distrito-fiscal")
router.register("penal-articles", api.PenalArticleViewSet, basename="api-penal-article")
router.register("stages", api.ProceduralStageViewSet, basename="api-stage")
router.register("agencies", AgencyViewSet, basename="api-agency")

urlpatterns = [
    path("terms/", api.TermViewSet.as_view({"get": "list"}), name="api-term-list"),
    path("terms/<str:vocabulary>/<str:code>/", api.TermViewSet.as_view({"get": "retrieve"}),
         name="api-term-detail"),
    *router.urls,
]
