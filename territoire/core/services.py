"""Writes of the core: each public function is one transaction with one audit entry, except
``api_key_authenticate``, which only stamps a key's last use (bookkeeping, not a change an
agent made)."""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from territoire.core.audit import audit_record, diff, snapshot
from territoire.core.auth import secret_digest
from territoire.core.models import ApiKey, Commune, Membership, Role, Territory, User
from territoire.core.modules import MODULES_BY_CODE
from territoire.core.permissions import forget_grants, require, role_fits_scope

COMMUNES_CSV = Path(__file__).parent / "data" / "cua_communes.csv"
COMMUNE_FIELDS = (
    "name",
    "postcode",
    "population",
    "population_year",
    "area_km2",
    "latitude",
    "longitude",
)


@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def territory_load(*, actor: User | None = None, path: Path = COMMUNES_CSV) -> LoadReport:
    """Create or update the CUA and its communes from the shipped CSV. Idempotent: a second
    run changes nothing and reports every commune as unchanged."""
    territory, _ = Territory.objects.update_or_create(
        siren=settings.TERRITORY_SIREN,
        defaults={"name": settings.TERRITORY_NAME, "short_name": settings.TERRITORY_SHORT_NAME},
    )
    existing = {commune.insee_code: commune for commune in Commune.objects.all()}
    created = updated = unchanged = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            values = {
                "name": row["name"],
                "postcode": row["postcode"],
                "population": int(row["population"]),
                "population_year": int(row["population_year"]),
                "area_km2": Decimal(row["area_km2"]),
                "latitude": Decimal(row["latitude"]),
                "longitude": Decimal(row["longitude"]),
            }
            commune = existing.get(row["insee_code"])
            if commune is None:
                Commune.objects.create(
                    territory=territory,
                    insee_code=row["insee_code"],
                    slug=slugify(row["name"]),
                    **values,
                )
                created += 1
                continue
            before = snapshot(commune, COMMUNE_FIELDS)
            for field, value in values.items():
                setattr(commune, field, value)
            if diff(before, snapshot(commune, COMMUNE_FIELDS)):
                commune.save()
                updated += 1
            else:
                unchanged += 1
    report = LoadReport(created, updated, unchanged)
    if created or updated:  # a load that changes nothing writes nothing, not even a log line
        audit_record(
            actor=actor,
            action="territory.load",
            obj=territory,
            changes={"created": created, "updated": updated, "unchanged": unchanged},
        )
    return report


def _check_membership(role: str, commune: Commune | None, module: str) -> None:
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = "Ce rôle n'existe pas."
    elif not role_fits_scope(role, commune):
        errors["commune"] = (
            "Ce rôle vaut pour toute la CUA : ne choisissez pas de commune."
            if commune
            else "Ce rôle s'exerce dans une commune : choisissez-la."
        )
    if module and module not in MODULES_BY_CODE:
        errors["module"] = "Ce module n'existe pas."
    elif module and role != Role.AGENT:
        errors["module"] = "Seul un rôle d'agent peut être limité à un module."
    if errors:
        raise ValidationError(errors)


DUPLICATE_ROLE = "Cette personne a déjà ce rôle ici."


def _grant(
    *, actor: User, user: User, role: str, commune: Commune | None, module: str
) -> Membership:
    require(actor, "core.grant_role", (commune, role))
    _check_membership(role, commune, module)
    duplicate = Membership.objects.filter(user=user, role=role, commune=commune, module=module)
    if duplicate.exists():
        raise ValidationError(DUPLICATE_ROLE)
    try:
        # A savepoint: a double submission that slipped past the check above meets the
        # unique constraint and gets the same message, not a 500.
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, role=role, commune=commune, module=module, granted_by=actor
            )
    except IntegrityError as exc:
        raise ValidationError(DUPLICATE_ROLE) from exc
    forget_grants(user)
    return membership


