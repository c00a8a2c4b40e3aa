"""Writes of citizen participation. Each service is one transaction that checks who may act
(ability, profile, ban, phase rule, rate limit) and appends one audit entry. Refusals a person
can act on are ``ValidationError`` with a French message; missing rights ``PermissionDenied``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.text import slugify

from territoire.core.audit import audit_record
from territoire.core.models import Commune, User
from territoire.core.permissions import require
from territoire.participation import rules
from territoire.participation.media import clean_photo
from territoire.participation.models import (
    ActionStatus,
    Article,
    Comment,
    CommentVote,
    Debate,
    DigestFrequency,
    Follow,
    PhaseKind,
    Process,
    Profile,
    Proposal,
    ProposalStatus,
    Question,
    QuestionKind,
    Report,
    ReportReason,
    ResultAction,
    Support,
    Survey,
    SurveyResponse,
    Text,
)

# Moderation settings (overridable in settings; defaults suit a territory of 110,000).
AUTO_HIDE_REPORTS = getattr(settings, "PARTICIPATION_AUTO_HIDE_REPORTS", 3)
POSTS_PER_HOUR = getattr(settings, "PARTICIPATION_POSTS_PER_HOUR", 20)
MAX_DEPTH = 4
# First path segments of the module's own pages, which a process slug must not take.
RESERVED_SLUGS = {
    "nouvelle",
    "mon-profil",
    "mon-compte",
    "moderation",
    "signaler",
    "donnees-ouvertes",
    "desabonnement",
}

KINDS: dict[str, type[Proposal] | type[Debate] | type[Comment]] = {
    "proposal": Proposal,
    "debate": Debate,
    "comment": Comment,
}


def kind_of(obj: Model) -> str:
    names: dict[type[Model], str] = {Proposal: "proposal", Debate: "debate", Comment: "comment"}
    return names[type(obj)]


# --- who may take part --------------------------------------------------------------------


def _profile(actor: User) -> Profile:
    """The actor's participant profile, refusing people who cannot contribute."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("participation.contribute")
    profile = Profile.objects.filter(user=actor).first()
    if profile is None:
        raise ValidationError(
            "Complétez d'abord votre profil de participant (pseudonyme et notice sur vos données)."
        )
    if profile.banned_at is not None:
        raise ValidationError(
            "Votre participation est suspendue par la modération. Motif : "
            f"{profile.ban_reason or 'non précisé'}."
        )
    return profile


def _check_phase(process: Process, action: str) -> None:
    if not process.published or not rules.allows(process, action):
        raise ValidationError(rules.REFUSED[action])


def _check_resident(process: Process, profile: Profile) -> None:
    if process.residents_only and profile.commune_id != process.commune_id:
        raise ValidationError(
            f"Cette concertation est réservée aux habitants de {process.commune}. Si vous y "
            "habitez, indiquez-le dans votre profil de participant."
        )


def _check_rate(actor: User) -> None:
    """At most POSTS_PER_HOUR proposals, debates and comments per person and hour."""
    since = timezone.now() - timedelta(hours=1)
    posted = sum(
        model.objects.filter(author=actor, created_at__gte=since).count()
        for model in (Proposal, Debate, Comment)
    )
    if posted >= POSTS_PER_HOUR:
        raise ValidationError(
            f"Vous avez publié {posted} contributions dans l'heure : attendez un peu avant "
            "d'en publier une autre (limite contre les envois automatiques)."
        )


def _text(value: str, field: str, label: str, max_length: int) -> str:
    value = (value or "").replace("\x00", "").strip()
    if not value:
        raise ValidationError({field: f"Indiquez {label}."})
    if len(value) > max_length:
        raise ValidationError({field: f"{max_length} caractères au plus ({len(value)} saisis)."})
    return value


# --- profile and account --------------------------------------------------------------------


