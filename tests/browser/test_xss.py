"""Stored cross-site scripting, checked where it matters: in a real browser (headless Chromium).

Every free-text field that a user types and another user reads — case title and summary, event title and
detail, place and attachment descriptions, an attachment's file name, share reasons; person names, aliases and
notes; the hotline's caller name, summary, follow-up and flag notes, report facts; assistance notes, plans,
goals, relatives, referral details, a provider's directory entry — holds a payload that would set
window.__xss or open a dialog if it ever ran. Then every page that shows them is opened as the users who read
them: no payload runs, no dialog opens, the payload is shown as text, and the page has its
Content-Security-Policy (no inline script allowed)."""

import contextlib
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.cases.testing import make_case
from sistra.core import url_guard
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.people.testing import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def payloads(field: str) -> str:
    """One payload per field, each of a different kind, naming the field it came from if it ever runs."""
    kinds = [
        f"<script>window.__xss='{field}'</script>",
        f'"><img src=x onerror="window.__xss=\'{field}\'">',
        f"<svg onload=\"window.__xss='{field}'\"></svg>",
        f"'><iframe srcdoc=\"<script>parent.__xss='{field}'</script>\"></iframe>",
        f"javascript:void(window.__xss='{field}')",
        f"<a href=\"javascript:window.__xss='{field}'\">enlace</a><script>alert('{field}')</script>",
    ]
    if field in SHORT:  # names: the payloads that fit in 80 characters
        kinds = kinds[:3]
    return kinds[sum(map(ord, field)) % len(kinds)]


SHORT = {"person_first", "person_paternal", "person_alias"}


