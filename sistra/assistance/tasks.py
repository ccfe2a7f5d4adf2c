"""Background work of the assistance pathway (Django's tasks API)."""

from django.tasks import task


@task
def check_overdue_referrals() -> int:
    """Raise the dashboard alerts of referrals past their due date. Enqueued the day after each referral falls
    due (where the queue can wait) and by `sistra referrals_check_overdue` (daily, from cron)."""
    from .services import overdue_alerts_raise

    return overdue_alerts_raise()
