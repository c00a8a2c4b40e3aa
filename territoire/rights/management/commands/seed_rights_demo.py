"""Demo data of the rights module: two local aids (the CUA's and Arras's) and one pooled
file of 300 synthetic households scanned at once, with a few follow-ups under way.
Idempotent: a second run creates nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from territoire.core.models import Commune, User
from territoire.rights import services
from territoire.rights.demo import demo_rows, to_csv
from territoire.rights.models import Detection, LocalAid, Outcome, PooledImport

ADMIN = "admin.cua@demo.territoire.fr"
AGENT = "agent.arras@demo.territoire.fr"
DEMO_BASIS = "Démonstration — données fictives (art. 133 loi 3DS)"


class Command(BaseCommand):
    help = "Crée les données de démonstration du module Zéro non-recours."

    def handle(self, *args, **options) -> None:
        try:
            admin = User.objects.get(email=ADMIN)
            agent = User.objects.get(email=AGENT)
            arras = Commune.objects.get(insee_code="62041")
        except (User.DoesNotExist, Commune.DoesNotExist) as exc:
            raise CommandError("Lancez d'abord load_territory et seed_demo.") from exc
        if not LocalAid.objects.filter(name="Pass transport solidaire").exists():
            services.local_aid_create(
                actor=admin, commune=None, name="Pass transport solidaire",
                description="Abonnement au réseau de bus à tarif réduit.",
                institution="Communauté Urbaine d'Arras", claim_url="https://www.cu-arras.fr",
                max_monthly_resources=1100, legal_basis="Délibération de démonstration",
            )  # fmt: skip
        if not LocalAid.objects.filter(name="Aide aux vacances des enfants").exists():
            services.local_aid_create(
                actor=agent, commune=arras, name="Aide aux vacances des enfants",
                description="Participation aux séjours de vacances des enfants.",
                institution="CCAS d'Arras", monthly_amount=30, min_children=1,
                max_monthly_resources=1800,
            )  # fmt: skip
        if PooledImport.objects.filter(legal_basis=DEMO_BASIS).exists():
            self.stdout.write("Zéro non-recours : démonstration déjà en place.")
            return
        communes = list(Commune.objects.values_list("insee_code", flat=True))
        record = services.pooled_import(
            actor=admin, partner="caf", legal_basis=DEMO_BASIS, period="2026-10",
            content=to_csv(demo_rows(300, communes)), scan=False,
        )  # fmt: skip
        detected = services.scan_import(record.pk)
        steps = [Outcome.CONTACTED, Outcome.APPOINTMENT, Outcome.CLAIM_FILED, Outcome.OPENED]
        for i, detection in enumerate(Detection.objects.filter(commune=arras)[:8]):
            for status in steps[: 1 + i % 4]:
                detection = services.detection_update(
                    actor=agent, detection=detection, status=status
                )
        self.stdout.write(
            f"Zéro non-recours : {record.lines_ok} foyers fictifs, {detected} droits repérés."
        )
