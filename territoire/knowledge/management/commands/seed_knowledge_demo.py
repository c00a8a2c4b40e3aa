"""Demo knowledge base: themes and the French sample corpus (FAQ, guides, legal references)
for the whole CUA, plus a few Arras entries, written through the services like an agent
would. Idempotent: entries are matched by title."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.text import slugify

from territoire.core.models import Commune, User
from territoire.knowledge import services
from territoire.knowledge.models import Entry, Kind, Theme
from territoire.knowledge.testing import CORPUS

ADMIN = "admin.cua@demo.territoire.fr"
ARRAS_AGENT = "agent.arras@demo.territoire.fr"
THEMES = {
    "cantine": "Enfance et école",
    "listes": "Citoyenneté",
    "police": "Citoyenneté",
    "demarches": "Démarches",
    "terrasse": "Voirie et espace public",
    "voirie": "Voirie et espace public",
    "dechets": "Déchets",
    "eau": "Eau",
    "ordinateur": "Inclusion numérique",
    "atelier": "Inclusion numérique",
    "construire": "Urbanisme",
    "rgpd": "Données personnelles",
}
ARRAS = [
    (
        Kind.FAQ,
        "Horaires de l'hôtel de ville d'Arras",
        "L'hôtel de ville est ouvert du lundi au vendredi de 8 h 30 à 17 h 30, le samedi matin "
        "pour l'état civil.",
    ),
    (
        Kind.GUIDE,
        "Réserver une salle municipale à Arras",
        "Les associations arrageoises réservent les salles municipales en ligne, trois semaines "
        "à l'avance au moins.",
    ),
]


class Command(BaseCommand):
    help = "Create the knowledge-base demo entries (idempotent)."

    def handle(self, *args, **options) -> None:
        admin = User.objects.filter(email=ADMIN).first()
        agent = User.objects.filter(email=ARRAS_AGENT).first()
        if admin is None or agent is None:
            raise CommandError("Run seed_demo first: the demo accounts are missing.")
        themes = {}
        for name in sorted(set(THEMES.values())):
            themes[name] = Theme.objects.filter(
                slug=slugify(name)
            ).first() or services.theme_create(actor=admin, name=name)
        created = 0
        today = timezone.localdate()
        for index, (key, kind, title, body) in enumerate(CORPUS):
            if Entry.objects.filter(title=title).exists():
                continue
            services.entry_create(
                actor=admin,
                data=services.EntryData(
                    kind=kind,
                    title=title,
                    body=body,
                    themes=[themes[THEMES[key]]],
                    legal_reference="Code général des collectivités territoriales"
                    if kind == Kind.LEGAL
                    else "",
                    source_url="https://www.service-public.fr/" if kind != Kind.LEGAL else "",
                    source_label="Service-Public.fr" if kind != Kind.LEGAL else "",
                    # One entry in four is past its review date, to show the stale flag.
                    review_by=today + timedelta(days=-10 if index % 4 == 3 else 180),
                ),
                publish=True,
            )
            created += 1
        arras = Commune.objects.get(insee_code="62041")
        for kind, title, body in ARRAS:
            if not Entry.objects.filter(title=title).exists():
                services.entry_create(
                    actor=agent,
                    data=services.EntryData(kind=kind, title=title, body=body, commune=arras),
                    publish=True,
                )
                created += 1
        self.stdout.write(f"Knowledge demo: {created} entries created.")
