"""Demo of citizen participation: an Arras process open for proposals, the CUA's
consultation on the data & AI charter (article by article, with a survey) in its debate phase,
and a finished process with its decision and actions. Written through the services by the
demo accounts of ``seed_demo``. Idempotent: a process that exists is left as it is."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from territoire.core.models import Commune, Membership, Role, User
from territoire.participation import services
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
                proposal = services.proposal_create(
                    actor=author, process=process, title=title, body=body, category=category
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
        self.stdout.write(
            f"Participation : {Process.objects.count()} concertations de démonstration."
        )