@transaction.atomic
def profile_save(
    *,
    actor: User,
    pseudonym: str,
    commune: Commune | None,
    accept_notice: bool,
    digest_frequency: str = DigestFrequency.DAILY,
) -> Profile:
    """Create or update the actor's participant profile. The GDPR notice must be accepted."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("participation.contribute")
    pseudonym = _text(pseudonym, "pseudonym", "un pseudonyme", 40)
    if not accept_notice:
        raise ValidationError(
            {"accept_notice": "Lisez et acceptez la notice sur vos données pour participer."}
        )
    if Profile.objects.filter(pseudonym__iexact=pseudonym).exclude(user=actor).exists():
        raise ValidationError(
            {"pseudonym": "Ce pseudonyme est déjà pris : choisissez-en un autre."}
        )
    profile = Profile.objects.filter(user=actor).first()
    if profile is None:
        profile = Profile(user=actor, notice_accepted_at=timezone.now())
    if digest_frequency not in DigestFrequency.values:
        raise ValidationError({"digest_frequency": "Choisissez une fréquence dans la liste."})
    profile.pseudonym = pseudonym
    profile.commune = commune
    profile.digest_frequency = digest_frequency
    profile.save()
    audit_record(
        actor=actor,
        action="participation.profile_save",
        obj=profile,
        changes={
            "pseudonym": pseudonym,
            "commune": commune.insee_code if commune else "",
            "digest_frequency": digest_frequency,
        },
    )
    return profile


@transaction.atomic
def account_delete(*, actor: User) -> None:
    """Delete the actor's account. Proposals, comments, supports and survey answers stay,
    without author (the foreign keys are set to empty); follows and the profile go."""
    if not actor.is_authenticated:
        raise PermissionDenied("participation.account_delete")
    audit_record(
        actor=actor,
        action="participation.account_delete",
        obj=actor,
        object_repr=f"compte n° {actor.pk}",
        label=f"compte n° {actor.pk}",
    )
    actor.delete()


# --- processes --------------------------------------------------------------------------------


def unique_process_slug(title: str) -> str:
    """The process's address: its title, numbered when taken or reserved by a page."""
    base = slugify(title)[:180] or "concertation"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Process.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def process_create(
    *,
    actor: User,
    title: str,
    summary: str,
    commune: Commune | None,
    phases: list[tuple[str, datetime, datetime]],
    description: str = "",
    residents_only: bool = False,
    categories: list[str] | None = None,
) -> Process:
    """Create a process run by ``commune`` (None: the CUA) with its phases."""
    require(actor, "participation.manage", commune if commune else 0)
    title = _text(title, "title", "un titre", 200)
    if residents_only and commune is None:
        raise ValidationError(
            {"residents_only": "Seule une concertation communale peut être réservée aux habitants."}
        )
    process = Process.objects.create(
        title=title,
        slug=unique_process_slug(title),
        summary=_text(summary, "summary", "un résumé", 300),
        description=description,
        commune=commune,
        residents_only=residents_only,
        categories=categories or [],
    )
    for kind, starts_at, ends_at in phases:
        if kind not in PhaseKind.values or ends_at <= starts_at:
            raise ValidationError({"phases": "Chaque étape doit finir après son début."})
        process.phases.create(kind=kind, starts_at=starts_at, ends_at=ends_at)
    audit_record(
        actor=actor,
        action="participation.process_create",
        obj=process,
        commune=commune,
        changes={"phases": [kind for kind, _, _ in phases]},
    )
    return process


@transaction.atomic
def process_decide(*, actor: User, process: Process, decision: str) -> Process:
    """Publish what the collectivité decided at the end of a process."""
    require(actor, "participation.manage", process)
    process.decision = _text(decision, "decision", "la décision", 10_000)
    process.save(update_fields=["decision", "updated_at"])
    audit_record(
        actor=actor, action="participation.process_decide", obj=process, commune=process.commune
    )
    return process


