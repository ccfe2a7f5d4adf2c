"""The victim-centred timeline: everything SISTRA knows about a person, filtered by what the viewer may see.

Parts of SISTRA plug in a source with `register_timeline_source(key, label, function)` (from their AppConfig's
ready()), so a new part adds itself without editing this module. A source takes the viewer and the person and
returns TimelineEntry rows it has already filtered by the viewer's access."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sistra.accounts.capabilities import Capability, has_capability


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime.date
    source: str  # the registry key, used as a CSS hook and a filter
    title: str
    detail: str = ""
    url: str = ""
    warning: bool = False  # shown prominently (e.g. a safety flag)


@dataclass(frozen=True)
class TimelineSource:
    key: str
    label: object
    build: Callable[[object, object], Iterable[TimelineEntry]]


_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(key: str, label, build: Callable[[object, object], Iterable[TimelineEntry]]) -> None:
    _SOURCES[key] = TimelineSource(key=key, label=label, build=build)


def timeline_sources() -> list[TimelineSource]:
    return list(_SOURCES.values())


# Other records of the same human being (the record linkage registers one: sistra.linkage). A provider takes
# the viewer and the person and returns only records the viewer may see.
_LINKED_PERSONS: list[Callable[[object, object], Iterable[object]]] = []


def register_linked_persons(provider: Callable[[object, object], Iterable[object]]) -> None:
    if provider not in _LINKED_PERSONS:
        _LINKED_PERSONS.append(provider)


def person_timeline(actor, person) -> list[TimelineEntry]:
    """Every entry the viewer may see, newest first, across every record linked to the person (each source
    filters its items by the viewer's access). The caller has fetched the person through access_person."""
    persons = [person]
    for provider in _LINKED_PERSONS:
        persons.extend(p for p in provider(actor, person) if p.pk not in {x.pk for x in persons})
    entries: list[TimelineEntry] = []
    for one in persons:
        for source in _SOURCES.values():
            entries.extend(source.build(actor, one))
    return sorted(entries, key=lambda e: e.when, reverse=True)


def _day(moment) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --- built-in sources -------------------------------------------------------------------------------------

def criminal_case_entries(actor, person) -> list[TimelineEntry]:
    """Criminal cases in which the person is a party, among those the viewer may see."""
    if not has_capability(actor, Capability.CASE_VIEW):
        return []
    from sistra.cases.selectors import person_case_roles

    entries = []
    for role in person_case_roles(actor, person):
        case = role.case
        detail = " · ".join(p for p in (str(role.detail), case.get_status_display()) if p)
        entries.append(TimelineEntry(
            when=case.complaint_date, source="cases",
            title=_("Caso penal %(number)s — %(role)s") % {"number": case.number, "role": role.role},
            detail=detail, url=_url("cases:detail", case.uuid)))
    return entries


def assistance_entries(actor, person) -> list[TimelineEntry]:
    """The viewer's agency's own assistance cases for the person and everything recorded in them."""
    from .access import visible_assistance_cases
    from .models import FamilyContact

    cases = list(visible_assistance_cases(actor).filter(person=person).prefetch_related(
        "deliveries__service_type", "deliveries__agency", "follow_ups__agency", "family_contacts",
        "assessments"))
    entries = []
    for case in cases:
        url = _url("assistance:case_detail", case.uuid)
        entries.append(TimelineEntry(
            when=case.identified_on, source="assistance",
            title=_("Identificación (%(channel)s): %(status)s")
            % {"channel": case.get_identification_channel_display(), "status": case.get_trafficking_status_display()},
            detail=_("Caso de asistencia %(code)s") % {"code": case.code}, url=url))
        if case.status_decided_on and case.status_decided_on != case.identified_on:
            entries.append(TimelineEntry(
                when=case.status_decided_on, source="assistance",
                title=_("Situación de trata: %(status)s") % {"status": case.get_trafficking_status_display()},
                detail=case.get_status_decision_org_display(), url=url))
        for assessment in case.assessments.all():
            entries.append(TimelineEntry(
                when=assessment.assessed_on, source="assistance", title=_("Evaluación de necesidades y riesgos"),
                detail=_("Riesgo %(level)s") % {"level": assessment.get_overall_risk_display().lower()}, url=url))
        for delivery in case.deliveries.all():
            entries.append(TimelineEntry(
                when=delivery.delivered_on, source="services",
                title=_("Servicio: %(service)s") % {"service": delivery.service_type},
                detail=delivery.agency.name, url=url))
        for visit in case.follow_ups.all():
            entries.append(TimelineEntry(
                when=visit.visited_on, source="services",
                title=_("Seguimiento: %(kind)s") % {"kind": visit.get_kind_display()}, detail=visit.agency.name,
                url=url))
        for contact in case.family_contacts.all():
            if contact.tracing_status == FamilyContact.Tracing.REUNITED and contact.reunited_on:
                entries.append(TimelineEntry(
                    when=contact.reunited_on, source="assistance",
                    title=_("Reunificación familiar (%(relation)s)") % {"relation": contact.get_relationship_display()},
                    url=url))
        if case.closed_on:
            entries.append(TimelineEntry(
                when=case.closed_on, source="assistance",
                title=_("Caso cerrado: %(reason)s") % {"reason": case.get_closure_reason_display()}, url=url))
    return entries


def referral_entries(actor, person) -> list[TimelineEntry]:
    """Referrals the viewer's agency sent or received for the person, and what it delivered through them."""
    from .access import visible_referrals
    from .models import Referral

    referrals = list(visible_referrals(actor).filter(person=person).select_related("from_agency", "to_agency")
                     .prefetch_related("deliveries__service_type"))
    entries = []
    for referral in referrals:
        url = _url("assistance:referral_detail", referral.uuid)
        names = {"from": referral.from_agency.name, "to": referral.to_agency.name}
        entries.append(TimelineEntry(
            when=_day(referral.sent_at), source="referrals",
            title=_("Derivación de %(from)s a %(to)s") % names, detail=referral.get_kind_display(), url=url))
        if referral.responded_at:
            entries.append(TimelineEntry(
                when=_day(referral.responded_at), source="referrals",
                title=(_("Derivación rechazada por %(to)s") if referral.status == Referral.Status.DECLINED
                       else _("Derivación aceptada por %(to)s")) % names,
                detail=referral.decline_reason, url=url))
        for moment, label in ((referral.completed_at, _("Derivación concluida por %(to)s")),
                              (referral.revoked_at, _("Derivación revocada por %(from)s"))):
            if moment:
                entries.append(TimelineEntry(when=_day(moment), source="referrals", title=label % names, url=url))
        if referral.to_agency_id == actor.agency_id:
            # what the receiver delivered; the lead agency sees it through its case
            for delivery in referral.deliveries.all():
                entries.append(TimelineEntry(
                    when=delivery.delivered_on, source="services",
                    title=_("Servicio: %(service)s") % {"service": delivery.service_type}, detail=names["to"],
                    url=url))
    return entries


def hotline_entries(actor, person) -> list[TimelineEntry]:
    """Hotline contacts about the person, among those the viewer may see (sistra.hotline.access)."""
    try:
        from sistra.hotline.access import visible_contacts
    except ImportError:
        return []
    contacts = visible_contacts(actor).filter(persons__person=person).distinct().order_by("-started_at")[:200]
    entries = []
    for contact in contacts:
        detail = " · ".join(str(p) for p in (contact.get_channel_display(), contact.get_category_display()) if p)
        entries.append(TimelineEntry(
            when=_day(contact.started_at), source="hotline",
            title=_("Contacto con la línea de ayuda %(code)s") % {"code": contact.code}, detail=detail,
            url=_url("hotline:contact_detail", contact.uuid)))
    return entries


def _hotline_links_persons() -> bool:
    """The hotline source is added only where the hotline links its contacts to persons of the registry."""
    from django.apps import apps

    if not apps.is_installed("sistra.hotline"):
        return False
    try:
        contact = apps.get_model("hotline", "Contact")
    except LookupError:
        return False
    return any(getattr(rel, "related_model", None) is not None
               and any(f.is_relation and getattr(f.related_model, "_meta", None) is not None
                       and f.related_model._meta.label_lower == "people.person"
                       for f in rel.related_model._meta.concrete_fields)
               for rel in contact._meta.related_objects)


def register_builtin_sources() -> None:
    register_timeline_source("cases", gettext_lazy("Casos penales"), criminal_case_entries)
    register_timeline_source("assistance", gettext_lazy("Asistencia"), assistance_entries)
    register_timeline_source("referrals", gettext_lazy("Derivaciones"), referral_entries)
    if _hotline_links_persons():
        register_timeline_source("hotline", gettext_lazy("Línea de ayuda"), hotline_entries)
