"""Project-level contracts: committed OpenAPI and env docs match the code; production
settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from territoire.core.management.commands.env_doc import env_document
from territoire.core.management.commands.export_openapi import openapi_document

DOCS = Path(settings.BASE_DIR) / "docs"


def test_committed_openapi_matches_the_api():
    committed = (DOCS / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_document(), "docs/openapi.json is stale: run `make openapi`"


def test_committed_env_doc_lists_every_variable():
    committed = (DOCS / "env.md").read_text(encoding="utf-8")
    assert committed == env_document(), (
        "docs/env.md is stale: run `.venv/bin/python manage.py env_doc > docs/env.md`"
    )


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process; a deployment
        # never has it, and check --deploy rightly warns about it.
        env={**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        TERRITOIRE_SECRET_KEY="k" * 20
        + "-not-a-real-secret-but-long-enough-for-checks-"
        + "9" * 20,
        TERRITOIRE_ALLOWED_HOSTS="territoire.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret():
    result = _manage(
        "check", DJANGO_SETTINGS_MODULE="config.settings.prod", TERRITOIRE_SECRET_KEY=""
    )
    assert result.returncode != 0
    assert "TERRITOIRE_SECRET_KEY" in result.stderr
