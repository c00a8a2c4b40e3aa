"""Fixtures shared by every app's tests and the browser tests."""

import pytest
from django.core import mail

from territoire.core.models import Commune
from territoire.core.services import territory_load


@pytest.fixture
def communes(db) -> dict[str, Commune]:
    """The 46 communes, loaded from the shipped CSV, keyed by name."""
    territory_load(actor=None)
    return {commune.name: commune for commune in Commune.objects.all()}


@pytest.fixture
def arras(communes) -> Commune:
    return communes["Arras"]


@pytest.fixture
def beaurains(communes) -> Commune:
    return communes["Beaurains"]


@pytest.fixture
def outbox():
    mail.outbox = []
    return mail.outbox
