"""Background jobs of citizen participation: the daily e-mail digest for followers."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from territoire.core.audit import audit_record
from territoire.core.models import Role, User
from territoire.participation.models import Comment, DigestFrequency, Follow, Proposal
from territoire.participation.services import unsubscribe_token

DORMANT_AFTER = timedelta(days=3 * 365)


def digest_lines(follow: Follow, since) -> list[str]:
    """What is new since ``since`` in what ``follow`` follows, one line per item."""
    lines: list[str] = []
    if follow.process_id:
        process = follow.process
        assert process is not None
        new = Proposal.objects.filter(process=process, hidden=False, created_at__gt=since)
        count = new.count()
        if count:
            url = settings.BASE_URL + reverse("participation:process", args=[process.slug])
            lines.append(f"{process.title} : {count} nouvelle(s) proposition(s) — {url}")
        answered = Proposal.objects.filter(process=process, answered_at__gt=since).count()
        if answered:
            lines.append(f"{process.title} : {answered} proposition(s) ont reçu une réponse.")
    if follow.proposal_id:
        proposal = follow.proposal
        assert proposal is not None
        comments = Comment.objects.filter(proposal=proposal, hidden=False, created_at__gt=since)
        count = comments.count()
        url = settings.BASE_URL + reverse(
            "participation:proposal", args=[proposal.process.slug, proposal.pk]
        )
        if count:
            lines.append(f"« {proposal.title} » : {count} nouveau(x) commentaire(s) — {url}")
        if proposal.answered_at and proposal.answered_at > since:
            lines.append(
                f"« {proposal.title} » : la collectivité a répondu "
                f"({proposal.get_status_display().lower()}) — {url}"
            )
    return lines


def send_digests() -> int:
    """One e-mail per person with what is new in everything they follow; returns the
    number of e-mails sent. Each follow's clock moves only when its mail is sent."""
    now = timezone.now()
    per_user: dict[int, list[Follow]] = defaultdict(list)
    follows = Follow.objects.select_related("user", "process", "proposal__process")
    # The frequency each person chose on their profile: none, or weekly (at most one digest
    # in 7 days, the clock being the follows' last digest).
    follows = follows.filter(user__is_active=True).exclude(
        user__participant__digest_frequency=DigestFrequency.NEVER
    )
    weekly = Q(user__participant__digest_frequency=DigestFrequency.WEEKLY)
    follows = follows.exclude(weekly & Q(last_digest_at__gt=now - timedelta(days=7)))
    for follow in follows:
        per_user[follow.user_id].append(follow)
    sent = 0
    for user_follows in per_user.values():
        user = user_follows[0].user
        lines = [line for f in user_follows for line in digest_lines(f, f.last_digest_at)]
        if not lines:
            continue
        unsubscribe = settings.BASE_URL + reverse(
            "participation:unsubscribe", args=[unsubscribe_token(user)]
        )
        body = render_to_string(
            "participation/digest_email.txt",
            {"lines": lines, "settings": settings, "unsubscribe": unsubscribe},
        )
        EmailMessage(
            f"{settings.PLATFORM_NAME} : les nouveautés de la participation",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            # One-click unsubscribe for mail clients (RFC 8058): a POST to the same link.
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        ).send()
        with transaction.atomic():
            Follow.objects.filter(pk__in=[f.pk for f in user_follows]).update(last_digest_at=now)
            audit_record(
                actor=None,
                action="participation.digest_sent",
                obj=user,
                object_repr=f"compte n° {user.pk}",
                changes={"lines": len(lines)},
            )
        sent += 1
    return sent


@db_periodic_task(crontab(hour="7", minute="30"))
def participation_digest() -> None:
    """Every morning at 07:30 (server time), the followers' digest."""
    send_digests()


def purge_dormant_citizens() -> int:
    """Erase citizen accounts unused for three years (what the participant notice promises):
    their contributions stay, without author. People holding any other role are kept."""
    cutoff = timezone.now() - DORMANT_AFTER
    dormant = (
        User.objects.filter(is_staff=False, is_superuser=False)
        .exclude(memberships__role__in=[r for r in Role.values if r != Role.CITIZEN])
        .filter(models.Q(last_login__lt=cutoff) | models.Q(last_login=None, date_joined__lt=cutoff))
    )
    erased = 0
    for user in dormant.iterator():
        with transaction.atomic():
            audit_record(
                actor=None,
                action="participation.account_purge",
                obj=user,
                object_repr=f"compte n° {user.pk}",
            )
            user.delete()
        erased += 1
    return erased


@db_periodic_task(crontab(hour="4", minute="7"))
def participation_purge_dormant() -> None:
    """Every night: dormant citizen accounts."""
    purge_dormant_citizens()
