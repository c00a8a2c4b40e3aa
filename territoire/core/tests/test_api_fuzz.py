"""Property-based API tests (schemathesis): whatever a client sends that the OpenAPI document
allows, or nearly allows, the API never answers 500, and every error is problem+json."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from territoire.core import services
from territoire.core.models import Role
from territoire.core.testing import person_with_role

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_test_connection():
    """schemathesis calls the WSGI app directly; like Django's test client, keep the app from
    closing the database connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def key_secret(arras):
    admin = person_with_role(Role.COMMUNE_ADMIN, arras)
    _key, secret = services.api_key_create(
        actor=admin, name="fuzz", commune=arras, module="sensors"
    )
    return secret


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_the_api_never_answers_500(case, key_secret, keep_test_connection):
    case.headers = {**(case.headers or {}), "X-API-Key": key_secret}
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json"), (
            response.status_code,
            case.formatted_path,
            response.text[:300],
        )