@transaction.atomic
def membership_grant(
    *, actor: User, user: User, role: str, commune: Commune | None, module: str = ""
) -> Membership:
    """Give ``user`` a role in ``commune`` (or the whole territory)."""
    membership = _grant(actor=actor, user=user, role=role, commune=commune, module=module)
    audit_record(
        actor=actor,
        action="membership.grant",
        obj=membership,
        commune=commune,
        changes={"user": user.email, "role": role, "module": module},
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> None:
    """Remove a role. The last CUA administrator cannot be removed (nobody could add one)."""
    require(actor, "core.grant_role", (membership.commune, membership.role))
    if (
        membership.role == Role.CUA_ADMIN
        and not Membership.objects.filter(role=Role.CUA_ADMIN).exclude(pk=membership.pk).exists()
    ):
        raise ValidationError("Impossible de retirer le dernier administrateur de la CUA.")
    audit_record(
        actor=actor,
        action="membership.revoke",
        obj=membership,
        commune=membership.commune_id,
        changes={
            "user": membership.user.email,
            "role": membership.role,
            "module": membership.module,
        },
    )
    membership.delete()
    forget_grants(membership.user)


def welcome_link(user: User) -> str:
    """Absolute link where an invited person chooses a password (the reset token flow)."""
    path = reverse(
        "core:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.BASE_URL}{path}"


def _check_email(email: str) -> str:
    email = User.objects.normalize_email(email.strip()).lower()
    try:
        if "\x00" in email:
            raise ValidationError("invalid")
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(
            {"email": "Saisissez une adresse électronique valide, par exemple nom@domaine.fr."}
        ) from exc
    return email


@transaction.atomic
def member_invite(
    *,
    actor: User,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    commune: Commune | None,
    module: str = "",
) -> Membership:
    """Give a role to a person by e-mail address, creating the account when it is new; a new
    person receives a link to choose a password."""
    email = _check_email(email)
    user = User.objects.filter(email=email).first()
    is_new = user is None
    if user is None:
        user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
    membership = _grant(actor=actor, user=user, role=role, commune=commune, module=module)
    audit_record(
        actor=actor,
        action="member.invite",
        obj=membership,
        commune=commune,
        changes={"user": email, "role": role, "module": module, "new_account": is_new},
    )
    if is_new:
        from territoire.core.tasks import send_welcome_email

        # Sent by the worker once the invitation is committed: a mail server that fails
        # neither loses the invitation nor shows the administrator an error page.
        transaction.on_commit(lambda: send_welcome_email(user.pk))
    return membership


@transaction.atomic
def api_key_create(*, actor: User, name: str, commune: Commune, module: str) -> tuple[ApiKey, str]:
    """Create a key; returns it with its secret, which is shown once and never stored."""
    require(actor, "core.manage_api_keys", commune)
    if module not in MODULES_BY_CODE:
        raise ValidationError({"module": "Ce module n'existe pas."})
    if not name.strip():
        raise ValidationError({"name": "Donnez un nom à la clé."})
    prefix = secrets.token_hex(4)
    secret = f"ter_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name.strip(),
        prefix=prefix,
        key_hash=secret_digest(secret),
        commune=commune,
        module=module,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="api_key.create",
        obj=key,
        commune=commune,
        changes={"name": key.name, "module": module},
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, actor: User, key: ApiKey) -> ApiKey:
    require(actor, "core.manage_api_keys", key.commune)
    if key.revoked_at is not None:
        raise ValidationError("Cette clé est déjà révoquée.")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="api_key.revoke", obj=key, commune=key.commune_id)
    forget_grants(key)
    return key


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The active key for ``secret``, or None. Marks it used at most once a minute, so that
    heavy machine traffic does not turn every read into a write."""
    if not secret.startswith("ter_"):
        return None
    key = (
        ApiKey.objects.select_related("commune")
        .filter(key_hash=secret_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


@transaction.atomic
def security_event_record(
    *, action: str, actor: User | None = None, subject: User | None = None, detail: str = ""
) -> None:
    """Record an authentication event about an existing account: a login or password change
    (``actor`` is the person), a failure or lockout (``subject`` is the account, nobody is
    signed in). Attempts on unknown addresses are not recorded here (see signals.py)."""
    audit_record(
        actor=actor,
        action=action,
        obj=subject or actor,
        changes={"detail": detail} if detail else {},
        label=None if actor else "anonyme",
    )
