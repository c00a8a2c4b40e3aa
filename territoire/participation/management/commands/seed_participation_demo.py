"""Demo of citizen participation: an Arras process open for proposals, the CUA's
consultation on the data & AI charter (article by article, with a survey) in its debate phase,
and a finished process with its decision and actions. Written through the services by the
demo accounts of ``seed_demo``. Idempotent: a process that exists is left as it is."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from PIL import Image, ImageDraw

from territoire.core.models import Commune, Membership, Role, User
from territoire.participation import ballots, editing, services
from territoire.participation.models import (
    ActionStatus,
    PhaseKind,
    Process,
    Profile,
    ProposalStatus,
    Question,
    QuestionKind,
    Survey,
    Text,
)

ADMIN = "admin.cua@demo.territoire.fr"
AGENT = "agent.arras@demo.territoire.fr"
CITIZEN = "habitant@demo.territoire.fr"
NEIGHBOURS = [
    ("voisin1@demo.territoire.fr", "Hirondelle"),
    ("voisin2@demo.territoire.fr", "Beffroi"),
]

CHARTER = [
    ("Finalité", "Les données publiques servent l'intérêt général des habitants du territoire."),
    ("Transparence", "Chaque algorithme utilisé pour une décision individuelle est publié."),
    ("Sobriété", "On ne collecte que les données nécessaires, et on les garde le temps utile."),
    ("Contrôle humain", "Aucune décision individuelle n'est prise par une IA seule."),
    ("Ouverture", "Les données non personnelles sont publiées en données ouvertes."),
]
IDEAS = [
    ("Des bancs le long de la Scarpe", "Installer des bancs tous les 200 mètres.", "Cadre de vie"),
    ("Un atelier de réparation de vélos", "Un lieu ouvert le samedi, avec des outils.", "Mobilité"),
    ("Des nichoirs dans les écoles", "Construire des nichoirs avec les élèves.", "Nature"),
    ("Éclairer le passage de la gare", "Le passage est sombre le soir.", "Cadre de vie"),
]
# Where each idea is (latitude, longitude), for the map; None: not located.
PLACES = [
    (Decimal("50.29520"), Decimal("2.76710")),
    (Decimal("50.28830"), Decimal("2.78290")),
    None,
    (Decimal("50.28690"), Decimal("2.78150")),
]
BUDGET_IDEAS = [
    ("Un jardin partagé à Saint-Sauveur", "Des parcelles pour les habitants du quartier."),
    ("Des arceaux vélos devant la médiathèque", "Vingt arceaux couverts."),
    ("Une aire de jeux inclusive", "Des jeux accessibles aux enfants en fauteuil."),
]


def _demo_photo() -> SimpleUploadedFile:
    """A drawn picture (sky, grass, a bench) so the demo shows a photo without any file."""
    image = Image.new("RGB", (640, 400), (170, 205, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 260, 640, 400), fill=(90, 150, 70))
    draw.rectangle((220, 220, 420, 236), fill=(120, 80, 40))
    draw.rectangle((230, 236, 244, 290), fill=(60, 60, 60))
    draw.rectangle((396, 236, 410, 290), fill=(60, 60, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("banc.png", buffer.getvalue(), content_type="image/png")


def _participant(email: str, pseudonym: str, commune: Commune | None) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password="Territoire-Demo-2026")
        Membership.objects.get_or_create(user=user, role=Role.CITIZEN, commune=None, module="")
    if not Profile.objects.filter(user=user).exists():
        services.profile_save(actor=user, pseudonym=pseudonym, commune=commune, accept_notice=True)
    return user


class Command(BaseCommand):
    help = "Crée les concertations de démonstration (idempotent)."

    def handle(self, *args, **options) -> None:
        try:
            admin = User.objects.get(email=ADMIN)
            agent = User.objects.get(email=AGENT)
            arras = Commune.objects.get(insee_code="62041")
        except (User.DoesNotExist, Commune.DoesNotExist):
            raise CommandError("Lancez d'abord seed_demo (comptes et communes).") from None
        now = timezone.now()
        day = timedelta(days=1)
        citizen = _participant(CITIZEN, "Camille62", arras)
        neighbours = [_participant(email, name, arras) for email, name in NEIGHBOURS]

        if not Process.objects.filter(title="Embellir Arras : vos idées pour 2027").exists():
            process = services.process_create(
                actor=agent,
                title="Embellir Arras : vos idées pour 2027",
                summary="Proposez des aménagements pour les quartiers d'Arras.",
                description="La ville consacre 200 000 € aux idées des habitants.",
                commune=arras,
                residents_only=True,
                categories=["Cadre de vie", "Mobilité", "Nature"],
                phases=[
                    (PhaseKind.INFORMATION, now - 20 * day, now - 10 * day),
                    (PhaseKind.PROPOSALS, now - 10 * day, now + 20 * day),
                    (PhaseKind.VOTE, now + 20 * day, now + 35 * day),
                    (PhaseKind.RESULTS, now + 35 * day, now + 120 * day),
                ],
            )
            authors = [citizen, *neighbours]
            for n, (title, body, category) in enumerate(IDEAS):
                author = authors[n % len(authors)]
                place = PLACES[n]
                proposal = services.proposal_create(
                    actor=author,
                    process=process,
                    title=title,
                    body=body,
                    category=category,
                    latitude=place[0] if place else None,
                    longitude=place[1] if place else None,
                    photo=_demo_photo() if n == 0 else None,
                    photo_alt="Dessin d'un banc sur une pelouse au bord de l'eau" if n == 0 else "",
                )
                for supporter in authors:
                    if supporter != author:
                        services.support_add(actor=supporter, proposal=proposal)
                comment = services.comment_create(
                    actor=authors[(n + 1) % len(authors)], target=proposal, body="Bonne idée !"
                )
                services.comment_create(
                    actor=author,
                    target=proposal,
                    body="Merci, je précise : côté est.",
                    parent=comment,
                )
                services.comment_vote(
                    actor=authors[(n + 2) % len(authors)], comment=comment, value=1
                )
            first = process.proposals.order_by("id").first()
            assert first is not None
            services.proposal_answer(
                actor=agent,
                proposal=first,
                status=ProposalStatus.STUDIED,
                answer="Les services techniques étudient les emplacements.",
            )

        if not Process.objects.filter(title="Charte de la donnée et de l'IA").exists():
            process = services.process_create(
                actor=admin,
                title="Charte de la donnée et de l'IA",
                summary="Donnez votre avis, article par article, sur le projet de charte.",
                commune=None,
                phases=[
                    (PhaseKind.INFORMATION, now - 15 * day, now - 5 * day),
                    (PhaseKind.DEBATE, now - 5 * day, now + 25 * day),
                    (PhaseKind.RESULTS, now + 25 * day, now + 90 * day),
                ],
            )
            text = Text.objects.create(
                process=process,
                title="Projet de charte de la donnée et de l'IA",
                introduction="Le projet rédigé par le comité données et IA de la CUA.",
            )
            for number, (title, body) in enumerate(CHARTER, start=1):
                text.articles.create(number=number, title=title, body=body)
            article = text.articles.get(number=4)
            services.comment_create(
                actor=citizen, target=article, body="Qui contrôle, et comment le saisir ?"
            )
            services.debate_create(
                actor=neighbours[0],
                process=process,
                title="Faut-il des caméras intelligentes ?",
                body="Je suis inquiet de la vidéosurveillance automatisée.",
            )
            survey = Survey.objects.create(
                process=process,
                title="Vos attentes sur la donnée publique",
                introduction="Trois questions, deux minutes.",
            )
            Question.objects.bulk_create(
                [
                    Question(
                        survey=survey,
                        position=1,
                        kind=QuestionKind.SINGLE,
                        label="Faites-vous confiance à la collectivité pour vos données ?",
                        choices=["Oui", "Plutôt oui", "Plutôt non", "Non"],
                    ),
                    Question(
                        survey=survey,
                        position=2,
                        kind=QuestionKind.MULTIPLE,
                        label="Quelles données ouvertes vous intéressent ?",
                        choices=["Qualité de l'air", "Bruit", "Stationnement", "Budget"],
                    ),
                    Question(
                        survey=survey,
                        position=3,
                        kind=QuestionKind.SCALE,
                        label="L'IA peut aider les services publics.",
                    ),
                    Question(
                        survey=survey,
                        position=4,
                        kind=QuestionKind.TEXT,
                        label="Autre chose à nous dire ?",
                        required=False,
                    ),
                ]
            )
            questions = list(survey.questions.all())
            for person, answers in (
                (neighbours[0], ["Plutôt oui", ["Bruit", "Budget"], "4", ""]),
                (neighbours[1], ["Plutôt non", ["Qualité de l'air"], "2", "Plus de transparence."]),
            ):
                services.survey_answer(
                    actor=person,
                    survey=survey,
                    answers={str(q.pk): a for q, a in zip(questions, answers, strict=True)},
                )

        if not Process.objects.filter(title="Réaménagement de la place des Héros").exists():
            process = services.process_create(
                actor=agent,
                title="Réaménagement de la place des Héros",
                summary="La concertation de 2025 est terminée : voici ce qui a été décidé.",
                commune=arras,
                phases=[
                    (PhaseKind.PROPOSALS, now - 300 * day, now - 200 * day),
                    (PhaseKind.RESULTS, now - 200 * day, now + 200 * day),
                ],
            )
            services.process_decide(
                actor=agent,
                process=process,
                decision="Le conseil municipal a retenu la piétonnisation le week-end.",
            )
            for title, status, progress in (
                ("Piétonnisation le week-end", ActionStatus.DONE, 100),
                ("Nouveaux bancs et ombrages", ActionStatus.IN_PROGRESS, 40),
                ("Fontaine à boire", ActionStatus.PLANNED, 0),
            ):
                services.action_save(
                    actor=agent, process=process, title=title, status=status, progress=progress
                )
        if not Process.objects.filter(title="Budget participatif d'Arras : votez").exists():
            # Proposals are only accepted during the proposals phase: the phase is turned into
            # the vote phase once they are in (as an agent would, audited).
            process = services.process_create(
                actor=agent,
                title="Budget participatif d'Arras : votez",
                summary="Choisissez jusqu'à deux projets parmi ceux des habitants.",
                commune=arras,
                phases=[(PhaseKind.PROPOSALS, now - 30 * day, now + 14 * day)],
            )
            for n, (title, body) in enumerate(BUDGET_IDEAS):
                services.proposal_create(
                    actor=neighbours[n % len(neighbours)], process=process, title=title, body=body
                )
            phase = process.phases.get()
            editing.phase_update(
                actor=agent,
                phase=phase,
                kind=PhaseKind.VOTE,
                starts_at=phase.starts_at,
                ends_at=phase.ends_at,
            )
            editing.process_update(
                actor=agent,
                process=process,
                title=process.title,
                summary=process.summary,
                votes_per_ballot=2,
            )
            ids = list(process.proposals.order_by("id").values_list("id", flat=True))
            for n, voter in enumerate(neighbours):
                ballots.ballot_cast(actor=voter, process=process, proposal_ids=ids[n : n + 2])
        self.stdout.write(
            f"Participation : {Process.objects.count()} concertations de démonstration."
        )
