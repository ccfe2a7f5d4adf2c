"""Accessibility: axe-core (npm, pinned in package.json; injected by Playwright from node_modules) with the
WCAG 2.1 A and AA rules over every page each role reaches, walking the links of its pages from its home page
(one page per URL pattern and role), in the world of tests/security (records of every family, shared and
not). Any violation fails the test, with the page, the rule and the elements."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from sistra.accounts.capabilities import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# the agency of the tests/security world where each role has the most to see
HOME_AGENCY = {
    Role.HOTLINE_OPERATOR: "hot_own",
    Role.HOTLINE_SUPERVISOR: "hot_own",
    Role.CASEWORKER: "mimp_own",
    Role.HEALTH_WORKER: "mimp_own",
    Role.POLICE: "pol_shared",
}
# links that leave the pages: files, the API, sign-out, language switch, admin
SKIPPED_PREFIXES = ("/api/", "/static/", "/media/", "/i18n/", "/logout/", "/cuenta/salir", "/admin/")
SKIPPED_WORDS = (
    "export",
    "download",
    "descargar",
    "pdf",
    "csv",
    "xlsx",
    "zip",
    "archivo",
    "attachment",
    "adjunto",
)
MAX_PAGES = int(os.environ.get("SISTRA_AXE_MAX_PAGES", "60"))


def _run_axe(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text())
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
        }""",
        TAGS,
    )


def _page_key(path: str):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _wanted(path: str) -> bool:
    lowered = path.lower()
    return (
        path.startswith("/")
        and not path.startswith(SKIPPED_PREFIXES)
        and not any(word in lowered for word in SKIPPED_WORDS)
    )


def _walk(page, base_url: str) -> dict[str, list[dict]]:
    """Every page reachable from home through links, one per URL pattern; its violations by path."""
    found: dict[str, list[dict]] = {}
    seen_keys: set = set()
    queue = ["/"]
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        key = _page_key(urlsplit(path).path)
        if key is None or key in seen_keys:
            continue
        seen_keys.add(key)
        try:
            response = page.goto(base_url + path)
        except PlaywrightError as error:  # a file, not a page
            if "Download is starting" in str(error):
                continue
            raise
        if (
            response is None
            or response.status != 200
            or "html" not in response.headers.get("content-type", "")
        ):
            continue
        page.wait_for_load_state("load")
        found[path] = _run_axe(page)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
        for href in hrefs:
            parts = urlsplit(href)
            if parts.netloc or not _wanted(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if _page_key(parts.path) not in seen_keys:
                queue.append(target)
    return found


def test_every_page_of_every_role_passes_axe_wcag_2_1_aa(browser, live_server, tmp_path):
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `npm ci`")
    from tests.security.conftest import build_world

    with override_settings(MEDIA_ROOT=tmp_path / "media", SISTRA_IDLE_TIMEOUT_SECONDS=24 * 3600):
        world = build_world()
        problems = []
        pages = 0
        for role in Role:
            user = world.user(role, HOME_AGENCY.get(role, "fis_own"))
            client = Client()
            client.force_login(user)
            context = browser.new_context(
                viewport={"width": 1366, "height": 768},
                locale="es-PE",
                timezone_id="America/Lima",
                bypass_csp=True,
            )
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url,
                    }
                ]
            )
            context.set_default_timeout(20_000)
            page = context.new_page()
            try:
                found = _walk(page, live_server.url)
            finally:
                context.close()
            assert found, f"{role}: no page reached"
            pages += len(found)
            for path, violations in found.items():
                for v in violations:
                    problems.append(
                        f"{role.value} {path}: {v['id']} ({v['impact']}) {v['help']} — {v['nodes']}"
                    )
        print(f"axe: {pages} pages over {len(Role)} roles")
        assert not problems, "\n".join(problems)


def test_the_check_sees_a_violation_when_there_is_one(browser, live_server):
    """The walk above can only pass if axe runs: here a page with an unlabelled image and an unlabelled input
    (added after loading) must give violations."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/login/")
        page.evaluate(
            "() => { document.querySelector('main').insertAdjacentHTML('beforeend',"
            ' \'<img src="/static/none.png"><input type="text">\'); }'
        )
        rules = {v["id"] for v in _run_axe(page)}
    finally:
        context.close()
    assert {"image-alt", "label"} <= rules
