from allauth.account import views as allauth_views
from django.urls import include, path

from sistra.accounts import views as accounts_views
from sistra.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", allauth_views.login, name="login"),
    path("logout/", accounts_views.logout, name="logout"),
    path("cuenta/", include("sistra.accounts.urls")),
    path("", core_views.home, name="home"),
    path("casos/", include("sistra.cases.urls")),
    path("personas/", include("sistra.people.urls")),
    path("linea/", include("sistra.hotline.urls")),
    path("asistencia/", include("sistra.assistance.urls")),
    path("estadisticas/", include("sistra.stats.urls")),
    path("clinica/", include("sistra.clinic.urls")),
    path("auditoria/", include("sistra.audit.urls")),
    path("prevencion/", include("sistra.prevention.urls")),
    path("vinculacion/", include("sistra.linkage.urls")),
    path("plazos/", include("sistra.deadlines.urls")),
    path("administracion/", include("sistra.accounts.useradmin.urls")),
    path("intercambio/htcds/", include("sistra.interop.urls")),
    path("api/", include("config.api_urls")),
]

# a 404 under /api/ is JSON, as the API schema documents
handler404 = "sistra.core.api_contract.not_found"
