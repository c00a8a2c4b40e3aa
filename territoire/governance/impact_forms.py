"""Fill-in templates of the two impact assessments a project sheet may call for, built from
the sheet: the DPIA (GDPR art. 35, following the four parts of the CNIL's PIA method) and the
fundamental-rights impact assessment, FRIA (AI Act art. 27(1) points a–f).

What the sheet (or a linked sheet of the GDPR register) already says is pre-filled, with
where it comes from; the rest is left as questions to answer. Pure: nothing is stored, so a
template always reflects the current revision of the sheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from territoire.governance import legal
from territoire.governance.assessments import Reason

if TYPE_CHECKING:
    from territoire.governance.models import ProcessingActivity, Project

SHEET = "fiche du projet"
REGISTER = "registre RGPD"
SCALE = "Échelle : négligeable, limitée, importante, maximale."


@dataclass(frozen=True)
class Question:
    text: str
    known: str = ""  # the answer already known, to confirm or complete
    source: str = ""  # where the known answer comes from
    hint: str = ""


@dataclass(frozen=True)
class Part:
    title: str
    questions: tuple[Question, ...]
    intro: str = ""


@dataclass(frozen=True)
class ImpactForm:
    kind: str  # "aipd" or "aidf" (the URL's word)
    title: str
    short: str
    legal_reference: str
    required: bool
    why: tuple[Reason, ...]  # what makes it required (the screen's reasons)
    parts: tuple[Part, ...]

    @property
    def unanswered(self) -> int:
        return sum(not q.known for part in self.parts for q in part.questions)


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"


def _activity(project: Project) -> ProcessingActivity | None:
    return project.activities.order_by("pk").first()


def _people(project: Project) -> str:
    extra = [
        label
        for flag, label in (
            (project.vulnerable_people, "dont des personnes vulnérables"),
            (project.large_scale, "à grande échelle"),
        )
        if flag
    ]
    return project.people_affected + (f" ({', '.join(extra)})" if extra else "")


def dpia_form(project: Project) -> ImpactForm:
    from territoire.governance.models import DATA_CATEGORIES, SECURITY_MEASURES

    screening = project.screening()
    activity = _activity(project)
    retention = (
        "\n".join(
            f"{DATA_CATEGORIES.get(code, code)} : {text}"
            for code, text in activity.retention.items()
        )
        if activity
        else ""
    )
    measures = (
        ", ".join(SECURITY_MEASURES.get(code, code) for code in activity.security_measures)
        if activity
        else ""
    )
    risk_questions = [
        _risk(risk)
        for risk in (
            "Accès illégitime à des données",
            "Modification non désirée de données",
            "Disparition de données",
        )
    ]
    parts = (
        Part(
            "1. Contexte",
            (
                Question("Quel est le traitement, et à quoi sert-il ?", project.purpose, SHEET),
                Question(
                    "Qui est responsable du traitement, et quel service le porte ?",
                    f"{project.owner_label} — {project.service_owner}",
                    SHEET,
                ),
                Question("Quel bénéfice pour le service public ?", project.public_benefit, SHEET),
                Question(
                    "Quelles données sont traitées ? Des données sensibles ?",
                    f"{project.data_categories}\nDonnées sensibles : "
                    f"{_yes_no(project.sensitive_data)}",
                    SHEET,
                ),
                Question("D'où viennent les données ?", project.data_sources, SHEET),
                Question("Quelles personnes sont concernées ?", _people(project), SHEET),
                Question(
                    "Quels sont les supports des données (logiciels, matériels, réseaux, "
                    "hébergement) ?",
                    project.hosting and f"Hébergement : {project.hosting}",
                    SHEET,
                ),
                Question(
                    "Quel est le cycle de vie des données (collecte, utilisation, conservation, "
                    "suppression) ?"
                ),
            ),
        ),
        Part(
            "2. Principes fondamentaux",
            (
                Question(
                    "Les finalités sont-elles déterminées, explicites et légitimes ?",
                    project.purpose,
                    SHEET,
                ),
                Question(
                    "Sur quelle base légale repose le traitement (RGPD, art. 6) ?",
                    activity.get_legal_basis_display() if activity else "",
                    REGISTER,
                ),
                Question(
                    "Chaque donnée est-elle adéquate, pertinente et limitée à ce qui est "
                    "nécessaire (minimisation) ?"
                ),
                Question("Comment les données sont-elles tenues exactes et à jour ?"),
                Question(
                    "Combien de temps chaque catégorie de données est-elle conservée ?",
                    retention,
                    REGISTER,
                ),
                Question(
                    "Comment les personnes sont-elles informées, et comment contestent-elles ?",
                    project.information_and_contest,
                    SHEET,
                ),
                Question(
                    "Comment exercent-elles leurs droits (accès, rectification, effacement, "
                    "limitation, opposition) ?"
                ),
                Question(
                    "Quels sous-traitants, avec quel contrat (RGPD, art. 28) ?",
                    project.vendors,
                    SHEET,
                ),
                Question(
                    "Des données sont-elles transférées hors de l'Union européenne ?",
                    (activity.transfer_details or "non") if activity else "",
                    REGISTER,
                ),
            ),
        ),
        Part(
            "3. Risques pour les droits et libertés des personnes",
            (
                Question(
                    "Quelles mesures de sécurité existent déjà ?",
                    measures,
                    REGISTER,
                ),
                *risk_questions,
            ),
            "Pour chaque risque : impacts sur les personnes, menaces, sources, mesures, "
            "gravité et vraisemblance.",
        ),
        Part(
            "4. Validation",
            (
                Question("Quel plan d'action pour les mesures restant à mettre en œuvre ?"),
                Question("Quel est l'avis du délégué à la protection des données ?"),
                Question(
                    "Quel est l'avis des personnes concernées ou de leurs représentants "
                    "(RGPD, art. 35(9)), ou pourquoi ne pas l'avoir demandé ?"
                ),
                Question("Le responsable du traitement valide-t-il l'analyse, et quand ?"),
            ),
        ),
    )
    return ImpactForm(
        kind="aipd",
        title="Analyse d'impact relative à la protection des données (AIPD)",
        short="AIPD",
        legal_reference="RGPD, art. 35 ; méthode PIA de la CNIL",
        required=screening.dpia_required,
        why=screening.dpia.reasons,
        parts=parts,
    )


def _risk(name: str) -> Question:
    return Question(
        f"{name} : quels impacts sur les personnes, quelles menaces et sources de risque, "
        "quelles mesures ? Quelle gravité et quelle vraisemblance ?",
        hint=SCALE,
    )


def fria_form(project: Project) -> ImpactForm:
    screening = project.screening()
    uses = ", ".join(
        item.label for code, item in legal.HIGH_RISK_USES.items() if code in project.ai_uses
    )
    parts = (
        Part(
            "Article 27(1) du règlement sur l'IA",
            (
                Question(
                    "a) Dans quels processus de la collectivité le système d'IA est-il utilisé, "
                    "conformément à sa destination ?",
                    f"{project.purpose}\nType d'IA : {project.ai_kind or '—'}"
                    + (f"\nUsage à haut risque : {uses}" if uses else ""),
                    SHEET,
                ),
                Question(
                    "b) Pendant quelle période et à quelle fréquence le système sera-t-il utilisé ?"
                ),
                Question(
                    "c) Quelles catégories de personnes physiques et quels groupes sont "
                    "susceptibles d'être concernés ?",
                    _people(project),
                    SHEET,
                ),
                Question(
                    "d) Quels risques spécifiques de préjudice pour ces personnes (dignité, "
                    "non-discrimination, vie privée, accès aux services publics, recours "
                    "effectif…), compte tenu des informations du fournisseur (art. 13) ?"
                ),
                Question(
                    "e) Quelles mesures de contrôle humain, selon la notice d'utilisation ?",
                    project.human_oversight,
                    SHEET,
                ),
                Question(
                    "f) Que fera la collectivité si ces risques se réalisent (gouvernance "
                    "interne, mécanismes de plainte et de recours) ?",
                    project.information_and_contest,
                    SHEET,
                ),
            ),
        ),
        Part(
            "Suites",
            (
                Question(
                    "L'AIPD du projet (RGPD, art. 35) couvre-t-elle déjà certains points "
                    "(art. 27(4)) ? Lesquels ?",
                    "AIPD requise par le calcul" if screening.dpia_required else "",
                    SHEET,
                ),
                Question(
                    "Quand les résultats ont-ils été notifiés à l'autorité de surveillance du "
                    "marché (art. 27(3)) ?"
                ),
                Question("Quand l'analyse sera-t-elle mise à jour (changement d'un élément) ?"),
            ),
        ),
    )
    return ImpactForm(
        kind="aidf",
        title="Analyse d'impact sur les droits fondamentaux (AIDF)",
        short="AIDF",
        legal_reference=f"{legal.AI_ACT}, art. 27",
        required=screening.fria_required,
        why=screening.ai_act.reasons,
        parts=parts,
    )


FORMS = {"aipd": dpia_form, "aidf": fria_form}


def required_forms(project: Project) -> list[tuple[str, str]]:
    """(kind, title) of the assessments the screens say this project must carry out."""
    screening = project.screening()
    out = []
    if screening.dpia_required:
        out.append(("aipd", "Analyse d'impact relative à la protection des données (AIPD)"))
    if screening.fria_required:
        out.append(("aidf", "Analyse d'impact sur les droits fondamentaux (AIDF)"))
    return out
