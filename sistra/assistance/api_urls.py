from rest_framework.routers import SimpleRouter

from .api import AssistanceCaseViewSet, ProviderViewSet, ReferralViewSet, ServiceTypeViewSet
from .api_return import ReintegrationPlanViewSet, ReturnTravelViewSet

router = SimpleRouter()
router.register("assistance/cases", AssistanceCaseViewSet, basename="api-assistance-case")
router.register("assistance/referrals", ReferralViewSet, basename="api-referral")
router.register("assistance/services", ServiceTypeViewSet, basename="api-service-type")
router.register("assistance/providers", ProviderViewSet, basename="api-provider")
router.register("assistance/returns", ReturnTravelViewSet, basename="api-return")
router.register("assistance/reintegration-plans", ReintegrationPlanViewSet, basename="api-reintegration-plan")

urlpatterns = router.urls
