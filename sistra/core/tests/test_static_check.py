"""Deployment without traps: `sistra check` fails when a static file the templates load is missing (htmx from
npm when `npm ci` was not run), instead of every page answering 500 after `collectstatic`."""

import shutil

from django.conf import settings
from django.core import checks
from django.test import override_settings

from sistra.core.checks import check_template_static_files, static_paths_in_templates


def test_the_templates_need_htmx_from_npm():
    assert "vendor/htmx/htmx.min.js" in static_paths_in_templates()


def test_with_every_static_file_in_place_the_check_is_silent(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path):
        assert check_template_static_files() == []


def test_without_npm_ci_the_check_fails_with_an_error_naming_the_file(tmp_path):
    without_node_modules = [d for d in settings.STATICFILES_DIRS if not isinstance(d, tuple)]
    with override_settings(STATICFILES_DIRS=without_node_modules, STATIC_ROOT=tmp_path):
        errors = check_template_static_files()

    assert errors and {e.id for e in errors} == {"sistra.E001"}
    assert {e.level for e in errors} == {checks.ERROR}
    assert any("vendor/htmx/htmx.min.js" in e.msg for e in errors)
    assert all("npm ci" in e.hint for e in errors)


def test_the_check_is_registered_so_sistra_check_runs_it(tmp_path):
    without_node_modules = [d for d in settings.STATICFILES_DIRS if not isinstance(d, tuple)]
    with override_settings(STATICFILES_DIRS=without_node_modules, STATIC_ROOT=tmp_path):
        found = checks.run_checks(tags=[checks.Tags.staticfiles])

    assert "sistra.E001" in {e.id for e in found}


def test_a_file_already_collected_counts_even_when_its_source_is_gone(tmp_path):
    # what collectstatic copies from node_modules is in STATIC_ROOT; then the sources may go
    for prefix, source in (d for d in settings.STATICFILES_DIRS if isinstance(d, tuple)):
        shutil.copytree(source, tmp_path / prefix, dirs_exist_ok=True)
    without_node_modules = [d for d in settings.STATICFILES_DIRS if not isinstance(d, tuple)]
    with override_settings(STATICFILES_DIRS=without_node_modules, STATIC_ROOT=tmp_path):
        assert check_template_static_files() == []
