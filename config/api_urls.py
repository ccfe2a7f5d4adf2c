from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/", include("sistra.core.api_urls")),
    path("v1/", include("sistra.people.api_urls")),
    path("v1/", include("sistra.cases.api_urls")),
    path("v1/", include("sistra.hotline.api_urls")),
    path("v1/", include("sistra.assistance.api_urls")),
    path("v1/", include("sistra.stats.api_urls")),
    path("v1/", include("sistra.prevention.api_urls")),
    path("v1/", include("sistra.clinic.api_urls")),
    path("v1/", include("sistra.linkage.api_urls")),
]
