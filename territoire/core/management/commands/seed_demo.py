"""Demo accounts for every role, in Arras and the three LoRa pilot communes."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from territoire.core.audit import audit_record
from territoire.core.models import Commune, Membership, Role, User

DEMO_PASSWORD = "Territoire-Demo-2026"
DEMO_COMMUNES = {
    "62041": "arras",
    "62099": "beaurains",
    "62817": "tilloy",
    "62753": "saint-laurent-blangy",
}


def demo_accounts() -> list[tuple[str, str, str, str, str | None]]:
    """(email, first name, last name, role, commune INSEE code or None)."""
    accounts: list[tuple[str, str, str, str, str | None]] = [
        ("admin.cua@demo.territoire.fr", "Claire", "Administratrice CUA", Role.CUA_ADMIN, None),
        ("comite@demo.territoire.fr", "Karim", "Membre du comité", Role.COMMITTEE_MEMBER, None),
        ("moderation@demo.territoire.fr", "Lucie", "Modératrice", Role.MODERATOR, None),
    ]
    for insee, slug in DEMO_COMMUNES.items():
        accounts += [
            (f"admin.{slug}@demo.territoire.fr", "Admin", slug.title(), Role.COMMUNE_ADMIN, insee),
            (f"agent.{slug}@demo.territoire.fr", "Agent", slug.title(), Role.AGENT, insee),
            (f"elu.{slug}@demo.territoire.fr", "Élu", slug.title(), Role.ELECTED, insee),
        ]
    accounts.append(("habitant@demo.territoire.fr", "Camille", "Habitante", Role.CITIZEN, "62041"))
    return accounts


class Command(BaseCommand):
    help = "Create demo accounts for every role (development only). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow without DEBUG.")

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo accounts are for development; pass --force to insist.")
        communes = {c.insee_code: c for c in Commune.objects.filter(insee_code__in=DEMO_COMMUNES)}
        if len(communes) != len(DEMO_COMMUNES):
            raise CommandError("Load the communes first: manage.py load_territory")
        created = 0
        for email, first, last, role, insee in demo_accounts():
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
                )
                created += 1
            commune = communes[insee] if insee else None
            Membership.objects.get_or_create(user=user, role=role, commune=commune, module="")
        if created:
            audit_record(
                actor=None,
                action="demo.seed",
                object_repr="comptes de démonstration",
                changes={"accounts_created": created},
            )
        self.stdout.write(self.style.SUCCESS(f"Demo accounts: {created} created."))
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe pour tous : {DEMO_PASSWORD})")
        for email, _first, _last, role, insee in demo_accounts():
            where = communes[insee].name if insee else "toute la CUA"
            self.stdout.write(f"  {Role(role).label:<32} {where:<24} {email}")
