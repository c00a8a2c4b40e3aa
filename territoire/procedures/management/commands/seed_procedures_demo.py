"""Demo procedures: the four procedures of the issue (two for Arras, two for the whole
CUA), their forms built through the form-builder services, and a few requests by the demo
resident in different states. Idempotent: procedures are matched by title."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from territoire.core.models import Commune, User
from territoire.knowledge.models import Entry
from territoire.procedures import services, workflow
from territoire.procedures.models import Procedure, Request, RequestStatus, Routing

ADMIN = "admin.cua@demo.territoire.fr"
ARRAS_AGENT = "agent.arras@demo.territoire.fr"
RESIDENT = "habitant@demo.territoire.fr"

F = dict[str, Any]


def _field(name: str, label: str, kind: str, required: bool = False, **extra) -> F:
    return {"name": name, "label": label, "type": kind, "required": required, **extra}


# (commune INSEE or None, title, summary, service, anonymous, delay, documents, pages, faq)
DEMO: list[tuple[str | None, str, str, str, bool, int, str, list[tuple[str, list[F]]], str]] = [
    (
        "62041",
        "Signalement sur la voirie",
        "Nid-de-poule, éclairage en panne, trottoir abîmé : signalez-le au service voirie.",
        "Voirie",
        True,
        10,
        "Une photo (facultative)",
        [
            (
                "Le problème",
                [
                    _field(
                        "nature",
                        "Nature du problème",
                        "choice",
                        True,
                        choices=["Nid-de-poule", "Éclairage public", "Trottoir", "Autre"],
                    ),
                    _field(
                        "precision",
                        "Précisez",
                        "text",
                        True,
                        condition={"field": "nature", "value": "Autre"},
                    ),
                    _field("adresse", "Adresse ou lieu", "address", True),
                    _field("photo", "Photo", "file", help="JPEG ou PNG, 5 Mo au plus"),
                ],
            )
        ],
        "Signaler un problème sur la voirie",
    ),
    (
        "62041",
        "Demande d'occupation du domaine public",
        "Terrasse, échafaudage ou benne sur la voie publique.",
        "Voirie",
        False,
        15,
        "Plan de situation\nAttestation d'assurance",
        [
            (
                "Votre projet",
                [
                    _field(
                        "objet",
                        "Objet",
                        "choice",
                        True,
                        choices=["Terrasse", "Échafaudage", "Benne"],
                    ),
                    _field("debut", "Date de début", "date", True),
                    _field("fin", "Date de fin", "date", True),
                    _field("adresse", "Adresse", "address", True),
                ],
            ),
            (
                "Pièces et contact",
                [
                    _field("plan", "Plan de situation", "file", True),
                    _field("telephone", "Téléphone", "phone", True),
                ],
            ),
        ],
        "Occuper le domaine public : terrasse, échafaudage, benne",
    ),
    (
        None,
        "Inscription à un atelier numérique",
        "Ateliers gratuits dans les médiathèques de la CUA.",
        "Inclusion numérique",
        True,
        7,
        "",
        [
            (
                "Votre inscription",
                [
                    _field(
                        "atelier",
                        "Atelier",
                        "choice",
                        True,
                        choices=["Découvrir internet", "Messagerie", "Démarches en ligne"],
                    ),
                    _field("age", "Âge", "number", min=6, max=120),
                    _field("telephone", "Téléphone", "phone"),
                    _field("besoin", "Besoin d'un ordinateur prêté", "checkbox"),
                ],
            )
        ],
        "Participer à un atelier numérique",
    ),
    (
        None,
        "Demande de matériel reconditionné",
        "Ordinateur ou tablette reconditionnés pour les foyers aux revenus modestes.",
        "Inclusion numérique",
        False,
        30,
        "Avis d'imposition",
        [
            (
                "Votre foyer",
                [
                    _field(
                        "materiel",
                        "Matériel souhaité",
                        "choice",
                        True,
                        choices=["Ordinateur portable", "Tablette"],
                    ),
                    _field("membres", "Membres du foyer", "group", True),
                    _field("avis", "Avis d'imposition", "file", True),
                ],
            )
        ],
        "Obtenir un ordinateur reconditionné",
    ),
    (
        None,
        "Demande de composteur individuel",
        "Un composteur de jardin, remis par la mairie de votre commune.",
        "Déchets",
        False,
        30,
        "",
        [
            (
                "Votre demande",
                [
                    _field(
                        "commune",
                        "Votre commune",
                        "commune",
                        True,
                        help="La mairie de cette commune traite la demande.",
                    ),
                    _field("adresse", "Adresse de livraison", "address", True),
                    _field(
                        "volume",
                        "Volume",
                        "choice",
                        True,
                        choices=["300 litres", "600 litres"],
                    ),
                ],
            )
        ],
        "",
    ),
]
# CUA-wide procedures whose requests go to the commune chosen in the form.
ROUTED_TO_COMMUNE = {"Demande de composteur individuel"}


class Command(BaseCommand):
    help = "Create the online-procedures demo (idempotent)."

    def handle(self, *args, **options) -> None:
        admin = User.objects.filter(email=ADMIN).first()
        agent = User.objects.filter(email=ARRAS_AGENT).first()
        resident = User.objects.filter(email=RESIDENT).first()
        if admin is None or agent is None or resident is None:
            raise CommandError("Run seed_demo first: the demo accounts are missing.")
        created = 0
        for insee, title, summary, service, anonymous, delay, docs, pages, faq in DEMO:
            if Procedure.objects.filter(title=title).exists():
                continue
            commune = Commune.objects.get(insee_code=insee) if insee else None
            actor = agent if commune else admin
            procedure = services.procedure_create(
                actor=actor,
                data=services.ProcedureData(
                    title=title,
                    commune=commune,
                    summary=summary,
                    service=service,
                    allow_anonymous=anonymous,
                    delay_days=delay,
                    documents_needed=docs,
                    who_can_ask="Toute personne habitant ou travaillant dans la CUA.",
                    knowledge_entries=list(Entry.objects.filter(title=faq)) if faq else [],
                    routing=Routing.COMMUNE if title in ROUTED_TO_COMMUNE else Routing.CUA,
                ),
            )
            for index, (page_title, fields) in enumerate(pages):
                if index:
                    services.form_edit(
                        actor=actor,
                        procedure=procedure,
                        operation="add_page",
                        params={"title": page_title},
                    )
                for field in fields:
                    services.form_edit(
                        actor=actor,
                        procedure=procedure,
                        operation="add_field",
                        params={"page": index, "field": field},
                    )
            if title == "Demande de matériel reconditionné":
                for sub in (
                    _field("prenom", "Prénom", "text", True),
                    _field("age", "Âge", "number", min=0, max=120),
                ):
                    services.form_edit(
                        actor=actor,
                        procedure=procedure,
                        operation="add_field",
                        params={"page": 0, "group": "membres", "field": sub},
                    )
            services.procedure_set_status(actor=actor, procedure=procedure, status="published")
            created += 1
        if created and not Request.objects.filter(procedure__title=DEMO[0][1]).exists():
            self._requests(resident, agent)
        self.stdout.write(f"Procedures demo: {created} procedures created.")

    def _requests(self, resident: User, agent: User) -> None:
        """Three requests of the demo resident: sent, to complete, and a draft."""
        road = Procedure.objects.get(title="Signalement sur la voirie")
        answers = {"nature": "Nid-de-poule", "adresse": "Place des Héros, Arras"}
        for index in range(3):
            request = workflow.request_start(actor=resident, procedure=road)
            if index == 2:
                continue
            workflow.request_save_page(
                actor=resident, request=request, values=dict(answers), files={}
            )
            workflow.request_submit(actor=resident, request=request)
            if index == 1:
                workflow.request_transition(
                    actor=agent,
                    request=request,
                    to_status=RequestStatus.CORRECTION,
                    message="Pouvez-vous préciser le numéro le plus proche ?",
                )
