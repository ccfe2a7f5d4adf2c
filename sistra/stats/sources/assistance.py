"""Identification, assistance and referrals ("ruta de atención") as an aggregate source: assistance cases by
year of identification, trafficking status and channel; referrals by year sent, status and kind; services
delivered by year and service. Grouped straight from the assistance tables; the one filter they carry is the
department where the person was identified."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from sistra.stats import dimensions as dim

from . import CellSink, Figure, Source, scope_combinations


def _models():
    try:
        from sistra.assistance import models
    except ImportError:  # the assistance app is not installed in this deployment
        return None
    return models


def _choices(model_name: str, choices_name: str):
    def get():
        models = _models()
        model = getattr(models, model_name, None) if models else None
        return getattr(model, choices_name, None) if model else None

    return get


def _keys(model_name: str, choices_name: str):
    def keys() -> list[str]:
        choices = _choices(model_name, choices_name)()
        return list(choices.values) if choices is not None else []

    return keys


def _label(model_name: str, choices_name: str):
    def label(key: str) -> str:
        choices = _choices(model_name, choices_name)()
        if key == "none":
            return str(_("Sin dato"))
        return str(choices(key).label) if choices is not None and key in choices.values else key

    return label


def _service_label(key: str) -> str:
    models = _models()
    if models is None:
        return key
    row = models.ServiceType.objects.filter(code=key).values_list("name_es", flat=True).first()
    return row or key


FIGURES = [
    Figure(
        "assistance_cases_total",
        _("Personas identificadas y atendidas"),
        "persons",
        year_basis=_("año de la identificación"),
    ),
    Figure(
        "assistance_cases_by_trafficking_status",
        _("Casos de asistencia por situación de trata"),
        "persons",
        keys=_keys("AssistanceCase", "TraffickingStatus"),
        label=_label("AssistanceCase", "TraffickingStatus"),
    ),
    Figure(
        "assistance_cases_by_channel",
        _("Casos de asistencia por vía de identificación"),
        "persons",
        keys=_keys("AssistanceCase", "Channel"),
        label=_label("AssistanceCase", "Channel"),
    ),
    Figure(
        "assistance_cases_by_status",
        _("Casos de asistencia por estado"),
        "persons",
        keys=_keys("AssistanceCase", "Status"),
        label=_label("AssistanceCase", "Status"),
    ),
    Figure(
        "assistance_referrals_by_status",
        _("Derivaciones por estado"),
        "referrals",
        keys=_keys("Referral", "Status"),
        label=_label("Referral", "Status"),
        year_basis=_("año del envío"),
    ),
    Figure(
        "assistance_referrals_by_kind",
        _("Derivaciones por tipo"),
        "referrals",
        keys=_keys("Referral", "Kind"),
        label=_label("Referral", "Kind"),
        year_basis=_("año del envío"),
    ),
    Figure(
        "assistance_returns_by_status",
        _("Retornos por estado"),
        "returns",
        keys=_keys("ReturnTravel", "Status"),
        label=_label("ReturnTravel", "Status"),
        year_basis=_("año de la salida prevista"),
    ),
    Figure(
        "assistance_returns_by_scope",
        _("Retornos dentro del Perú e internacionales"),
        "returns",
        keys=lambda: ["domestic", "international"],
        label=lambda key: str(
            {"domestic": _("Dentro del Perú"), "international": _("Internacional")}.get(key, key)
        ),
        year_basis=_("año de la salida prevista"),
    ),
    Figure(
        "assistance_returns_by_payer",
        _("Retornos por quién los paga"),
        "returns",
        keys=_keys("ReturnTravel", "Payer"),
        label=_label("ReturnTravel", "Payer"),
        year_basis=_("año de la salida prevista"),
    ),
    Figure(
        "assistance_reintegration_by_outcome",
        _("Planes de reintegración por resultado"),
        "plans",
        keys=lambda: ["active", *(_keys("ReintegrationPlan", "Outcome")())],
        label=lambda key: (
            str(_("En curso")) if key == "active" else _label("ReintegrationPlan", "Outcome")(key)
        ),
        year_basis=_("año del inicio del plan"),
    ),
    Figure(
        "assistance_services_by_type",
        _("Servicios brindados por tipo"),
        "services",
        label=_service_label,
        year_basis=_("año del servicio"),
    ),
]


class AssistanceSource(Source):
    def available(self) -> bool:
        models = _models()
        return (
            models is not None
            and hasattr(models, "AssistanceCase")
            and models.AssistanceCase._meta.db_table in connection.introspection.table_names()
        )

    def build(self, *, run, sink: CellSink) -> dict:
        models = _models()
        tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        values = sink.values
        total = 0
        cases = (
            models.AssistanceCase.objects.annotate(y=ExtractYear("identified_on"))
            .values("y", "identification_place_id", "trafficking_status", "identification_channel", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in cases.iterator(chunk_size=10_000):
            total += row["n"]
            pairs = [
                ("assistance_cases_total", ""),
                ("assistance_cases_by_trafficking_status", row["trafficking_status"] or "none"),
                ("assistance_cases_by_channel", row["identification_channel"] or "none"),
                ("assistance_cases_by_status", row["status"] or "none"),
            ]
            self._add(values, row["y"], row["identification_place_id"], pairs, row["n"])
        referrals = (
            models.Referral.objects.annotate(y=ExtractYear("sent_at", tzinfo=tz))
            .values("y", "case__identification_place_id", "status", "kind")
            .annotate(n=Count("id"))
            .order_by()
        )
        n_referrals = 0
        for row in referrals.iterator(chunk_size=10_000):
            n_referrals += row["n"]
            pairs = [
                ("assistance_referrals_by_status", row["status"]),
                ("assistance_referrals_by_kind", row["kind"]),
            ]
            self._add(values, row["y"], row["case__identification_place_id"], pairs, row["n"])
        deliveries = (
            models.ServiceDelivery.objects.annotate(y=ExtractYear("delivered_on"))
            .values("y", "case__identification_place_id", "service_type_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in deliveries.iterator(chunk_size=10_000):
            self._add(
                values,
                row["y"],
                row["case__identification_place_id"],
                [("assistance_services_by_type", row["service_type_id"])],
                row["n"],
            )
        self._build_returns(models, values)
        sink.flush()
        return {"assistance_cases": total, "assistance_referrals": n_referrals}

    def _build_returns(self, models, values) -> None:
        if not hasattr(models, "ReturnTravel"):
            return
        returns = (
            models.ReturnTravel.objects.annotate(y=ExtractYear("planned_departure"))
            .values(
                "y",
                "case__identification_place_id",
                "status",
                "paid_by",
                "origin_country_id",
                "destination_country_id",
            )
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in returns.iterator(chunk_size=10_000):
            abroad = row["origin_country_id"] or row["destination_country_id"]
            pairs = [
                ("assistance_returns_by_status", row["status"]),
                ("assistance_returns_by_scope", "international" if abroad else "domestic"),
                ("assistance_returns_by_payer", row["paid_by"]),
            ]
            self._add(values, row["y"], row["case__identification_place_id"], pairs, row["n"])
        plans = (
            models.ReintegrationPlan.objects.annotate(y=ExtractYear("starts_on"))
            .values("y", "case__identification_place_id", "outcome")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in plans.iterator(chunk_size=10_000):
            pairs = [("assistance_reintegration_by_outcome", row["outcome"] or "active")]
            self._add(values, row["y"], row["case__identification_place_id"], pairs, row["n"])

    @staticmethod
    def _add(values, year: int, ubigeo_code: str | None, pairs: list[tuple[str, str]], n: int) -> None:
        dept = (ubigeo_code or "")[:2]
        for scope, scope_value in scope_combinations({"dept": [dept] if dept in dim.DEPARTMENTS else []}):
            for figure, key in pairs:
                values[(figure, year, scope, scope_value, key)] += n


SOURCE = AssistanceSource(
    code="assistance", title=_("Asistencia y derivaciones"), scopes=frozenset({"dept"}), figures=FIGURES
)
