import datetime

from django import template

register = template.Library()


@register.filter
def days_until(due: datetime.date | None, today: datetime.date):
    """due|days_until:today — days left (negative when overdue)."""
    if not due or not today:
        return ""
    return (due - today).days
