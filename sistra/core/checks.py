"""A system check that fails when a static file the templates load is missing — typically htmx, which comes
from npm (`npm ci`) and not from the repository: without it `collectstatic` leaves it out, and with
ManifestStaticFilesStorage every page, the login included, answers 500 in production."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import checks

# {% static 'path' %} with a literal path (a path built at render time cannot be checked here)
STATIC_TAG = re.compile(r"""{%\s*static\s+(['"])(?P<path>[^'"]+)\1""")


def template_directories() -> list[Path]:
    found = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    found += [Path(config.path) / "templates" for config in apps.get_app_configs()]
    return [d for d in found if d.is_dir() and "site-packages" not in d.parts]


def static_paths_in_templates() -> dict[str, Path]:
    """Each static path a template names, with the first template that names it."""
    paths: dict[str, Path] = {}
    for directory in template_directories():
        for template in sorted(directory.rglob("*.html")):
            for match in STATIC_TAG.finditer(template.read_text(encoding="utf-8", errors="replace")):
                paths.setdefault(match["path"], template)
    return paths


def _available(path: str) -> bool:
    if finders.find(path):
        return True
    try:  # already collected (STATIC_ROOT) though its source is gone
        return staticfiles_storage.exists(path)
    except Exception:  # noqa: BLE001 — a storage that cannot answer is not a place the file is in
        return False


@checks.register(checks.Tags.staticfiles, deploy=False)
def check_template_static_files(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for path, template in sorted(static_paths_in_templates().items()):
        if not _available(path):
            errors.append(
                checks.Error(
                    f"The static file '{path}' that {template.name} loads is missing.",
                    hint="Run `npm ci` (front-end libraries come from npm) before `sistra collectstatic`; "
                    "see docs/deployment.md.",
                    id="sistra.E001",
                )
            )
    return errors


@checks.register(checks.Tags.database)
def encryption_keys_open_the_data(app_configs=None, databases=None, **kwargs):
    """Keys that do not open the stored data (another installation's key file, an old key dropped too soon)
    stop `migrate`, `runserver` and the WSGI start (config/wsgi.py) before a page fails on a name."""
    from .crypto import check_canary

    errors = []
    for alias in databases or ():
        reason = check_canary(alias)
        if reason:
            errors.append(checks.Critical(reason, id="sistra.E010"))
    return errors