@transaction.atomic
def action_save(
    *,
    actor: User,
    process: Process,
    title: str,
    status: str,
    progress: int,
    description: str = "",
    action: ResultAction | None = None,
) -> ResultAction:
    """Create or update an action resulting from a process (status and progress)."""
    require(actor, "participation.manage", process)
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choisissez un état dans la liste."})
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": "L'avancement est un pourcentage de 0 à 100."})
    if status == ActionStatus.DONE:
        progress = 100
    action = action or ResultAction(process=process)
    if action.process_id != process.pk:
        raise PermissionDenied("participation.manage")
    action.title = _text(title, "title", "l'intitulé de l'action", 200)
    action.description, action.status, action.progress = description, status, progress
    action.save()
    audit_record(
        actor=actor,
        action="participation.action_save",
        obj=action,
        commune=process.commune,
        changes={"status": status, "progress": progress},
    )
    return action


# --- proposals, supports, debates -------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *,
    actor: User,
    process: Process,
    title: str,
    body: str,
    category: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    photo: UploadedFile | None = None,
    photo_alt: str = "",
) -> Proposal:
    """Submit a proposal, during the proposals phase only; an optional photo (checked and
    re-encoded by ``media.clean_photo``) needs a short description for blind readers."""
    profile = _profile(actor)
    _check_phase(process, "propose")
    _check_resident(process, profile)
    _check_rate(actor)
    if category and process.categories and category not in process.categories:
        raise ValidationError({"category": "Choisissez une catégorie dans la liste."})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": "Indiquez la latitude et la longitude, ou aucune."})
    proposal = Proposal(
        process=process,
        author=actor,
        title=_text(title, "title", "un titre", 150),
        body=_text(body, "body", "une description", 5000),
        category=category,
        latitude=latitude,
        longitude=longitude,
    )
    if photo is not None:
        proposal.photo_alt = _text(photo_alt, "photo_alt", "ce que montre la photo", 200)
        cleaned = clean_photo(photo)
        proposal.photo.save(cleaned.name or "photo.jpg", cleaned, save=False)
    proposal.save()
    Process.objects.filter(pk=process.pk).update(proposal_count=F("proposal_count") + 1)
    audit_record(
        actor=actor,
        action="participation.proposal_create",
        obj=proposal,
        commune=process.commune_id,
    )
    return proposal


@transaction.atomic
def proposal_answer(*, actor: User, proposal: Proposal, status: str, answer: str) -> Proposal:
    """The collectivité's answer to a proposal; a rejection must say why."""
    require(actor, "participation.manage", proposal.process)
    if status not in ProposalStatus.values or status == ProposalStatus.PENDING:
        raise ValidationError({"status": "Choisissez une réponse : à l'étude, retenue ou non."})
    answer = (answer or "").replace("\x00", "").strip()
    if status == ProposalStatus.REJECTED and not answer:
        raise ValidationError({"answer": "Expliquez pourquoi la proposition n'est pas retenue."})
    before = {"status": proposal.status}
    proposal.status, proposal.answer, proposal.answered_at = status, answer, timezone.now()
    proposal.save(update_fields=["status", "answer", "answered_at", "updated_at"])
    audit_record(
        actor=actor,
        action="participation.proposal_answer",
        obj=proposal,
        commune=proposal.process.commune_id,
        changes={"status": [before["status"], status]},
    )
    return proposal


@transaction.atomic
def support_add(*, actor: User, proposal: Proposal) -> Support:
    """Support a proposal, once per person: the unique constraint settles a double
    submission (the second insert waits for the first and then fails)."""
    profile = _profile(actor)
    process = proposal.process
    _check_phase(process, "support")
    _check_resident(process, profile)
    if proposal.hidden:
        raise ValidationError("Cette proposition est masquée par la modération.")
    try:
        with transaction.atomic():
            support = Support.objects.create(proposal=proposal, user=actor)
    except IntegrityError:
        raise ValidationError("Vous soutenez déjà cette proposition.") from None
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    audit_record(
        actor=actor, action="participation.support_add", obj=proposal, commune=process.commune_id
    )
    return support


