from rest_framework.routers import SimpleRouter

from .api import CandidateViewSet

router = SimpleRouter()
router.register("linkage/candidates", CandidateViewSet, basename="api-link-candidate")

urlpatterns = router.urls
