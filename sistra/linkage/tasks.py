"""The background tasks of the record linkage, for the worker to find (config.celery registers what this
module holds). Each is defined beside the service that enqueues it (ADR 0170)."""

from .batch import run_batch_linkage
from .services import link_new_person_task

__all__ = ["link_new_person_task", "run_batch_linkage"]
