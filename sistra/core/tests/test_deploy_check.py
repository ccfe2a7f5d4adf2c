"""The production settings pass Django's deployment checks with no warning. Run in a subprocess: settings are
read once per process, and this one runs the suite with config.settings.test."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

SCRIPT = (
    "import django; django.setup(); "
    "from django.core.management import call_command; "
    "call_command('check', deploy=True, fail_level='WARNING')"
)


def run_deploy_check(tmp_path, **overrides) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SISTRA_", "SECRET_KEY")) and key not in {"DEBUG", "ALLOWED_HOSTS"}
    }
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "sistra.example.pe",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **overrides,
    })
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
        timeout=180,
    )


def test_production_settings_pass_check_deploy_with_no_warnings(tmp_path):
    result = run_deploy_check(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_does_fail_on_a_weak_secret_key(tmp_path):
    # the test above proves something only if the same run does fail when a setting is wrong
    result = run_deploy_check(tmp_path, SECRET_KEY="corta")

    assert result.returncode != 0
    assert "security.W009" in result.stderr
