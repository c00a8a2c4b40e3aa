"""Core data: the territory and its communes, accounts, memberships, audit log, API keys."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoire.core.modules import MODULE_CHOICES


class TimeStampedModel(models.Model):
    """Base of every first-party model: when it was created and last changed."""

    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class Territory(TimeStampedModel):
    """The EPCI that shares the platform (the CUA)."""

    siren = models.CharField(_("SIREN"), max_length=9, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    short_name = models.CharField(_("sigle"), max_length=20)

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")

    def __str__(self) -> str:
        return self.name


class Commune(TimeStampedModel):
    """A member commune, identified by its INSEE code (code officiel géographique)."""

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="communes")
    insee_code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    postcode = models.CharField(_("code postal"), max_length=5)
    population = models.PositiveIntegerField(_("population municipale"))
    population_year = models.PositiveSmallIntegerField(_("année de la population"))
    area_km2 = models.DecimalField(_("superficie (km²)"), max_digits=7, decimal_places=2)
    latitude = models.DecimalField(max_digits=8, decimal_places=5)
    longitude = models.DecimalField(max_digits=8, decimal_places=5)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person. People log in with their e-mail address; roles come from memberships."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("adresse électronique"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email


class Role(models.TextChoices):
    CUA_ADMIN = "cua_admin", _("Administrateur de la CUA")
    COMMUNE_ADMIN = "commune_admin", _("Administrateur de commune")
    AGENT = "agent", _("Agent")
    ELECTED = "elected", _("Élu")
    COMMITTEE_MEMBER = "committee_member", _("Membre du comité données et IA")
    MODERATOR = "moderator", _("Modérateur")
    CITIZEN = "citizen", _("Habitant")


# Which roles are held for the whole territory, for one commune, or either.
TERRITORY_ONLY_ROLES = {Role.CUA_ADMIN}
COMMUNE_ONLY_ROLES = {Role.COMMUNE_ADMIN, Role.AGENT, Role.ELECTED}


class Membership(TimeStampedModel):
    """A role held by a person, in one commune or (commune empty) for the whole territory;
    an agent's membership may be limited to one module."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    module = models.CharField(_("module"), max_length=32, choices=MODULE_CHOICES, blank=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "commune", "module"],
                condition=Q(commune__isnull=False),
                name="membership_unique_in_commune",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "module"],
                condition=Q(commune__isnull=True),
                name="membership_unique_territory_wide",
            ),
        ]
        indexes = [models.Index(fields=["commune", "role"])]

    def __str__(self) -> str:
        where = self.commune.name if self.commune else _("toute la CUA")
        return f"{self.user} — {self.get_role_display()} ({where})"


class AuditEntry(models.Model):
    """One write, recorded in the transaction that made it. Append-only: the model refuses
    updates and deletes, and a database trigger refuses UPDATE (and DELETE on PostgreSQL)."""

    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    # No database constraint: the log outlives what it describes and is never rewritten.
    actor = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    actor_label = models.CharField(_("auteur"), max_length=255)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("type d'objet"), max_length=64, blank=True)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    object_repr = models.CharField(_("objet"), max_length=255, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    changes = models.JSONField(_("modifications"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des modifications")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["commune", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class ApiKey(TimeStampedModel):
    """A key for a machine client, scoped to one commune and one module. Only a hash of the
    secret is stored; the secret is shown once, at creation."""

    name = models.CharField(_("nom"), max_length=100)
    prefix = models.CharField(_("préfixe"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="api_keys")
    module = models.CharField(_("module"), max_length=32, choices=MODULE_CHOICES)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    class Meta:
        verbose_name = _("clé d'API")
        verbose_name_plural = _("clés d'API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
