"""The vote phase: one ballot per person and process, choosing between 1 and
``process.votes_per_ballot`` of its proposals. Only people whose account is confirmed (an
active account: the e-mail address was verified at sign-up) and who have a participant
profile vote; a process reserved to the residents of its commune takes only their ballots.
The unique constraint (process, user) settles a double submission; the counts are kept on
the proposals (``vote_count``, moved with F()) so the results page counts nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from territoire.core.audit import audit_record
from territoire.core.models import User
from territoire.core.permissions import Principal, can
from territoire.participation import rules
from territoire.participation.models import Ballot, PhaseKind, Process, Proposal, ProposalStatus
from territoire.participation.services import _check_phase, _check_resident, _profile


def candidates(process: Process) -> QuerySet[Proposal]:
    """What a ballot offers: the visible proposals the collectivité has not rejected; when it
    has retained or put under study some of them, only those."""
    qs = Proposal.objects.filter(process=process, hidden=False).exclude(
        status=ProposalStatus.REJECTED
    )
    shortlisted = qs.filter(status__in=[ProposalStatus.ACCEPTED, ProposalStatus.STUDIED])
    if shortlisted.exists():
        qs = shortlisted
    return qs.order_by("title", "id").only("id", "title", "support_count", "process_id")


def ballot_of(user: Principal, process: Process) -> Ballot | None:
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    return Ballot.objects.filter(process=process, user=user).prefetch_related("proposals").first()


@transaction.atomic
def ballot_cast(*, actor: User, process: Process, proposal_ids: list[int]) -> Ballot:
    """Cast the actor's ballot (final: it cannot be changed, as on paper)."""
    profile = _profile(actor)
    _check_phase(process, "vote")
    _check_resident(process, profile)
    chosen = sorted(set(proposal_ids))
    if not chosen:
        raise ValidationError({"proposals": "Cochez au moins une proposition."})
    limit = process.votes_per_ballot
    if len(chosen) > limit:
        raise ValidationError(
            {"proposals": f"Vous avez coché {len(chosen)} propositions : {limit} au plus."}
        )
    valid = list(candidates(process).filter(pk__in=chosen).values_list("pk", flat=True))
    if len(valid) != len(chosen):
        raise ValidationError({"proposals": "Choisissez parmi les propositions du bulletin."})
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(process=process, user=actor)
    except IntegrityError:
        raise ValidationError("Vous avez déjà voté dans cette concertation.") from None
    ballot.proposals.set(valid)
    Proposal.objects.filter(pk__in=valid).update(vote_count=F("vote_count") + 1)
    audit_record(
        actor=actor,
        action="participation.ballot_cast",
        obj=process,
        commune=process.commune_id,
        changes={"choices": len(valid)},
    )
    return ballot


@dataclass
class VoteResults:
    ballots: int
    rows: list[tuple[Proposal, int, float]]  # proposal, votes, share of ballots (%)
    published: bool  # False while the vote is open (shown to managers only)


def vote_results(principal: Principal, process: Process) -> VoteResults | None:
    """Results once the vote phase is over (managers see them during the vote); None when
    the process has no vote phase or it has not started."""
    phases = [p for p in rules.phases_of(process) if p.kind == PhaseKind.VOTE]
    now = timezone.now()
    if not phases or phases[0].starts_at > now:
        return None
    over = all(p.ends_at <= now for p in phases)
    if not over and not can(principal, "participation.manage", process):
        return VoteResults(ballots=0, rows=[], published=False)
    ballots = Ballot.objects.filter(process=process).count()
    proposals = (
        Proposal.objects.filter(process=process, hidden=False, vote_count__gt=0)
        .order_by("-vote_count", "title")
        .only("id", "title", "vote_count", "process_id")[:100]
    )
    rows = [(p, p.vote_count, round(100 * p.vote_count / ballots, 1)) for p in proposals]
    return VoteResults(ballots=ballots, rows=rows, published=over)
