from rest_framework.routers import SimpleRouter

from .api import CampaignViewSet, FamilyViewSet, TrainingViewSet

router = SimpleRouter()
router.register("prevention/trainings", TrainingViewSet, basename="api-training")
router.register("prevention/campaigns", CampaignViewSet, basename="api-campaign")
router.register("prevention/families", FamilyViewSet, basename="api-family")

urlpatterns = router.urls
