"""The background tasks of the statistics (queue "stats"), for the worker to find (config.celery registers what
this module holds). Each is defined beside the service that enqueues it (ADR 0170)."""

from .services import publish_open_data, refresh_aggregates

__all__ = ["publish_open_data", "refresh_aggregates"]