@transaction.atomic
def debate_create(*, actor: User, process: Process, title: str, body: str) -> Debate:
    _profile(actor)
    _check_phase(process, "debate")
    _check_rate(actor)
    debate = Debate.objects.create(
        process=process,
        author=actor,
        title=_text(title, "title", "un titre", 150),
        body=_text(body, "body", "un texte", 5000),
    )
    audit_record(
        actor=actor, action="participation.debate_create", obj=debate, commune=process.commune_id
    )
    return debate


# --- comments and votes -----------------------------------------------------------------------


@transaction.atomic
def comment_create(
    *,
    actor: User,
    target: Proposal | Debate | Article,
    body: str,
    parent: Comment | None = None,
) -> Comment:
    """Comment on a proposal, a debate or an article, or answer a comment (threads are
    kept at most MAX_DEPTH deep: a deeper answer is attached to the deepest allowed)."""
    _profile(actor)
    process = target.text.process if isinstance(target, Article) else target.process
    _check_phase(process, "comment")
    _check_rate(actor)
    field = {Proposal: "proposal", Debate: "debate", Article: "article"}[type(target)]
    if getattr(target, "hidden", False):
        raise ValidationError("Cette contribution est masquée par la modération.")
    if parent is not None:
        if getattr(parent, f"{field}_id") != target.pk:
            raise ValidationError("Ce commentaire répond à une autre contribution.")
        if parent.hidden:
            raise ValidationError("On ne peut pas répondre à un commentaire masqué.")
        if parent.depth >= MAX_DEPTH:
            parent = parent.parent
    comment = Comment(
        process=process,
        author=actor,
        body=_text(body, "body", "votre commentaire", 3000),
        parent=parent,
        root_id=(parent.root_id or parent.pk) if parent else None,
        depth=parent.depth + 1 if parent else 0,
    )
    setattr(comment, field, target)
    comment.save()
    type(target).objects.filter(pk=target.pk).update(comment_count=F("comment_count") + 1)
    audit_record(
        actor=actor, action="participation.comment_create", obj=comment, commune=process.commune_id
    )
    return comment


@transaction.atomic
def comment_vote(*, actor: User, comment: Comment, value: int) -> int:
    """Vote a comment up (+1) or down (-1); voting the same way again withdraws the vote.
    Returns the vote now held (0 for none)."""
    _profile(actor)
    if value not in (1, -1):
        raise ValidationError("Vote inconnu.")
    if comment.hidden:
        raise ValidationError("Ce commentaire est masqué par la modération.")
    existing = CommentVote.objects.select_for_update().filter(comment=comment, user=actor).first()
    delta = {1: 0, -1: 0}
    if existing is None:
        try:
            with transaction.atomic():
                CommentVote.objects.create(comment=comment, user=actor, value=value)
        except IntegrityError:
            raise ValidationError("Votre vote est déjà enregistré.") from None
        delta[value] += 1
        held = value
    elif existing.value == value:
        existing.delete()
        delta[value] -= 1
        held = 0
    else:
        delta[existing.value] -= 1
        delta[value] += 1
        existing.value = value
        existing.save(update_fields=["value"])
        held = value
    Comment.objects.filter(pk=comment.pk).update(
        up_count=F("up_count") + delta[1], down_count=F("down_count") + delta[-1]
    )
    audit_record(
        actor=actor,
        action="participation.comment_vote",
        obj=comment,
        commune=comment.process.commune_id,
        changes={"vote": held},
    )
    return held


