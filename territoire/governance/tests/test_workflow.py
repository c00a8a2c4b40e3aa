"""The charter and the review workflow through the services: versions and their comparison,
the consultation seam, submission, reviewers among committee members, opinions, collegial
decisions with conditions, re-review on change, meetings; one audit entry per call."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from territoire.core.models import Role
from territoire.core.testing import audit_entries_added, cua_admin, person_with_role
from territoire.governance import charter as charter_diff
from territoire.governance import consultation, services
from territoire.governance.models import Condition, ProjectState

from .conftest import give_all

pytestmark = pytest.mark.django_db


def test_new_charter_version_keeps_old_one_and_diffs(charter):
    admin = cua_admin()
    with audit_entries_added(1):
        draft = services.charter_version_create_draft(actor=admin)
    assert draft.number == 2 and draft.principles.count() == charter.principles.count()
    principle = draft.principles.get(code="sobriete")
    with audit_entries_added(1) as entries:
        services.charter_principle_save(
            actor=admin,
            version=draft,
            principle=principle,
            code="sobriete",
            position=principle.position,
            title=principle.title,
            explanation=principle.explanation + " Le matériel reconditionné est préféré.",
            questions=principle.questions,
        )
    assert "explanation" in entries[0].changes
    services.charter_principle_delete(actor=admin, principle=draft.principles.get(code="agents"))
    services.charter_version_publish(actor=admin, version=draft)
    changes = {c.code: c for c in charter_diff.compare(charter, draft)}
    assert changes["sobriete"].status == "changed"
    added = [s.text for f in changes["sobriete"].fields for s in f.segments if s.op == "added"]
    assert any("reconditionné" in text for text in added)
    assert changes["agents"].status == "removed"
    assert changes["utilite"].status == "same"
    charter.refresh_from_db()
    assert charter.principles.filter(code="agents").exists()  # v1 untouched


def test_published_version_cannot_change(charter):
    admin = cua_admin()
    with pytest.raises(ValidationError):
        services.charter_version_update(
            actor=admin, version=charter, title="x", summary="", change_note=""
        )


def test_only_cua_admin_edits_charter(charter, member):
    with pytest.raises(PermissionDenied):
        services.charter_version_create_draft(actor=member)


def test_publishing_opens_a_consultation_when_an_opener_exists(charter, monkeypatch):
    admin = cua_admin()
    draft = services.charter_version_create_draft(actor=admin)

    def opener(version):
        return consultation.Consultation(f"charte-{version.number}", "/participation/charte/")

    monkeypatch.setattr(consultation, "_OPENERS", [])  # only this test's opener
    consultation.register_opener(opener)
    services.charter_version_publish(actor=admin, version=draft)
    draft.refresh_from_db()
    assert (draft.consultation_ref, draft.consultation_url) == (
        "charte-2",
        "/participation/charte/",
    )


def test_submit_requires_frugality_answer_for_ai(make_project, agent):
    project = make_project()
    with pytest.raises(ValidationError) as error:
        services.project_update(actor=agent, project=project, **{"is_ai": True, **_sheet(project)})
    assert "frugality_test" in error.value.message_dict


def _sheet(project):
    from territoire.core.audit import snapshot
    from territoire.governance.services.review import PROJECT_FIELDS

    values = snapshot(project, PROJECT_FIELDS)
    return {k: v for k, v in values.items() if k != "is_ai"}


def test_agent_cannot_write_another_communes_project(make_project, beaurains_agent, beaurains):
    with pytest.raises(PermissionDenied):
        make_project(actor=beaurains_agent)  # for Arras
    project = make_project(actor=beaurains_agent, commune=beaurains)
    assert project.commune == beaurains


def test_full_review_workflow(charter, make_project, agent, member, member2):
    admin = cua_admin()
    project = make_project()
    with audit_entries_added(1):
        services.project_submit(actor=agent, project=project)
    with audit_entries_added(1) as entries:
        review = services.review_assign(actor=member, project=project, reviewers=[member, member2])
    assert entries[0].action == "governance.review_assign"
    project.refresh_from_db()
    assert project.state == ProjectState.IN_REVIEW
    with audit_entries_added(1):
        give_all(review, member, 3)
    # A reviewer cannot decide alone: one complete opinion is not enough.
    with pytest.raises(ValidationError) as error:
        services.decision_record(actor=member, review=review, outcome="favourable", reasons="ok")
    assert "collégial" in str(error.value)
    give_all(review, member2, 4)
    with pytest.raises(ValidationError) as error:
        services.decision_record(actor=admin, review=review, outcome="conditions", reasons="ok")
    assert "conditions" in error.value.message_dict
    due = timezone.localdate()
    with audit_entries_added(1):
        decision = services.decision_record(
            actor=admin,
            review=review,
            outcome="conditions",
            reasons="Utile.",
            conditions=[("Faire l'AIPD", due), ("", None)],
        )
    assert decision.conditions.count() == 1
    project.refresh_from_db()
    assert project.state == ProjectState.DECIDED
    condition = decision.conditions.get()
    with pytest.raises(ValidationError):
        services.condition_mark_met(actor=agent, condition=condition, note=" ")
    with audit_entries_added(1):
        services.condition_mark_met(actor=agent, condition=condition, note="AIPD faite le 2/3.")
    assert Condition.objects.get().met_at is not None


def test_change_after_decision_triggers_re_review(charter, make_project, agent, member, member2):
    project = make_project()
    services.project_submit(actor=agent, project=project)
    review = services.review_assign(actor=member, project=project, reviewers=[member, member2])
    give_all(review, member)
    give_all(review, member2)
    services.decision_record(actor=member, review=review, outcome="favourable", reasons="ok")
    values = {**_sheet(project), "is_ai": False, "purpose": "Compter aussi les trottinettes."}
    with audit_entries_added(1) as entries:
        project = services.project_update(actor=agent, project=project, **values)
    assert project.state == ProjectState.SUBMITTED and project.revision == 2
    assert entries[0].changes["revision"] == [1, 2]
    review2 = services.review_assign(actor=member, project=project, reviewers=[member, member2])
    assert review2.revision == 2 and review2.pk != review.pk
    # An unchanged save writes nothing.
    with audit_entries_added(0):
        services.project_update(actor=agent, project=project, **values)


def test_reviewers_must_be_committee_members_and_not_the_author(
    charter, make_project, agent, member
):
    project = make_project()
    services.project_submit(actor=agent, project=project)
    outsider = person_with_role(Role.AGENT, project.commune, email="autre@arras.fr")
    with pytest.raises(ValidationError) as error:
        services.review_assign(actor=member, project=project, reviewers=[member, outsider])
    assert "n'est pas membre du comité" in str(error.value)
    with pytest.raises(ValidationError):
        services.review_assign(actor=member, project=project, reviewers=[member])
    author_member = person_with_role(Role.COMMITTEE_MEMBER, email="auteur@cua.fr")
    type(project).objects.filter(pk=project.pk).update(created_by=author_member)
    with pytest.raises(ValidationError) as error:
        services.review_assign(actor=member, project=project, reviewers=[member, author_member])
    assert "rédigé" in str(error.value)


def test_agents_cannot_run_the_committee(charter, make_project, agent, member, member2):
    project = make_project()
    services.project_submit(actor=agent, project=project)
    with pytest.raises(PermissionDenied):
        services.review_assign(actor=agent, project=project, reviewers=[member, member2])


def test_only_assigned_reviewers_give_opinions(charter, make_project, agent, member, member2):
    project = make_project()
    services.project_submit(actor=agent, project=project)
    review = services.review_assign(actor=member, project=project, reviewers=[member, member2])
    third = person_with_role(Role.COMMITTEE_MEMBER, email="membre3@cua.fr")
    with pytest.raises(PermissionDenied):
        give_all(review, third)
    principle = review.charter.principles.first()
    with pytest.raises(ValidationError) as error:
        services.opinions_record(actor=member, review=review, opinions={principle.pk: (2, "")})
    assert f"comment_{principle.pk}" in error.value.message_dict


def test_meeting_agenda_is_the_queue(charter, make_project, agent, member, member2):
    project = make_project()
    services.project_submit(actor=agent, project=project)
    review = services.review_assign(actor=member, project=project, reviewers=[member, member2])
    with audit_entries_added(1):
        meeting = services.meeting_schedule(actor=member, held_on=timezone.now(), place="Salle 1")
    assert list(meeting.reviews.all()) == [review]
