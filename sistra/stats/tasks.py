"""Background work of the statistics (Django's tasks API, queue "stats"). Tasks take public identifiers and
call services."""

from django.tasks import task


@task(queue_name="stats")
def refresh_aggregates() -> int:
    """Rebuild the aggregate tables from the registry; returns the new run's id. Run it nightly (cron or a
    systemd timer calling `sistra refresh_stats`) and on demand from the dashboard."""
    from .aggregation import refresh_aggregates as refresh

    return refresh().pk


@task(queue_name="stats")
def publish_open_data(release_uuid: str) -> str:
    """Build the files of a requested open-data release; returns its status."""
    from .models import OpenDataRelease
    from .services import open_data_release_build

    release = OpenDataRelease.objects.filter(uuid=release_uuid).first()
    if release is None:
        return "missing"
    return open_data_release_build(release=release).status