@transaction.atomic
def synthesis_publish(*, actor: User, text: Text, synthesis: str) -> Text:
    """Publish the synthesis of a text consultation."""
    require(actor, "participation.manage", text.process)
    text.synthesis = _text(synthesis, "synthesis", "la synthèse", 20_000)
    text.synthesis_published_at = timezone.now()
    text.save(update_fields=["synthesis", "synthesis_published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="participation.synthesis_publish",
        obj=text,
        commune=text.process.commune_id,
    )
    return text


# --- surveys ----------------------------------------------------------------------------------


def _clean_answer(question: Question, raw: Any) -> Any:
    """One answer checked against its question; returns the value kept, or None."""
    values = [v for v in (raw if isinstance(raw, list) else [raw]) if v not in (None, "")]
    if not values:
        if question.required:
            raise ValidationError({f"q{question.pk}": "Répondez à cette question."})
        return None
    if question.kind == QuestionKind.TEXT:
        return _text(str(values[0]), f"q{question.pk}", "votre réponse", 2000)
    if question.kind == QuestionKind.SCALE:
        if str(values[0]) not in {"1", "2", "3", "4", "5"}:
            raise ValidationError({f"q{question.pk}": "Choisissez une note de 1 à 5."})
        return int(values[0])
    if any(str(v) not in question.choices for v in values):
        raise ValidationError({f"q{question.pk}": "Choisissez parmi les réponses proposées."})
    if question.kind == QuestionKind.SINGLE:
        if len(values) > 1:
            raise ValidationError({f"q{question.pk}": "Une seule réponse est possible."})
        return str(values[0])
    return sorted({str(v) for v in values}, key=question.choices.index)


@transaction.atomic
def survey_answer(*, actor: User, survey: Survey, answers: dict[str, Any]) -> SurveyResponse:
    """Answer a survey, once per person. ``answers``: {question id (str): value(s)}."""
    profile = _profile(actor)
    _check_phase(survey.process, "answer_survey")
    _check_resident(survey.process, profile)
    kept: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for question in survey.questions.all():
        try:
            value = _clean_answer(question, answers.get(str(question.pk)))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
            continue
        if value is not None:
            kept[str(question.pk)] = value
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(survey=survey, user=actor, answers=kept)
    except IntegrityError:
        raise ValidationError("Vous avez déjà répondu à ce questionnaire.") from None
    Survey.objects.filter(pk=survey.pk).update(response_count=F("response_count") + 1)
    audit_record(
        actor=actor,
        action="participation.survey_answer",
        obj=survey,
        commune=survey.process.commune_id,
    )
    return response


# --- moderation -------------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *, actor: User, obj: Proposal | Debate | Comment, reason: str, detail: str = ""
) -> Report:
    """Report a contribution. After AUTO_HIDE_REPORTS reports it is hidden until a moderator
    reviews it (one audit entry: "report", or "auto_hide" when the report hid it)."""
    _profile(actor)
    if reason not in ReportReason.values:
        raise ValidationError({"reason": "Choisissez un motif dans la liste."})
    kind = kind_of(obj)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                kind=kind,
                object_id=obj.pk,
                process=obj.process,
                reporter=actor,
                reason=reason,
                detail=detail.replace("\x00", "").strip()[:500],
            )
    except IntegrityError:
        raise ValidationError("Vous avez déjà signalé cette contribution.") from None
    model = type(obj)
    model.objects.filter(pk=obj.pk).update(report_count=F("report_count") + 1)
    obj.refresh_from_db(fields=["report_count", "hidden"])
    action = "participation.report"
    if obj.report_count >= AUTO_HIDE_REPORTS and not obj.hidden:
        model.objects.filter(pk=obj.pk).update(
            hidden=True,
            needs_review=True,
            hidden_reason=f"Masqué automatiquement après {obj.report_count} signalements, "
            "en attente de modération.",
        )
        action = "participation.auto_hide"
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        commune=obj.process.commune_id,
        changes={"reason": reason, "reports": obj.report_count},
    )
    return report