FIELDS = [
    "case_title", "case_summary", "event_title", "event_description", "place_description", "share_reason",
    "attachment_description", "charge_notes", "person_first", "person_paternal", "person_alias", "person_notes",
    "caller_name", "contact_summary", "referred_to", "follow_up_note", "flag_note", "report_facts",
    "assistance_notes", "assistance_location", "plan_objectives", "plan_action", "goal_description",
    "relative_name", "relative_notes", "referral_details", "provider_name", "provider_notes",
]
P = {name: payloads(name) for name in FIELDS}


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def build():
    from sistra.assistance import services as assistance
    from sistra.assistance.models import Consent, ServiceType
    from sistra.cases import services as cases
    from sistra.cases.attachments import attachment_add
    from sistra.core.models import PenalArticle, Ubigeo
    from sistra.hotline import services as hotline

    if not ServiceType.objects.exists():  # a transactional test's flush empties the catalogue
        from django.apps import apps

        from sistra.assistance.catalogue import load_service_types

        load_service_types(apps)
    fiscalia = AgencyFactory(code="xss-fiscalia", name="Fiscalía XSS", kind=Agency.Kind.FISCALIA)
    police = AgencyFactory(code="xss-pnp", name="PNP XSS", kind=Agency.Kind.POLICE)
    line = AgencyFactory(code="xss-linea", name="Línea XSS", kind=Agency.Kind.HOTLINE)
    mimp = AgencyFactory(code="xss-mimp", name="MIMP XSS", kind=Agency.Kind.MIMP)
    ngo = AgencyFactory(code="xss-ong", name="ONG XSS", kind=Agency.Kind.NGO)
    users = {
        "prosecutor": UserFactory(username="xss-fiscal", agency=fiscalia, role=Role.PROSECUTOR),
        "police": UserFactory(username="xss-policia", agency=police, role=Role.POLICE),
        "operator": UserFactory(username="xss-operadora", agency=line, role=Role.HOTLINE_OPERATOR),
        "supervisor": UserFactory(username="xss-supervisora", agency=line, role=Role.HOTLINE_SUPERVISOR),
        "caseworker": UserFactory(username="xss-gestora", agency=mimp, role=Role.CASEWORKER),
        "receiver": UserFactory(username="xss-ong", agency=ngo, role=Role.CASEWORKER),
        "auditor": UserFactory(username="xss-auditor", agency=fiscalia, role=Role.AUDITOR),
        "analyst": UserFactory(username="xss-analista", agency=fiscalia, role=Role.ANALYST),
    }
    pros, op, cw = users["prosecutor"], users["operator"], users["caseworker"]
    r = {"users": users}

    person = make_person(actor=pros, first_names=P["person_first"], last_name_paternal=P["person_paternal"],
                         last_name_maternal="Quispe", aliases=[P["person_alias"]], notes=P["person_notes"],
                         estimated_age=30)
    case = make_case(actor=pros, number="XSS-1", title=P["case_title"], summary=P["case_summary"])
    cases.victim_add(actor=pros, case=case, person=person)
    cases.case_add_event(actor=pros, case=case, kind="note", date=days_ago(2), title=P["event_title"],
                         description=P["event_description"])
    cases.place_add(actor=pros, case=case, kind="exploitation", ubigeo=Ubigeo.objects.get(code="170101"),
                    description=P["place_description"])
    cases.case_share(actor=pros, case=case, agency=police, reason=P["share_reason"])
    article = PenalArticle.objects.filter(is_trafficking=True, valid_to__isnull=True).first()
    cases.charge_add(actor=pros, case=case, article=article, offence_date=days_ago(40), notes=P["charge_notes"])
    attachment_add(actor=pros, case=case, description=P["attachment_description"], is_identity_bearing=False,
                   upload=SimpleUploadedFile("<img src=x onerror=window.__xss=7>.pdf", PDF,
                                             content_type="application/pdf"))
    r.update(case=case, person=person)

    now = timezone.now()
    contact = hotline.contact_create(
        actor=op, started_at=now - datetime.timedelta(minutes=20), ended_at=now - datetime.timedelta(minutes=10),
        category="trafficking_report", caller_type="relative", contact_consent=True, caller_name=P["caller_name"],
        caller_phone="984 000 111", summary=P["contact_summary"], referred_to=P["referred_to"], risk_level="high")
    hotline.follow_up_add(actor=op, contact=contact, note=P["follow_up_note"])
    hotline.caller_flag_add(actor=op, contact=contact, kind="at_risk", note=P["flag_note"])
    report = hotline.police_report_send(actor=op, contact=contact, recipient=police, facts=P["report_facts"],
                                        include_caller_contact=True)
    r.update(contact=contact, report=report)

    victim = make_person(actor=cw, first_names="Rosa", last_name_paternal="Huamán", estimated_age=20)
    acase = assistance.case_open(actor=cw, person=victim, identified_on=days_ago(5), notes=P["assistance_notes"],
                                 current_location=P["assistance_location"])
    for kind in (Consent.Kind.SERVICES, Consent.Kind.CONTACT):
        assistance.consent_record(actor=cw, case=acase, kind=kind, given_on=days_ago(5))
    assistance.consent_record(actor=cw, case=acase, kind=Consent.Kind.SHARE_DATA, agency=ngo, given_on=days_ago(5))
    plan = assistance.plan_create(actor=cw, case=acase, plan_type="Health", objectives=P["plan_objectives"],
                                  action_plan=P["plan_action"], starts_on=days_ago(3))
    assistance.goal_add(actor=cw, plan=plan, description=P["goal_description"])
    relative = assistance.family_contact_add(actor=cw, case=acase, full_name=P["relative_name"],
                                             relationship="mother", tracing_status="searching",
                                             notes=P["relative_notes"])
    referral = assistance.referral_send(actor=cw, case=acase, to_agency=ngo, details=P["referral_details"],
                                        due_on=timezone.localdate() + datetime.timedelta(days=3),
                                        services=[ServiceType.objects.get(code="family_tracing")])
    assistance.referral_accept(actor=users["receiver"], referral=referral)
    provider = assistance.provider_create(actor=cw, services=[ServiceType.objects.get(code="health")],
                                          regions=[Ubigeo.objects.get(code="170000")], name=P["provider_name"],
                                          kind="ngo", notes=P["provider_notes"])
    r.update(assistance_case=acase, referral=referral, relative=relative, victim=victim, provider=provider)
    return r


def pages(r):
    """(user, URL, the fields whose payload the page shows as text)."""
    case, person, contact = r["case"], r["person"], r["contact"]
    return [
        ("prosecutor", reverse("cases:detail", args=[case.uuid]),
         ["case_title", "case_summary", "event_title", "event_description", "place_description", "share_reason",
          "attachment_description", "charge_notes", "person_first"]),
        ("police", reverse("cases:detail", args=[case.uuid]), ["case_title", "event_title"]),
        ("analyst", reverse("cases:detail", args=[case.uuid]), ["case_title"]),
        ("prosecutor", reverse("cases:edit", args=[case.uuid]), []),
        ("prosecutor", reverse("cases:list"), ["case_title"]),
        ("prosecutor", reverse("people:detail", args=[person.uuid]),
         ["person_first", "person_paternal", "person_alias", "person_notes"]),
        ("prosecutor", reverse("people:edit", args=[person.uuid]), []),
        ("prosecutor", reverse("people:create") + "?next=javascript:window.__xss='next'", []),
        ("operator", reverse("hotline:contact_detail", args=[contact.uuid]),
         ["caller_name", "contact_summary", "referred_to", "follow_up_note", "flag_note"]),
        ("operator", reverse("hotline:home"), []),
        ("supervisor", reverse("hotline:handover"), []),
        ("supervisor", reverse("hotline:supervisor"), []),
        ("police", reverse("hotline:report_detail", args=[r["report"].uuid]), ["report_facts", "caller_name"]),
        ("police", reverse("hotline:inbox"), []),
        ("caseworker", reverse("assistance:case_detail", args=[r["assistance_case"].uuid]),
         ["assistance_notes", "plan_objectives", "goal_description", "relative_name"]),
        ("caseworker", reverse("assistance:case_edit", args=[r["assistance_case"].uuid]), []),
        ("caseworker", reverse("assistance:dashboard"), []),
        ("caseworker", reverse("assistance:family_detail", args=[r["relative"].uuid]),
         ["relative_name", "relative_notes"]),
        ("caseworker", reverse("assistance:referral_detail", args=[r["referral"].uuid]), ["referral_details"]),
        ("receiver", reverse("assistance:referral_detail", args=[r["referral"].uuid]), ["referral_details"]),
        ("receiver", reverse("assistance:dashboard"), []),
        ("caseworker", reverse("assistance:timeline", args=[r["victim"].uuid]), []),
        ("caseworker", reverse("assistance:catalogue"), ["provider_name"]),
        ("auditor", reverse("audit:log") + "?kind=cambios", ["event_title"]),
    ]


