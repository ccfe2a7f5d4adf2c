"""The deadline overview ("mis plazos") and the notices. Every page lists only cases the user may see: their
own cases, and for the head of a fiscalía the cases of that fiscalía (which the fiscalía sees anyway)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sistra.accounts.capabilities import Capability

from . import selectors, services
from .models import Notification


@never_cache
def my_deadlines(request):
    user = request.user
    if not user.can(Capability.CASE_EDIT):
        raise PermissionDenied
    today = timezone.localdate()
    fiscalia = selectors.headed_fiscalia(user)
    context = {
        "today": today,
        "mine": selectors.my_deadlines(user, today=today),
        "fiscalia": fiscalia,
        "fiscalia_sections": selectors.fiscalia_deadlines(fiscalia, today=today) if fiscalia else None,
        "load": selectors.fiscalia_load(fiscalia, today=today) if fiscalia else [],
        "notifications": selectors.notifications_for(user)[:5],
    }
    return render(request, "deadlines/my_deadlines.html", context)


@never_cache
def notification_list(request):
    return render(
        request,
        "deadlines/notifications.html",
        {"notifications": selectors.notifications_for(request.user)[:100]},
    )


@never_cache
@require_POST
def notification_read(request, notification_uuid):
    # another user's notice is a 404, like one that does not exist
    notice = get_object_or_404(Notification, uuid=notification_uuid, recipient=request.user)
    services.notification_mark_read(actor=request.user, notification=notice)
    return redirect(notice.url or "deadlines:notifications")
