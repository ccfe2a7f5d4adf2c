"""Background work of the deadlines (Django's tasks API). Schedule the digest once a day, early in the morning
Lima time: cron or a systemd timer calling `sistra send_deadline_digest --queue` (or without --queue to run it
in the command itself)."""

from django.tasks import task


@task()
def send_deadline_digests() -> int:
    """Leave today's deadline notice (and e-mail) for every prosecutor and head of fiscalía who has cases overdue
    or due within 7 days; returns how many were sent."""
    from .services import deadline_digest_send

    return deadline_digest_send()