def _open(context, live_server, user, url, dialogs):
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    response = page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)  # onload/onerror handlers of broken images run right after load
    return page, response


def test_no_stored_payload_runs_on_any_page_and_each_is_shown_as_text(browser, live_server):
    r = build()
    context = browser.new_context(base_url=live_server.url, locale="es-PE", timezone_id="America/Lima")
    context.set_default_timeout(15_000)
    problems = []
    try:
        for who, url, shown in pages(r):
            dialogs: list[str] = []
            # the forged `?next=javascript:window…` carries a word of the payloads stored as names, on purpose
            forged = url_guard.deliberate() if "javascript:" in url else contextlib.nullcontext()
            with forged:
                page, response = _open(context, live_server, r["users"][who], url, dialogs)
            if response.status != 200:
                problems.append(f"{url} as {who}: {response.status}")
            fired = page.evaluate("() => window.__xss")
            if fired is not None:
                problems.append(f"{url} as {who}: the payload of {fired} ran")
            if dialogs:
                problems.append(f"{url} as {who}: dialog {dialogs}")
            frames_fired = [f.url for f in page.frames if f != page.main_frame]
            if frames_fired:
                problems.append(f"{url} as {who}: an injected frame exists {frames_fired}")
            csp = response.headers.get("content-security-policy", "")
            if "script-src" not in csp or "'unsafe-inline'" in csp or "default-src 'self'" not in csp:
                problems.append(f"{url} as {who}: Content-Security-Policy missing or weak: {csp!r}")
            text = page.locator("body").inner_text()
            for field in shown:
                if P[field] not in text:
                    problems.append(f"{url} as {who}: {field}'s text is not shown as typed")
            if page.locator("a[href^='javascript:' i], [onerror], [onload], iframe[srcdoc]").count():
                problems.append(f"{url} as {who}: an element built from a payload")
            page.close()
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_every_page_sends_a_content_security_policy_without_inline_scripts(live_server, browser):
    """The last line of defence if a payload ever got into the markup: scripts only from SISTRA, with a nonce."""
    from sistra.core.testing import UserFactory as Users

    user = Users(username="xss-csp", agency=AgencyFactory(code="xss-csp", kind=Agency.Kind.FISCALIA),
                 role=Role.PROSECUTOR)
    context = browser.new_context(base_url=live_server.url)
    try:
        for url in (reverse("login"), reverse("cases:list"), reverse("people:list")):
            dialogs: list[str] = []
            page, response = _open(context, live_server, user, url, dialogs)
            csp = response.headers["content-security-policy"]
            assert "script-src 'self' 'nonce-" in csp, csp
            assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
            # an inline script without the nonce does not run
            page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__xss=1';"
                          " document.body.appendChild(s); }")
            assert page.evaluate("() => window.__xss") is None
            page.close()
    finally:
        context.close()


def test_the_payloads_would_run_if_a_page_ever_rendered_them_unescaped(browser):
    """The control: without escaping and without a CSP each payload does run, so "nothing ran" above means
    the pages escaped them, not that the payloads were harmless."""
    context = browser.new_context()
    try:
        for field in FIELDS:
            payload = P[field]
            page = context.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()))
            if payload.startswith("javascript:"):
                page.set_content(f'<a id="x" href="{payload}">x</a>')
                page.click("#x")
            else:
                page.set_content(f"<html><body>{payload}</body></html>")
            page.wait_for_timeout(500)  # an iframe's srcdoc loads on its own
            ran = page.evaluate("() => window.__xss") or dialogs
            assert ran, field
            page.close()
    finally:
        context.close()
