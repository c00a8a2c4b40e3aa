"""PDFs (ReportLab): a commune's GDPR register, for the DPO's files and CADA requests, and the
fill-in templates of a project's impact assessments."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from territoire.governance.impact_forms import ImpactForm
from territoire.governance.models import ProcessingActivity, Project
from territoire.governance.opendata import activity_cells

LABELS = [
    "Traitement",
    "Logiciel",
    "Responsable conjoint",
    "Finalités",
    "Base légale",
    "Personnes concernées",
    "Données et durées de conservation",
    "Données sensibles",
    "Destinataires internes",
    "Organismes externes",
    "Sous-traitants",
    "Transferts hors UE",
    "Mesures de sécurité",
    "AIPD",
    "Mise à jour",
]


def register_pdf(owner: str, activities: Sequence[ProcessingActivity]) -> bytes:
    """One page of title, then one table per processing activity."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Registre des activités de traitement — {owner}",
        author=owner,
        lang="fr",
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
    )
    story: list = [
        Paragraph(escape(f"Registre des activités de traitement — {owner}"), styles["Title"]),
        Paragraph(
            escape(
                f"Article 30 du RGPD, modèle de la CNIL. {len(activities)} traitement(s). "
                f"Édité le {timezone.localdate():%d/%m/%Y}."
            ),
            styles["Normal"],
        ),
        Spacer(1, 0.5 * cm),
    ]
    cell = styles["BodyText"]
    for index, activity in enumerate(activities):
        if index:
            story.append(PageBreak())
        values = activity_cells(activity)
        story.append(Paragraph(escape(activity.name), styles["Heading2"]))
        table = Table(
            [
                [
                    Paragraph(escape(label), cell),
                    Paragraph(escape(value or "—").replace("\n", "<br/>"), cell),
                ]
                for label, value in zip(LABELS[1:], values[1:], strict=True)
            ],
            colWidths=[5 * cm, 12.5 * cm],
        )
        table.setStyle(
            TableStyle(
                [("GRID", (0, 0), (-1, -1), 0.5, "#888888"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
            )
        )
        story.append(table)
    doc.build(story)
    return buffer.getvalue()


def impact_form_pdf(project: Project, form: ImpactForm) -> bytes:
    """The fill-in template as PDF: each question, what is already known, and room to answer."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    title = f"{form.title} — {project.title}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=project.owner_label,
        lang="fr",
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
    )
    cell = styles["BodyText"]

    def text(value: str) -> str:
        return escape(value).replace("\n", "<br/>")

    story: list = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            text(
                f"{form.legal_reference}. Projet de {project.owner_label}, version "
                f"{project.revision}. Modèle pré-rempli le {timezone.localdate():%d/%m/%Y} à "
                "partir de la fiche du projet : confirmez ou complétez ce qui est déjà connu, "
                "répondez aux autres questions."
            ),
            styles["Normal"],
        ),
    ]
    if form.why:
        story.append(Paragraph("Pourquoi cette analyse est requise", styles["Heading3"]))
        story += [Paragraph(text(f"• {r.text} ({r.reference})"), cell) for r in form.why]
    for part in form.parts:
        story.append(Paragraph(escape(part.title), styles["Heading2"]))
        if part.intro:
            story.append(Paragraph(escape(part.intro), cell))
        rows = []
        for question in part.questions:
            known = (
                f"Déjà connu ({question.source}) : {question.known}"
                if question.known
                else "À compléter."
            )
            rows.append([Paragraph(text(question.text), cell), Paragraph(text(known), cell)])
            rows.append([Paragraph("Réponse :", cell), Spacer(1, 2.5 * cm)])
        table = Table(rows, colWidths=[7 * cm, 10.5 * cm])
        table.setStyle(
            TableStyle(
                [("GRID", (0, 0), (-1, -1), 0.5, "#888888"), ("VALIGN", (0, 0), (-1, -1), "TOP")]
            )
        )
        story.append(table)
    doc.build(story)
    return buffer.getvalue()
