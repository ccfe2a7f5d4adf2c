from rest_framework.routers import SimpleRouter

from .api import AssistanceCaseViewSet, ProviderViewSet, ReferralViewSet, ServiceTypeViewSet

router = SimpleRouter()
router.register("assistance/cases", AssistanceCaseViewSet, basename="api-assistance-case")
router.register("assistance/referrals", ReferralViewSet, basename="api-referral")
router.register("assistance/services", ServiceTypeViewSet, basename="api-service-type")
router.register("assistance/providers", ProviderViewSet, basename="api-provider")

urlpatterns = router.urls
