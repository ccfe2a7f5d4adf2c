"""The background tasks of the assistance pathway, for the worker to find (config.celery registers what this
module holds). Each is defined beside the service that enqueues it (ADR 0170)."""

from .services import check_overdue_referrals

__all__ = ["check_overdue_referrals"]
