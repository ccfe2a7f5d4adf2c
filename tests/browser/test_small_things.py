"""Small things of issue 15 in Chromium: the call clock counts from the start on the server's clock in any
browser time zone; the repeat-caller panel fits a 1366×768 screen; the focus ring stands out at 3:1."""

import datetime

import pytest
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.hotline import services

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "contraseña-de-prueba-segura"


@pytest.fixture
def operator(transactional_db):
    from django.apps import apps

    from sistra.core import reference
    from sistra.core.models import Ubigeo

    if not Ubigeo.objects.filter(code="170101").exists():
        reference.load_all(apps)
    hotline = AgencyFactory(code="linea-0800", name="Línea 0800-2-3232", kind=Agency.Kind.HOTLINE)
    return UserFactory(username="operadora", agency=hotline, role=Role.HOTLINE_OPERATOR)


def _page(browser, live_server, timezone_id: str):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768},
        locale="es-PE",
        timezone_id=timezone_id,
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.mark.parametrize("timezone_id", ["Europe/Madrid", "Asia/Tokyo", "America/Lima"])
def test_the_call_clock_starts_near_zero_whatever_the_browsers_time_zone(
    browser, live_server, operator, timezone_id
):
    context, page = _page(browser, live_server, timezone_id)
    try:
        login(page, operator.username, PASSWORD)
        page.goto("/linea/nuevo/")
        page.wait_for_selector("#call-clock:not([hidden])")
        text = page.locator("#call-clock").inner_text()
        # minutes:seconds since the form opened, not hours off by the time-zone difference
        assert text.count(":") == 1, text
        minutes, seconds = (int(part) for part in text.split(":"))
        assert minutes * 60 + seconds < 120, text
        assert page.locator("#call-clock").get_attribute("role") == "timer"
        assert page.locator("#call-clock").get_attribute("aria-label") == "Duración del contacto"
    finally:
        context.close()


def test_the_call_clock_counts_from_a_start_typed_in_lima_time(browser, live_server, operator):
    context, page = _page(browser, live_server, "Asia/Tokyo")
    try:
        login(page, operator.username, PASSWORD)
        page.goto("/linea/nuevo/")
        ten_minutes_ago = timezone.localtime(timezone.now() - datetime.timedelta(minutes=10))
        page.locator("#id_started_at").fill(ten_minutes_ago.strftime("%d/%m/%Y %H:%M:%S"))
        page.wait_for_function(
            "() => /^1[01]:\\d\\d$/.test(document.getElementById('call-clock').textContent)"
        )
    finally:
        context.close()


def test_the_repeat_caller_panel_fits_a_1366_by_768_screen(browser, live_server, operator):
    now = timezone.now()
    for days in range(1, 16):
        services.contact_create(
            actor=operator,
            started_at=now - datetime.timedelta(days=days),
            ended_at=now - datetime.timedelta(days=days, minutes=-4),
            category="information",
            caller_phone="987654321",
        )
    latest = services.contact_create(
        actor=operator,
        started_at=now - datetime.timedelta(minutes=20),
        ended_at=now - datetime.timedelta(minutes=15),
        category="information",
        caller_phone="987654321",
    )
    context, page = _page(browser, live_server, "America/Lima")
    try:
        login(page, operator.username, PASSWORD)
        page.goto(f"/linea/contactos/{latest.uuid}/")
        panel = page.locator(".caller-history")
        page.wait_for_selector("#previous-contacts")
        box = page.evaluate("""() => { const p = document.querySelector('.caller-history');
            const r = p.getBoundingClientRect();
            return {right: r.right, height: r.height, width: window.innerWidth, innerHeight: window.innerHeight,
                    scrollWidth: p.scrollWidth, clientWidth: p.clientWidth}; }""")
        assert box["right"] <= box["width"], box
        assert box["height"] <= box["innerHeight"], box
        assert box["scrollWidth"] <= box["clientWidth"] + 1, box
        # the last earlier contact can be reached by scrolling the panel
        last = panel.locator("#previous-contacts tbody tr").last
        last.scroll_into_view_if_needed()
        assert last.is_visible()
    finally:
        context.close()


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_focus_ring_stands_out_at_3_to_1_against_the_page(browser, live_server, operator):
    context, page = _page(browser, live_server, "America/Lima")
    try:
        page.goto("/login/")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        colours = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return {outline: s.outlineColor, style: s.outlineStyle, width: s.outlineWidth,
                    page: getComputedStyle(document.body).backgroundColor, tag: e.tagName}; }""")
        assert colours["style"] == "solid" and colours["width"] == "3px", colours
        assert _contrast(colours["outline"], colours["page"]) >= 3, colours
        assert _contrast(colours["outline"], "rgb(255, 255, 255)") >= 3, colours
    finally:
        context.close()