def _moderate(
    actor: User, obj: Proposal | Debate | Comment, *, hidden: bool, reason: str, action: str
) -> None:
    require(actor, "participation.moderate", obj.process)
    reason = _text(reason, "reason", "le motif", 300)
    type(obj).objects.filter(pk=obj.pk).update(
        hidden=hidden, hidden_reason=reason if hidden else "", needs_review=False
    )
    Report.objects.filter(kind=kind_of(obj), object_id=obj.pk, resolved_at=None).update(
        resolved_at=timezone.now()
    )
    obj.refresh_from_db()
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        commune=obj.process.commune_id,
        changes={"reason": reason},
    )


@transaction.atomic
def contribution_hide(*, actor: User, obj: Proposal | Debate | Comment, reason: str) -> None:
    """Hide a contribution, with a reason shown in its place; closes its reports."""
    _moderate(actor, obj, hidden=True, reason=reason, action="participation.hide")


@transaction.atomic
def contribution_restore(*, actor: User, obj: Proposal | Debate | Comment, reason: str) -> None:
    """Show a hidden contribution again (e.g. after an automatic hiding); closes its reports."""
    _moderate(actor, obj, hidden=False, reason=reason, action="participation.restore")


@transaction.atomic
def participant_ban(*, actor: User, profile: Profile, reason: str) -> Profile:
    """Suspend a person's participation everywhere (territory-wide moderators and the CUA)."""
    require(actor, "participation.moderate", 0)
    profile.ban_reason = _text(reason, "reason", "le motif", 300)
    profile.banned_at = timezone.now()
    profile.save(update_fields=["ban_reason", "banned_at", "updated_at"])
    audit_record(actor=actor, action="participation.ban", obj=profile, changes={"reason": reason})
    return profile


@transaction.atomic
def participant_unban(*, actor: User, profile: Profile) -> Profile:
    require(actor, "participation.moderate", 0)
    profile.banned_at, profile.ban_reason = None, ""
    profile.save(update_fields=["ban_reason", "banned_at", "updated_at"])
    audit_record(actor=actor, action="participation.unban", obj=profile)
    return profile


# --- follows and digests ----------------------------------------------------------------------


@transaction.atomic
def follow_toggle(
    *, actor: User, process: Process | None = None, proposal: Proposal | None = None
) -> bool:
    """Follow (or stop following) a process or a proposal. Returns True when now following."""
    if not actor.is_authenticated:
        raise PermissionDenied("participation.follow")
    target: Process | Proposal | None = process or proposal
    if target is None:
        raise ValidationError("Rien à suivre.")
    existing = Follow.objects.filter(user=actor, process=process, proposal=proposal).first()
    commune_id = process.commune_id if process else proposal.process.commune_id  # type: ignore[union-attr]
    if existing:
        existing.delete()
        audit_record(actor=actor, action="participation.unfollow", obj=target, commune=commune_id)
        return False
    Follow.objects.create(user=actor, process=process, proposal=proposal)
    audit_record(actor=actor, action="participation.follow", obj=target, commune=commune_id)
    return True


UNSUBSCRIBE_SALT = "territoire.participation.unsubscribe"


def unsubscribe_token(user: User) -> str:
    """A signed token naming the account, for the one-click link of the digest (no expiry: an
    old e-mail's link must still work; it only ever removes follows)."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_user(token: str) -> User:
    """The account a valid token names, or a ValidationError in French."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ValidationError("Ce lien de désabonnement n'est pas valide.") from None
    user = User.objects.filter(pk=data.get("u"), email=data.get("e")).first()
    if user is None:
        raise ValidationError("Ce lien de désabonnement ne correspond plus à aucun compte.")
    return user


@transaction.atomic
def unsubscribe(*, token: str) -> int:
    """Stop every digest of the account the token names (all its follows go); returns the
    number of follows removed. The signed token is the authority: no sign-in needed."""
    user = unsubscribe_user(token)
    removed, _ = Follow.objects.filter(user=user).delete()
    audit_record(
        actor=user,
        action="participation.unsubscribe",
        obj=user,
        object_repr=f"compte n° {user.pk}",
        changes={"follows": removed},
    )
    return removed
