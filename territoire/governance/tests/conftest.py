"""Fixtures of the governance tests: the reference charter, people in each role, and a
project sheet builder."""

from __future__ import annotations

import pytest

from territoire.core.models import Role
from territoire.core.testing import person_with_role
from territoire.governance import services
from territoire.governance.reference import reference_load

SHEET = {
    "title": "Comptage des vélos",
    "purpose": "Compter les passages de vélos sur les pistes cyclables.",
    "public_benefit": "Adapter les aménagements.",
    "service_owner": "Mobilité",
    "data_categories": "Comptages anonymes",
    "people_affected": "Cyclistes",
    "human_oversight": "Un agent relit les séries.",
    "information_and_contest": "Panneau sur site.",
}


@pytest.fixture
def charter(db):
    reference_load()
    from territoire.governance.models import CharterVersion

    return CharterVersion.objects.get(number=1)


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, module="governance", email="agent@arras.fr")


@pytest.fixture
def beaurains_agent(beaurains):
    return person_with_role(Role.AGENT, beaurains, module="governance", email="agent@beaurains.fr")


@pytest.fixture
def member(db):
    return person_with_role(Role.COMMITTEE_MEMBER, email="membre1@cua.fr")


@pytest.fixture
def member2(db):
    return person_with_role(Role.COMMITTEE_MEMBER, email="membre2@cua.fr")


@pytest.fixture
def elected(arras):
    return person_with_role(Role.ELECTED, arras, email="elu@arras.fr")


@pytest.fixture
def make_project(agent, arras):
    def make(actor=None, commune=arras, **values):
        return services.project_create(actor=actor or agent, commune=commune, **{**SHEET, **values})

    return make


def give_all(review, reviewer, score=3, comment=""):
    return services.opinions_record(
        actor=reviewer,
        review=review,
        opinions={p.pk: (score, comment) for p in review.charter.principles.all()},
    )
