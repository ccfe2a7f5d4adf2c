"""The hotline (0800-2-3232) as an aggregate source: volumes of contacts by month, channel, category, risk
and department, and the contacts passed to the police. Grouped straight from the contacts table (no facts:
the figures can only be cut by department, the one filter a contact carries)."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from sistra.stats import dimensions as dim

from . import CellSink, Figure, Source, scope_combinations


def _contact_model():
    try:
        from sistra.hotline.models import Contact
    except ImportError:  # the hotline app is not installed in this deployment
        return None
    return Contact


def _choice_label(choices_name: str):
    def label(key: str) -> str:
        model = _contact_model()
        choices = getattr(model, choices_name, None) if model else None
        if key == "none":
            return str(_("Sin dato"))
        if choices is not None and key in choices.values:
            return str(choices(key).label)
        return key

    return label


def _choice_keys(choices_name: str):
    def keys() -> list[str]:
        model = _contact_model()
        choices = getattr(model, choices_name, None) if model else None
        return list(choices.values) if choices is not None else []

    return keys


def _month_label(key: str) -> str:
    return str(MONTHS.get(int(key), key)) if key.isdigit() else key


POLICE_LABELS = {
    "notification": _("Aviso inmediato a la policía"),
    "report": _("Reporte enviado a la policía o fiscalía"),
}

FIGURES = [
    Figure(
        "hotline_contacts_total",
        _("Contactos con la línea de ayuda"),
        "contacts",
        year_basis=_("año del contacto"),
    ),
    Figure(
        "hotline_contacts_by_month",
        _("Contactos por mes"),
        "contacts",
        label=_month_label,
        keys=lambda: [f"{m:02d}" for m in range(1, 13)],
    ),
    Figure(
        "hotline_contacts_by_channel",
        _("Contactos por canal"),
        "contacts",
        keys=_choice_keys("Channel"),
        label=_choice_label("Channel"),
    ),
    Figure(
        "hotline_contacts_by_category",
        _("Contactos por categoría"),
        "contacts",
        keys=_choice_keys("Category"),
        label=_choice_label("Category"),
    ),
    Figure(
        "hotline_contacts_by_risk",
        _("Contactos por nivel de riesgo"),
        "contacts",
        keys=_choice_keys("Risk"),
        label=_choice_label("Risk"),
    ),
    Figure(
        "hotline_contacts_by_dept",
        _("Contactos por departamento"),
        "contacts",
        label=lambda k: str(_("Sin dato")) if k == "none" else dim.place_label(k),
    ),
    Figure(
        "hotline_police",
        _("Contactos derivados a la policía"),
        "contacts",
        additive=False,
        keys=lambda: list(POLICE_LABELS),
        label=lambda k: str(POLICE_LABELS.get(k, k)),
    ),
]


class HotlineSource(Source):
    def available(self) -> bool:
        model = _contact_model()
        return model is not None and model._meta.db_table in connection.introspection.table_names()

    def build(self, *, run, sink: CellSink) -> dict:
        from sistra.hotline.models import Contact

        tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        extra = {}
        related = {f.related_model.__name__: f for f in Contact._meta.related_objects}
        for name, key in (("PoliceNotification", "notification"), ("PoliceReport", "report")):
            if name in related:
                rel = related[name]
                extra[key] = Exists(rel.related_model.objects.filter(**{rel.field.name: OuterRef("pk")}))
        rows = (
            Contact.objects.annotate(
                y=ExtractYear("started_at", tzinfo=tz), m=ExtractMonth("started_at", tzinfo=tz), **extra
            )
            .values("y", "m", "departamento_code", "channel", "category", "risk_level", *extra)
            .annotate(n=Count("id"))
            .order_by()
        )
        total = 0
        for row in rows.iterator(chunk_size=10_000):
            year, n = row["y"], row["n"]
            total += n
            dept = row["departamento_code"] or "none"
            pairs = [
                ("hotline_contacts_total", ""),
                ("hotline_contacts_by_month", f"{row['m']:02d}"),
                ("hotline_contacts_by_channel", row["channel"] or "none"),
                ("hotline_contacts_by_category", row["category"] or "none"),
                ("hotline_contacts_by_risk", row["risk_level"] or "none"),
                ("hotline_contacts_by_dept", dept),
            ]
            pairs += [("hotline_police", key) for key in extra if row[key]]
            scopes = scope_combinations({"dept": [dept] if dept in dim.DEPARTMENTS else []})
            for scope, value in scopes:
                for figure, key in pairs:
                    sink.add(figure, year, scope, value, key, n)
        sink.flush()
        return {"hotline_contacts": total}


SOURCE = HotlineSource(code="hotline", title=_("Línea de ayuda"), scopes=frozenset({"dept"}), figures=FIGURES)
