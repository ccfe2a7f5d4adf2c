from rest_framework.routers import SimpleRouter

from .api import PersonViewSet

router = SimpleRouter()
router.register("persons", PersonViewSet, basename="api-person")

urlpatterns = router.urls
