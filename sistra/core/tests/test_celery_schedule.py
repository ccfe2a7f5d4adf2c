"""The Celery schedule names tasks that exist, on the queues they are written for (no broker needed)."""

from django.conf import settings
from django.tasks.base import Task
from django.utils.module_loading import import_string


def test_every_scheduled_entry_is_a_task_of_sistra():
    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = import_string(entry["task"])
        assert isinstance(task, Task), name
        assert entry.get("options", {}).get("queue", "default") == task.queue_name, name


def test_the_celery_backend_is_chosen_by_name_and_points_at_the_project_app():
    assert settings.TASKS_BACKENDS["celery"] == "django_tasks_celery.CeleryBackend"
    assert import_string("config.celery.app").main == "sistra"
