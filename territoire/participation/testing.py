"""Test helpers for participation: processes in a chosen phase, participants with a profile,
and a bulk generator of proposals and comments (tests of query counts, the benchmark)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import cast

from django.utils import timezone
from django.utils.text import slugify

from territoire.core.models import Commune, Membership, Role, User
from territoire.core.testing import UserFactory
from territoire.participation.models import Comment, Phase, PhaseKind, Process, Profile, Proposal

_counter = iter(range(1, 10**9))


def make_process(
    commune: Commune | None = None,
    *,
    phase: str = PhaseKind.PROPOSALS,
    residents_only: bool = False,
    title: str | None = None,
) -> Process:
    """A published process whose open phase is ``phase`` (created directly: fixtures)."""
    n = next(_counter)
    title = title or f"Concertation {n}"
    process = Process.objects.create(
        title=title,
        slug=f"{slugify(title)}-{n}",
        summary="Résumé",
        commune=commune,
        residents_only=residents_only,
        categories=["Cadre de vie", "Mobilité"],
    )
    now = timezone.now()
    Phase.objects.create(
        process=process,
        kind=PhaseKind.INFORMATION,
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(days=10),
    )
    Phase.objects.create(
        process=process,
        kind=phase,
        starts_at=now - timedelta(days=10),
        ends_at=now + timedelta(days=10),
    )
    return process


def participant(commune: Commune | None = None, pseudonym: str | None = None, **fields) -> User:
    """An active citizen with a participant profile."""
    user = cast(User, UserFactory(**fields))
    Membership.objects.get_or_create(user=user, role=Role.CITIZEN, commune=None, module="")
    Profile.objects.create(
        user=user,
        pseudonym=pseudonym or f"Pseudo{user.pk}",
        commune=commune,
        notice_accepted_at=timezone.now(),
    )
    return user


def bulk_contributions(
    process: Process,
    *,
    proposals: int,
    comments: int,
    authors: list[User],
    seed: int = 1,
    located: int = 0,
) -> None:
    """``proposals`` proposals and ``comments`` comments (a third of them replies) spread over
    them, with consistent counters, inserted in bulk; the first ``located`` proposals get a
    place around Arras (for the map)."""
    rng = random.Random(seed)
    now = timezone.now()
    Proposal.objects.bulk_create(
        [
            Proposal(
                process=process,
                author=authors[i % len(authors)],
                title=f"Proposition {i}",
                body="Texte de la proposition. " * 10,
                category=rng.choice(process.categories or [""]),
                support_count=rng.randrange(0, 500),
                created_at=now - timedelta(minutes=i),
                latitude=Decimal(f"{50.25 + rng.random() * 0.08:.5f}") if i < located else None,
                longitude=Decimal(f"{2.72 + rng.random() * 0.12:.5f}") if i < located else None,
            )
            for i in range(proposals)
        ],
        batch_size=1000,
    )
    ids = list(Proposal.objects.filter(process=process).values_list("id", flat=True))
    roots = [
        Comment(
            process=process,
            proposal_id=rng.choice(ids),
            author=authors[i % len(authors)],
            body="Un commentaire. " * 5,
        )
        for i in range(comments - comments // 3)
    ]
    Comment.objects.bulk_create(roots, batch_size=2000)
    roots = list(Comment.objects.filter(process=process, parent=None).only("id", "proposal_id"))
    replies = []
    for i in range(comments // 3):
        parent = rng.choice(roots)
        replies.append(
            Comment(
                process=process,
                proposal_id=parent.proposal_id,
                parent=parent,
                root=parent,
                depth=1,
                author=authors[i % len(authors)],
                body="Une réponse.",
            )
        )
    Comment.objects.bulk_create(replies, batch_size=2000)
    counts: dict[int, int] = {}
    for proposal_id in Comment.objects.filter(process=process).values_list(
        "proposal_id", flat=True
    ):
        counts[proposal_id] = counts.get(proposal_id, 0) + 1
    changed = []
    for proposal in Proposal.objects.filter(process=process).only("id", "comment_count"):
        proposal.comment_count = counts.get(proposal.pk, 0)
        changed.append(proposal)
    Proposal.objects.bulk_update(changed, ["comment_count"], batch_size=1000)
    Process.objects.filter(pk=process.pk).update(proposal_count=proposals)
