"""Governance demo: the reference content (charter v1, platform algorithms), a second
committee member, the issue's six example projects at different stages of the workflow, a
meeting, a few datasets and GDPR register sheets. Written through the services, as the
people concerned would. Idempotent: a second run creates nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from territoire.core.models import Commune, Membership, Role, User
from territoire.core.services import membership_grant
from territoire.governance import services
from territoire.governance.models import Dataset, ProcessingActivity, Project
from territoire.governance.reference import reference_load

ADMIN = "admin.cua@demo.territoire.fr"
COMMITTEE = "comite@demo.territoire.fr"
SECOND_MEMBER = "comite2@demo.territoire.fr"
AGENT_ARRAS = "agent.arras@demo.territoire.fr"
DEMO_PASSWORD = "Territoire-Demo-2026"

BASE = {
    "service_owner": "Direction du numérique",
    "data_sources": "",
    "other_institutions": "",
    "energy_footprint": "",
    "equipment_footprint": "",
    "hosting": "Hébergement de la CUA (Arras)",
    "vendors": "",
    "human_oversight": "Un agent formé valide chaque résultat avant tout usage.",
    "information_and_contest": "Information sur le site de la commune ; recours auprès du service.",
    "personal_data": False,
    "sensitive_data": False,
    "vulnerable_people": False,
    "large_scale": False,
    "individual_decisions": False,
    "fully_automated": False,
    "is_ai": False,
    "ai_kind": "",
    "frugality_test": "",
    "edpb_criteria": [],
    "cnil_cases": [],
    "ai_uses": [],
}

PROJECTS: list[tuple[str, str, dict[str, Any]]] = [
    # (title, stage, values)
    (
        "Caméra thermique de comptage des passagers sur la voie de covoiturage",
        "decided_conditions",
        {
            "purpose": "Mesurer le taux d'occupation des voitures sur la voie réservée au covoiturage de la RD 60.",
            "public_benefit": "Évaluer la voie réservée et adapter la politique de mobilité.",
            "data_categories": "Images thermiques des habitacles, traitées à la volée ; seuls des comptages anonymes sont conservés.",
            "people_affected": "Conducteurs et passagers empruntant la voie.",
            "personal_data": True,
            "is_ai": True,
            "ai_kind": "Détection d'objets sur images infrarouges, embarquée dans le capteur.",
            "frugality_test": "Un comptage manuel ponctuel ne donne pas de série continue ; une boucle au sol ne compte pas les passagers.",
            "energy_footprint": "Calcul embarqué, environ 15 W en continu.",
            "equipment_footprint": "Deux caméras thermiques, durée de vie visée 8 ans.",
            "edpb_criteria": ["monitoring"],
        },
    ),
    (
        "Lecture des plaques à l'entrée du parking des Allées",
        "in_review",
        {
            "purpose": "Ouvrir la barrière aux abonnés du parking sans badge.",
            "public_benefit": "Fluidifier l'entrée et supprimer les badges perdus.",
            "data_categories": "Numéros de plaque des véhicules, heure d'entrée et de sortie.",
            "people_affected": "Usagers du parking (abonnés et visiteurs).",
            "personal_data": True,
            "edpb_criteria": ["monitoring", "sensitive"],
        },
    ),
    (
        "Score d'éligibilité à l'aide communale aux familles",
        "submitted",
        {
            "purpose": "Pré-instruire les demandes d'aide aux familles en calculant un score d'éligibilité.",
            "public_benefit": "Réduire les délais d'instruction.",
            "data_categories": "Ressources, composition du foyer, logement.",
            "people_affected": "Familles demandeuses, souvent en situation de précarité.",
            "personal_data": True,
            "sensitive_data": True,
            "vulnerable_people": True,
            "individual_decisions": True,
            "is_ai": True,
            "ai_kind": "Modèle de classement appris sur les dossiers des années passées.",
            "frugality_test": "Le barème en vigueur pourrait suffire : à justifier devant le comité.",
            "edpb_criteria": ["evaluation", "exclusion"],
            "cnil_cases": ["social_support"],
            "ai_uses": ["public_benefits"],
        },
    ),
    (
        "Agent conversationnel pour les questions fréquentes",
        "decided_favourable",
        {
            "purpose": "Répondre aux questions fréquentes des habitants à toute heure.",
            "public_benefit": "Désengorger l'accueil téléphonique.",
            "data_categories": "Questions posées, sans compte ni identifiant.",
            "people_affected": "Visiteurs du portail.",
            "is_ai": True,
            "ai_kind": "Recherche sémantique dans la FAQ validée par les services, sans génération libre.",
            "frugality_test": "Le moteur de recherche du site ne comprend pas les questions formulées librement.",
            "ai_uses": ["interacts"],
        },
    ),
    (
        "Règle de détection des fuites d'eau",
        "draft",
        {
            "purpose": "Signaler les fuites probables dans les bâtiments communaux.",
            "public_benefit": "Économiser l'eau et éviter les dégâts.",
            "data_categories": "Index des compteurs d'eau des bâtiments publics.",
            "people_affected": "Aucune personne : bâtiments publics.",
        },
    ),
    (
        "Optimisation des feux tricolores de la rocade",
        "submitted",
        {
            "purpose": "Ajuster la durée des feux selon le trafic mesuré.",
            "public_benefit": "Moins d'attente et d'émissions aux carrefours.",
            "data_categories": "Comptages anonymes des boucles de détection.",
            "people_affected": "Usagers de la route.",
            "is_ai": True,
            "ai_kind": "Apprentissage par renforcement sur simulateur de trafic.",
            "frugality_test": "Les plans de feux fixes ne s'adaptent pas aux pointes irrégulières.",
            "ai_uses": ["critical_infrastructure"],
        },
    ),
]


class Command(BaseCommand):
    help = "Create the governance demo (run after seed_demo). Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        reference_load()
        admin = User.objects.filter(email=ADMIN).first()
        agent = User.objects.filter(email=AGENT_ARRAS).first()
        first = User.objects.filter(email=COMMITTEE).first()
        if not (admin and agent and first):
            raise CommandError("Create the demo accounts first: manage.py seed_demo")
        arras = Commune.objects.get(insee_code="62041")
        second = self._second_member(admin)
        # The demo agent of Arras writes projects for the governance module too.
        agent_roles = Membership.objects.filter(user=agent, role=Role.AGENT, commune=arras)
        if not agent_roles.filter(module__in=["", "governance"]).exists():
            membership_grant(
                actor=admin, user=agent, role=Role.AGENT, commune=arras, module="governance"
            )
        created = 0
        for title, stage, values in PROJECTS:
            if Project.objects.filter(title=title).exists():
                continue
            self._project(title, stage, {**BASE, **values}, agent, admin, first, second, arras)
            created += 1
        self._registers(agent, arras)
        self.stdout.write(f"Gouvernance : {created} projet(s) de démonstration créé(s).")

    def _second_member(self, admin: User) -> User:
        user = User.objects.filter(email=SECOND_MEMBER).first()
        if user is None:
            user = User.objects.create_user(
                email=SECOND_MEMBER,
                password=DEMO_PASSWORD,
                first_name="Inès",
                last_name="Membre du comité",
            )
        if not user.memberships.filter(role=Role.COMMITTEE_MEMBER).exists():
            membership_grant(actor=admin, user=user, role=Role.COMMITTEE_MEMBER, commune=None)
        return user

    def _project(self, title, stage, values, agent, admin, first, second, arras) -> None:
        project = services.project_create(
            actor=agent,
            commune=arras,
            title=title,
            **{k: v for k, v in values.items() if k != "title"},
        )
        if stage == "draft":
            return
        services.project_submit(actor=agent, project=project)
        if stage == "submitted":
            return
        review = services.review_assign(actor=admin, project=project, reviewers=[first, second])
        principles = list(review.charter.principles.all())
        for reviewer, base in ((first, 3), (second, 4)):
            services.opinions_record(
                actor=reviewer,
                review=review,
                opinions={
                    p.pk: (
                        base if p.code != "donnees-sensibles" else 2,
                        "Les images doivent être supprimées à la volée."
                        if p.code == "donnees-sensibles"
                        else "",
                    )
                    for p in principles
                },
            )
        if stage == "in_review":
            return
        meeting = services.meeting_schedule(
            actor=admin,
            held_on=timezone.now() - timedelta(days=7),
            place="Hôtel communautaire, salle du conseil",
        )
        if stage == "decided_conditions":
            services.decision_record(
                actor=admin,
                review=review,
                outcome="conditions",
                reasons="Utile et sobre ; la protection des passagers doit être démontrée.",
                conditions=[
                    (
                        "Réaliser l'analyse d'impact (AIPD) avant la mise en service.",
                        timezone.localdate() + timedelta(days=60),
                    ),
                    ("Prouver qu'aucune image n'est conservée (audit du capteur).", None),
                ],
                meeting=meeting,
            )
        else:
            services.decision_record(
                actor=admin,
                review=review,
                outcome="favourable",
                reasons="Projet utile, sobre et transparent.",
                meeting=meeting,
            )

    def _registers(self, agent: User, arras: Commune) -> None:
        if not ProcessingActivity.objects.filter(commune=arras).exists():
            services.activity_save(
                actor=agent,
                commune=arras,
                name="Gestion de l'état civil",
                software="Logiciel d'état civil",
                joint_controller="",
                purposes="Établir et délivrer les actes d'état civil.",
                legal_basis="legal_obligation",
                data_subjects="Personnes nées, mariées ou décédées dans la commune ; déclarants.",
                retention={"identity": "Conservation définitive (archives publiques)"},
                sensitive_data=False,
                sensitive_details="",
                recipients_internal="Service de l'état civil",
                recipients_external="Procureur de la République, INSEE",
                processors="Éditeur du logiciel (maintenance)",
                transfers_outside_eu=False,
                transfer_details="",
                security_measures=["access_control", "traceability", "backup"],
                security_other="",
                dpia_status="not_needed",
            )
            services.activity_save(
                actor=agent,
                commune=arras,
                name="Inscriptions à la restauration scolaire",
                software="Portail famille",
                joint_controller="",
                purposes="Inscrire les enfants et facturer les repas.",
                legal_basis="public_task",
                data_subjects="Enfants scolarisés et leurs responsables légaux.",
                retention={
                    "identity": "Durée de la scolarité + 1 an",
                    "economic": "10 ans (pièces comptables)",
                },
                sensitive_data=True,
                sensitive_details="Allergies alimentaires (santé) pour les projets d'accueil individualisé.",
                recipients_internal="Service enfance, restauration",
                recipients_external="",
                processors="",
                transfers_outside_eu=False,
                transfer_details="",
                security_measures=["access_control"],
                security_other="",
                dpia_status="not_needed",
            )
        if not Dataset.objects.filter(source_key="demo.arras.equipements").exists():
            services.dataset_register(
                source_key="demo.arras.equipements",
                commune=arras,
                title="Équipements publics d'Arras",
                description="Liste des équipements publics de la ville d'Arras (sport, culture, écoles), au format SCDL.",
                theme="REGI",
                keywords="équipements, SCDL",
                licence="etalab-2.0",
                frequency="ANNUAL",
                contact_email="opendata@arras.fr",
                distributions=[
                    {
                        "title": "Équipements (CSV)",
                        "access_url": "https://www.arras.fr/opendata/equipements.csv",
                        "media_type": "text/csv",
                    }
                ],
            )
