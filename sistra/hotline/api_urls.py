from rest_framework.routers import SimpleRouter

from .api import ContactViewSet

router = SimpleRouter()
router.register("hotline/contacts", ContactViewSet, basename="api-hotline-contact")

urlpatterns = router.urls
