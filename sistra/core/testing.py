"""Test data builders shared by every app's tests (factory_boy). Reference data comes from the migrations."""

import datetime

import factory
from django.utils import timezone

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


def make_case(*, actor, number: str | None = None, complaint_date: datetime.date | None = None, **extra):
    """A case registered through the service, as a prosecutor would."""
    from sistra.cases.models import Case
    from sistra.cases.services import case_create

    agency = actor.agency
    df = agency.distrito_fiscal or DistritoFiscal.objects.order_by("code").first()
    defaults = {
        "number": number or f"{timezone.localdate().year}-{Case.objects.count() + 1:05d}",
        "fiscalia": agency,
        "distrito_fiscal": df,
        "complaint_date": complaint_date or timezone.localdate() - datetime.timedelta(days=30),
        "source": Case.Source.POLICE,
    }
    defaults.update(extra)
    return case_create(actor=actor, **defaults)


def make_person(*, actor, first_names: str = "María", last_name_paternal: str = "Quispe",
                last_name_maternal: str = "Mamani", **extra):
    from sistra.people.services import person_create

    return person_create(actor=actor, first_names=first_names, last_name_paternal=last_name_paternal,
                         last_name_maternal=last_name_maternal, **extra)


def stage(code: str) -> ProceduralStage:
    return ProceduralStage.objects.get(code=code)


def ubigeo(code: str) -> Ubigeo:
    return Ubigeo.objects.get(code=code)


def wait_for(app, task_result, timeout: float = 120):
    """The return value of a task enqueued on the Celery backend, once a worker has run it."""
    from celery.result import AsyncResult

    return AsyncResult(task_result.id, app=app).get(timeout=timeout, propagate=True)
