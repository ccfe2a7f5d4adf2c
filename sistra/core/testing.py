"""Test data builders shared by every app's tests (factory_boy): agencies, users and reference data. The
builders of domain records live in their apps (sistra.people.testing.make_person,
sistra.cases.testing.make_case), so this base module imports none of them."""


import factory

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency, User
from sistra.core.models import DistritoFiscal, ProceduralStage, Ubigeo


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"agencia-{n}")
    name = factory.Sequence(lambda n: f"Institución {n}")
    kind = Agency.Kind.FISCALIA
    distrito_fiscal = factory.LazyFunction(lambda: DistritoFiscal.objects.order_by("code").first())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"usuario{n}")
    first_name = "Usuaria"
    last_name = "De Prueba"
    agency = factory.SubFactory(AgencyFactory)
    role = Role.PROSECUTOR
    password = factory.django.Password("contraseña-de-prueba-segura")


def stage(code: str) -> ProceduralStage:
    return ProceduralStage.objects.get(code=code)


def ubigeo(code: str) -> Ubigeo:
    return Ubigeo.objects.get(code=code)


def wait_for(app, task_result, timeout: float = 120):
    """The return value of a task enqueued on the Celery backend, once a worker has run it."""
    from celery.result import AsyncResult

    return AsyncResult(task_result.id, app=app).get(timeout=timeout, propagate=True)


def plan_without_scans(sql: str) -> str:
    """PostgreSQL's plan of a captured statement when sequential and bitmap scans are ruled out: a statement the
    indexes can answer alone shows an Index Only Scan, one that must read the table an Index Scan. For tests of
    the index-only reads the design scale relies on (call after VACUUM (ANALYZE), in a transactional test)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET ALL")
    return plan
