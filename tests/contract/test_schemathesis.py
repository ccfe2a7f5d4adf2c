"""The API keeps the word its OpenAPI schema gives: schemathesis generates requests for every operation (valid
and invalid ones) with a prosecutor's and an analyst's token against the app served on 127.0.0.1, and fails on
any server error, any status code, content type or body the schema does not document, and any invalid input
(a value outside an enum, a wrong type) that is not refused.

Bounded (examples per operation and a time budget), and run by CI as its own step (.ci/run): it is skipped in
`make test` unless SISTRA_SCHEMATHESIS=1."""

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from sistra.accounts.capabilities import Role

pytestmark = pytest.mark.skipif(
    os.environ.get("SISTRA_SCHEMATHESIS") != "1",
    reason="contract run: SISTRA_SCHEMATHESIS=1 (CI runs it as its own step)",
)

MAX_EXAMPLES = int(os.environ.get("SISTRA_SCHEMATHESIS_EXAMPLES", "12"))
# per token; the whole test stays under four minutes on CI's two cores
MAX_TIME = int(os.environ.get("SISTRA_SCHEMATHESIS_SECONDS", "80"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


def _schemathesis() -> str:
    return shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"


def _run(base_url: str, schema: Path, secret: str, report: Path) -> subprocess.CompletedProcess:
    command = [
        _schemathesis(),
        "run",
        str(schema),
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {secret}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_TIME),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--seed",
        "15",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=MAX_TIME + 120,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"},
    )


def test_every_api_operation_answers_as_its_schema_says(live_server, tmp_path, caplog):
    # the refusals schemathesis provokes (400, 403, 404) are expected; a server error is still logged
    caplog.set_level(logging.ERROR, logger="django.request")
    from sistra.accounts.tokens import token_create
    from tests.security.conftest import build_world

    # the schema the server publishes at /api/schema/, written here: on a busy machine its generation can
    # outlast schemathesis's 10-second read timeout
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=DjangoJSONEncoder)
    )
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        world = build_world()
        failures = []
        for role in (Role.PROSECUTOR, Role.ANALYST):
            user = world.user(role, "fis_own")
            _token, secret = token_create(actor=user, user=user, name="Contrato", second_factor_verified=True)
            result = _run(live_server.url, schema, secret, tmp_path / f"{role.value}.xml")
            if out := os.environ.get("SISTRA_SCHEMATHESIS_OUT"):
                Path(out, f"{role.value}.txt").write_text(result.stdout + result.stderr)
            summary = "\n".join(result.stdout.splitlines()[-40:])
            print(f"== {role.value}\n{summary}")
            operations = re.search(r"(\d+) (?:selected|operations)", result.stdout)
            if result.returncode != 0:
                failures.append(f"{role.value}:\n{result.stdout[-20000:]}\n{result.stderr[-3000:]}")
            assert operations, result.stdout[-3000:]
    assert not failures, "\n\n".join(failures)
