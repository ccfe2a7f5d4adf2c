"""Test data builder for criminal cases, shared by every app's tests."""

import datetime

from django.utils import timezone

from sistra.core.models import DistritoFiscal

from .models import Case
from .services import case_create


def make_case(*, actor, number: str | None = None, complaint_date: datetime.date | None = None, **extra):
    """A case registered through the service, as a prosecutor would."""
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
