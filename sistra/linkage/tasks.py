"""Background work of the record linkage (Django's tasks API). Tasks take identifiers and call services."""

from django.tasks import task


@task
def link_new_person(person_pk: int) -> int:
    from .services import link_new_person as run

    return run(person_pk)


@task
def run_batch_linkage(run_uuid: str) -> str:
    from .batch import execute_run

    return execute_run(run_uuid)
