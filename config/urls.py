from django.contrib.auth import views as auth_views
from django.urls import include, path

from sistra.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", core_views.home, name="home"),
    path("casos/", include("sistra.cases.urls")),
    path("personas/", include("sistra.people.urls")),
    path("linea/", include("sistra.hotline.urls")),
    path("asistencia/", include("sistra.assistance.urls")),
    path("estadisticas/", include("sistra.stats.urls")),
    path("api/", include("config.api_urls")),
]
