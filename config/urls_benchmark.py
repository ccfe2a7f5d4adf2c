"""The URLs of config.settings.benchmark: every URL of config/urls.py plus the floor page of the load test.

/__floor__/ is the cheapest page a signed-in user can be served: the full middleware stack (session, user,
second factor, CSP…), one primary-key SELECT and a one-line template. benchmarks/harness measures it beside every
real page in the same run, so each page's latency is read as a multiple of it. No other settings module names
this file, so the page exists nowhere else (tests/test_benchmark_settings.py)."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.urls import handler404
from config.urls import urlpatterns as app_urlpatterns
from sistra.accounts.models import Agency

_FLOOR = engines["django"].from_string("<p>{{ agency.code|default:'—' }}</p>\n")


@never_cache
@require_GET
def floor(request):
    """One SELECT by primary key (the user's agency), rendered with the context processors of every page."""
    agency = Agency.objects.only("code").filter(pk=request.user.agency_id).first()
    return HttpResponse(_FLOOR.render({"agency": agency}, request))


urlpatterns = [path("__floor__/", floor, name="benchmark_floor"), *app_urlpatterns]

__all__ = ["handler404", "urlpatterns"]
