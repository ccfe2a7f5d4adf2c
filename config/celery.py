"""The Celery application, used when TASKS_BACKEND selects Celery (docs/deployment.md, ADR 0190).

Every background task of SISTRA is written once with Django's tasks API (`django.tasks.task`); the
django-tasks-celery backend registers each of them with this app under its dotted path, so the same task code
runs on the database queue (`sistra db_worker`) or on Celery workers. Start a worker and the scheduler with

    celery -A config worker -Q default,stats --concurrency 2
    celery -A config beat

`autodiscover_tasks` imports every app's `tasks` module in the worker, which is what registers the tasks there.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("sistra")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def register_django_tasks(celery_app: Celery) -> list[str]:
    """Register every task of every installed app with `celery_app` through the configured backend and return
    their names. A worker does this by importing the tasks modules under TASKS_BACKEND=celery; a process whose
    tasks were first defined under another backend (the test suite) calls it before starting a worker."""
    from importlib import import_module

    from django.apps import apps
    from django.tasks import task_backends
    from django.tasks.base import Task
    from django_tasks_celery.register import ensure_celery_task

    backend = task_backends["default"]
    names = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.tasks")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, Task):
                ensure_celery_task(value, celery_app, backend)
                names.append(value.module_path)
    return sorted(names)
