"""Test helpers every module reuses: factories for people and roles, and the checks that
a principal of one commune can neither see nor change another commune's objects."""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import contextmanager
from typing import cast
from urllib.parse import urlencode

import factory
from django.test import Client

from territoire.core.models import AuditEntry, Commune, Membership, Role, User

TEST_PASSWORD = "Motdepasse-de-test-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = "Prénom"
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    password = factory.django.Password(TEST_PASSWORD)


def person_with_role(
    role: str, commune: Commune | None = None, module: str = "", **user_fields
) -> User:
    """A person holding one role (created directly: fixtures are not audited writes)."""
    user = cast(User, UserFactory(**user_fields))
    Membership.objects.create(user=user, role=role, commune=commune, module=module)
    return user


def cua_admin(**user_fields) -> User:
    return person_with_role(Role.CUA_ADMIN, **user_fields)


def logged_in_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@contextmanager
def audit_entries_added(expected: int | None = None):
    """Yields a list filled, on exit, with the audit entries written inside the block;
    asserts their number when ``expected`` is given."""
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    added: list[AuditEntry] = []
    yield added
    added.extend(AuditEntry.objects.exclude(pk__in=before).order_by("pk"))
    if expected is not None:
        assert len(added) == expected, [entry.action for entry in added]


def assert_commune_isolation(
    client: Client,
    *,
    hidden_urls: Iterable[str] = (),
    lists: Iterable[tuple[str, str]] = (),
    writes: Iterable[tuple[str, str, dict | None]] = (),
    headers: dict[str, str] | None = None,
) -> None:
    """Check that ``client`` (a person or key of commune A) cannot reach commune B's objects.

    - ``hidden_urls``: detail pages/endpoints of B's objects must answer 403 or 404;
    - ``lists``: (url, marker) — the list may answer, but must not contain the marker of a
      B object (a name, an e-mail address);
    - ``writes``: (method, url, data) against B's objects must answer 403 or 404 and write
      nothing to the audit log.
    """
    headers = headers or {}
    for url in hidden_urls:
        response = client.get(url, headers=headers)
        assert response.status_code in (403, 404), f"{url} answered {response.status_code}"
    for url, marker in lists:
        response = client.get(url, headers=headers, follow=True)
        assert response.status_code in (200, 403, 404), f"{url} answered {response.status_code}"
        assert marker not in _body(response), f"{url} shows {marker!r}"
    for method, url, data in writes:
        with audit_entries_added(expected=0):
            if url.startswith("/api/"):
                response = client.generic(
                    method.upper(),
                    url,
                    data=json.dumps(data) if data is not None else "",
                    content_type="application/json",
                    headers=headers,
                )
            else:
                response = client.generic(
                    method.upper(),
                    url,
                    data=urlencode(data or {}),
                    content_type="application/x-www-form-urlencoded",
                    headers=headers,
                )
        assert response.status_code in (403, 404), f"{method} {url} answered {response.status_code}"


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()
