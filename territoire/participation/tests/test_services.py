"""Participation services: phase rules, one support per person (also under a concurrent
double submission), threads and votes, surveys, moderation rights and automatic hiding, rate
limits, bans, anonymisation on account deletion; one audit entry per call."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from territoire.core.models import Role, User
from territoire.core.testing import audit_entries_added, person_with_role
from territoire.participation import services
from territoire.participation.models import (
    Comment,
    PhaseKind,
    Proposal,
    Question,
    QuestionKind,
    Support,
    Survey,
    SurveyResponse,
)
from territoire.participation.testing import make_process, participant

pytestmark = pytest.mark.django_db


def _propose(actor, process, title="Des bancs"):
    return services.proposal_create(actor=actor, process=process, title=title, body="Texte")


def test_proposal_only_during_the_proposals_phase(arras):
    """A proposal is refused outside the proposals phase, with the rule in French."""
    citizen = participant()
    debate_phase = make_process(arras, phase=PhaseKind.DEBATE)
    with pytest.raises(ValidationError, match="pendant l'étape « Propositions »"):
        _propose(citizen, debate_phase)
    open_phase = make_process(arras)
    with audit_entries_added(expected=1) as added:
        proposal = _propose(citizen, open_phase)
    assert added[0].action == "participation.proposal_create"
    assert added[0].commune_id == arras.pk
    open_phase.refresh_from_db()
    assert open_phase.proposal_count == 1 and proposal.author == citizen


def test_no_contribution_without_profile_or_while_banned(arras):
    process = make_process(arras)
    without_profile = person_with_role(Role.CITIZEN)
    with pytest.raises(ValidationError, match="profil de participant"):
        _propose(without_profile, process)
    banned = participant()
    moderator = person_with_role(Role.MODERATOR)
    services.participant_ban(actor=moderator, profile=banned.participant, reason="Injures")
    with pytest.raises(ValidationError, match="suspendue.*Injures"):
        _propose(banned, process)
    services.participant_unban(actor=moderator, profile=banned.participant)
    _propose(banned, process)


def test_only_territory_wide_moderators_ban(arras):
    target = participant()
    commune_moderator = person_with_role(Role.MODERATOR, commune=arras)
    with pytest.raises(PermissionDenied):
        services.participant_ban(actor=commune_moderator, profile=target.participant, reason="x")


def test_one_support_per_person(arras):
    process = make_process(arras)
    proposal = _propose(participant(), process)
    supporter = participant()
    with audit_entries_added(expected=1):
        services.support_add(actor=supporter, proposal=proposal)
    with audit_entries_added(expected=0), pytest.raises(ValidationError, match="déjà"):
        services.support_add(actor=supporter, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.support_count == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_support_counts_once(arras):
    """Two simultaneous submissions by the same person: one support, counter at 1."""
    process = make_process(arras)
    proposal = _propose(participant(), process)
    supporter = participant()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            person = User.objects.get(pk=supporter.pk)
            target = Proposal.objects.select_related("process").get(pk=proposal.pk)
            barrier.wait(timeout=10)
            services.support_add(actor=person, proposal=target)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # SQLite may answer "database is locked": also a refusal
            outcomes.append(f"error: {exc.__class__.__name__}")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    assert Support.objects.filter(proposal=proposal, user=supporter).count() == 1
    proposal.refresh_from_db()
    assert proposal.support_count == 1


def test_residents_only_process(arras, beaurains):
    process = make_process(arras, residents_only=True)
    proposal = _propose(participant(arras), process)
    with pytest.raises(ValidationError, match="réservée aux habitants"):
        services.support_add(actor=participant(beaurains), proposal=proposal)
    services.support_add(actor=participant(arras), proposal=proposal)


def test_support_refused_outside_support_phases(arras):
    process = make_process(arras, phase=PhaseKind.RESULTS)
    proposal = Proposal.objects.create(process=process, title="t", body="b")
    with pytest.raises(ValidationError, match="soutiens"):
        services.support_add(actor=participant(), proposal=proposal)


def test_agent_answer_needs_the_right_commune_and_a_reason(arras, beaurains):
    process = make_process(arras)
    proposal = _propose(participant(), process)
    other_agent = person_with_role(Role.AGENT, commune=beaurains, module="participation")
    with pytest.raises(PermissionDenied):
        services.proposal_answer(actor=other_agent, proposal=proposal, status="accepted", answer="")
    agent = person_with_role(Role.AGENT, commune=arras, module="participation")
    with pytest.raises(ValidationError, match="pourquoi"):
        services.proposal_answer(actor=agent, proposal=proposal, status="rejected", answer=" ")
    sensors_agent = person_with_role(Role.AGENT, commune=arras, module="sensors")
    with pytest.raises(PermissionDenied):
        services.proposal_answer(
            actor=sensors_agent, proposal=proposal, status="studied", answer=""
        )
    with audit_entries_added(expected=1):
        services.proposal_answer(actor=agent, proposal=proposal, status="rejected", answer="Coût")
    proposal.refresh_from_db()
    assert proposal.status == "rejected" and proposal.answer == "Coût"


def test_cua_process_is_not_run_by_commune_agents(arras):
    process = make_process(None)
    agent = person_with_role(Role.AGENT, commune=arras)
    proposal = _propose(participant(), process)
    with pytest.raises(PermissionDenied):
        services.proposal_answer(actor=agent, proposal=proposal, status="studied", answer="")


def test_threads_and_votes(arras):
    process = make_process(arras)
    proposal = _propose(participant(), process)
    alice, bob = participant(), participant()
    root = services.comment_create(actor=alice, target=proposal, body="Oui")
    reply = services.comment_create(actor=bob, target=proposal, body="Non", parent=root)
    deeper = reply
    for _ in range(6):
        deeper = services.comment_create(actor=alice, target=proposal, body="…", parent=deeper)
    assert reply.root_id == root.pk and reply.depth == 1
    assert deeper.depth == services.MAX_DEPTH and deeper.root_id == root.pk
    proposal.refresh_from_db()
    assert proposal.comment_count == 8
    assert services.comment_vote(actor=bob, comment=root, value=1) == 1
    assert services.comment_vote(actor=bob, comment=root, value=-1) == -1
    assert services.comment_vote(actor=alice, comment=root, value=-1) == -1
    root.refresh_from_db()
    assert (root.up_count, root.down_count) == (0, 2)
    assert services.comment_vote(actor=bob, comment=root, value=-1) == 0  # withdrawn
    root.refresh_from_db()
    assert (root.up_count, root.down_count) == (0, 1)


def test_comment_refused_in_information_phase_and_on_other_targets(arras):
    process = make_process(arras)
    proposal, other = _propose(participant(), process), _propose(participant(), process, "B")
    root = services.comment_create(actor=participant(), target=proposal, body="Oui")
    with pytest.raises(ValidationError, match="autre contribution"):
        services.comment_create(actor=participant(), target=other, body="x", parent=root)
    closed = make_process(arras, phase=PhaseKind.INFORMATION)
    closed_proposal = Proposal.objects.create(process=closed, title="t", body="b")
    with pytest.raises(ValidationError, match="commentaires"):
        services.comment_create(actor=participant(), target=closed_proposal, body="x")


def test_rate_limit(arras, settings):
    process = make_process(arras)
    proposal = _propose(participant(), process)
    citizen = participant()
    for n in range(services.POSTS_PER_HOUR):
        services.comment_create(actor=citizen, target=proposal, body=f"c{n}")
    with pytest.raises(ValidationError, match="attendez"):
        services.comment_create(actor=citizen, target=proposal, body="one more")


def test_reports_hide_automatically_then_moderator_restores(arras, beaurains):
    process = make_process(arras)
    proposal = _propose(participant(), process)
    reporters = [participant() for _ in range(services.AUTO_HIDE_REPORTS)]
    for reporter in reporters[:-1]:
        services.report_create(actor=reporter, obj=proposal, reason="spam")
    with pytest.raises(ValidationError, match="déjà signalé"):
        services.report_create(actor=reporters[0], obj=proposal, reason="spam")
    with audit_entries_added(expected=1) as added:
        services.report_create(actor=reporters[-1], obj=proposal, reason="offensive")
    assert added[0].action == "participation.auto_hide"
    proposal.refresh_from_db()
    assert proposal.hidden and proposal.needs_review
    outsider = person_with_role(Role.MODERATOR, commune=beaurains)
    with pytest.raises(PermissionDenied):
        services.contribution_restore(actor=outsider, obj=proposal, reason="ok")
    citizen = participant()
    with pytest.raises(PermissionDenied):
        services.contribution_hide(actor=citizen, obj=proposal, reason="x")
    moderator = person_with_role(Role.MODERATOR, commune=arras)
    with pytest.raises(ValidationError):
        services.contribution_restore(actor=moderator, obj=proposal, reason="  ")
    with audit_entries_added(expected=1) as added:
        services.contribution_restore(actor=moderator, obj=proposal, reason="Rien d'illégal")
    assert added[0].changes == {"reason": "Rien d'illégal"}
    proposal.refresh_from_db()
    assert not proposal.hidden and not proposal.needs_review
    services.contribution_hide(actor=moderator, obj=proposal, reason="Hors charte")
    proposal.refresh_from_db()
    assert proposal.hidden and proposal.hidden_reason == "Hors charte"


def test_survey_once_per_person_and_validated(arras):
    process = make_process(arras, phase=PhaseKind.DEBATE)
    survey = Survey.objects.create(process=process, title="Q")
    single = Question.objects.create(
        survey=survey, position=1, kind=QuestionKind.SINGLE, label="A ?", choices=["Oui", "Non"]
    )
    scale = Question.objects.create(survey=survey, position=2, kind=QuestionKind.SCALE, label="B")
    citizen = participant()
    with pytest.raises(ValidationError) as info:
        services.survey_answer(
            actor=citizen, survey=survey, answers={str(single.pk): "Peut-être", str(scale.pk): "9"}
        )
    assert set(info.value.message_dict) == {f"q{single.pk}", f"q{scale.pk}"}
    answers = {str(single.pk): "Oui", str(scale.pk): "4"}
    services.survey_answer(actor=citizen, survey=survey, answers=answers)
    with pytest.raises(ValidationError, match="déjà répondu"):
        services.survey_answer(actor=citizen, survey=survey, answers=answers)
    survey.refresh_from_db()
    assert survey.response_count == 1
    assert SurveyResponse.objects.get().answers == {str(single.pk): "Oui", str(scale.pk): 4}


def test_account_deletion_keeps_contributions_anonymised(arras):
    process = make_process(arras)
    citizen = participant(pseudonym="Sterne")
    proposal = _propose(citizen, process)
    comment = services.comment_create(actor=citizen, target=proposal, body="Mon avis")
    services.support_add(actor=citizen, proposal=proposal)
    services.follow_toggle(actor=citizen, process=process)
    pk = citizen.pk
    with audit_entries_added(expected=1) as added:
        services.account_delete(actor=citizen)
    assert "Sterne" not in str(added[0].changes) and citizen.email not in added[0].actor_label
    assert not User.objects.filter(pk=pk).exists()
    proposal.refresh_from_db()
    assert proposal.author_id is None and proposal.support_count == 1
    assert Comment.objects.get(pk=comment.pk).author_id is None
    assert Support.objects.filter(proposal=proposal, user=None).count() == 1


def test_profile_pseudonym_unique_and_notice_required():
    first, second = participant(pseudonym="Héron"), person_with_role(Role.CITIZEN)
    with pytest.raises(ValidationError) as info:
        services.profile_save(actor=second, pseudonym="héron", commune=None, accept_notice=True)
    assert "pseudonym" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.profile_save(actor=second, pseudonym="Aigrette", commune=None, accept_notice=False)
    assert "accept_notice" in info.value.message_dict
    assert first.participant.pseudonym == "Héron"


def test_phase_dates_and_process_rights(arras, beaurains):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    agent = person_with_role(Role.AGENT, commune=arras, module="participation")
    with pytest.raises(PermissionDenied):
        services.process_create(actor=agent, title="T", summary="S", commune=beaurains, phases=[])
    with pytest.raises(PermissionDenied):
        services.process_create(actor=agent, title="T", summary="S", commune=None, phases=[])
    with pytest.raises(ValidationError):
        services.process_create(
            actor=agent,
            title="T",
            summary="S",
            commune=arras,
            phases=[("proposals", now, now - timedelta(days=1))],
        )
    process = services.process_create(
        actor=agent,
        title="Moderation",
        summary="S",
        commune=arras,
        phases=[("proposals", now, now + timedelta(days=1))],
    )
    assert process.slug == "moderation-2"  # "moderation" is a page of the module
