"""The participation module's audit actions, with the labels agents read in the log."""

from territoire.core.audit import register_actions

register_actions(
    {
        "participation.profile_save": "Profil de participant enregistré",
        "participation.process_create": "Concertation créée",
        "participation.phase_add": "Étape ajoutée à une concertation",
        "participation.text_create": "Texte soumis à la concertation",
        "participation.survey_create": "Questionnaire créé",
        "participation.process_decide": "Décision publiée pour une concertation",
        "participation.proposal_create": "Proposition déposée",
        "participation.proposal_answer": "Réponse à une proposition",
        "participation.support_add": "Proposition soutenue",
        "participation.debate_create": "Débat ouvert",
        "participation.comment_create": "Commentaire publié",
        "participation.comment_vote": "Vote sur un commentaire",
        "participation.synthesis_publish": "Synthèse d'un texte publiée",
        "participation.survey_answer": "Réponse à un questionnaire",
        "participation.report": "Contribution signalée",
        "participation.auto_hide": "Contribution masquée automatiquement après signalements",
        "participation.hide": "Contribution masquée par la modération",
        "participation.restore": "Contribution rétablie par la modération",
        "participation.ban": "Participant exclu",
        "participation.unban": "Exclusion levée",
        "participation.action_save": "Action de suivi enregistrée",
        "participation.follow": "Suivi d'une concertation ou d'une proposition",
        "participation.unfollow": "Fin du suivi",
        "participation.account_delete": "Compte supprimé (contributions anonymisées)",
        "participation.digest_sent": "Résumé envoyé aux abonnés",
        "participation.account_purge": "Compte inutilisé depuis trois ans effacé",
        "participation.proposal_edit": "Proposition modifiée par son auteur",
        "participation.debate_edit": "Débat modifié par son auteur",
        "participation.comment_edit": "Commentaire modifié par son auteur",
        "participation.process_update": "Concertation modifiée",
        "participation.phase_update": "Étape d'une concertation modifiée",
        "participation.phase_delete": "Étape d'une concertation supprimée",
        "participation.ballot_cast": "Bulletin de vote déposé",
        "participation.unsubscribe": "Désabonnement des résumés par courriel",
    }
)
