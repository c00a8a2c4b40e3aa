from django.urls import path

from territoire.participation import views, views_contrib, views_manage

app_name = "participation"

urlpatterns = [
    path("", views.process_list, name="processes"),
    path("nouvelle/", views_manage.process_new, name="process_new"),
    path("mon-profil/", views_manage.profile, name="profile"),
    path("mon-compte/supprimer/", views_manage.account_delete, name="account_delete"),
    path("moderation/", views_manage.moderation, name="moderation"),
    path(
        "moderation/<str:kind>/<int:pk>/<str:verb>/",
        views_manage.moderate,
        name="moderate",
    ),
    path("moderation/participant/<int:pk>/exclure/", views_manage.ban, name="ban"),
    path("signaler/<str:kind>/<int:pk>/", views_manage.report, name="report"),
    path("desabonnement/<str:token>/", views_contrib.unsubscribe, name="unsubscribe"),
    path("donnees-ouvertes/", views_manage.open_data, name="open_data"),
    path(
        "donnees-ouvertes/<str:name>.<str:fmt>",  # CSV; JSON and schema: the API
        views_manage.open_data_file,
        name="open_data_file",
    ),
    path("<slug:slug>/", views.process_detail, name="process"),
    path("<slug:slug>/suivre/", views.follow, name="follow"),
    path("<slug:slug>/preparer/", views_manage.process_manage, name="process_manage"),
    path("<slug:slug>/modifier/", views_manage.process_edit, name="process_edit"),
    path("<slug:slug>/etapes/<int:pk>/modifier/", views_manage.phase_edit, name="phase_edit"),
    path("<slug:slug>/voter/", views_contrib.ballot, name="ballot"),
    path("<slug:slug>/resultats-du-vote/", views_contrib.vote_results, name="vote_results"),
    path("<slug:slug>/resultats/", views.results, name="results"),
    path("<slug:slug>/resultats/publier/", views_manage.decision, name="decision"),
    path("<slug:slug>/propositions/nouvelle/", views.proposal_new, name="proposal_new"),
    path("<slug:slug>/propositions/<int:pk>/", views.proposal_detail, name="proposal"),
    path("<slug:slug>/propositions/<int:pk>/photo/", views.proposal_photo, name="proposal_photo"),
    path(
        "<slug:slug>/propositions/<int:pk>/modifier/",
        views_contrib.proposal_edit,
        name="proposal_edit",
    ),
    path("<slug:slug>/debats/<int:pk>/modifier/", views_contrib.debate_edit, name="debate_edit"),
    path(
        "<slug:slug>/commentaires/<int:pk>/modifier/",
        views_contrib.comment_edit,
        name="comment_edit",
    ),
    path(
        "<slug:slug>/propositions/<int:pk>/soutenir/",
        views.proposal_support,
        name="proposal_support",
    ),
    path(
        "<slug:slug>/propositions/<int:pk>/repondre/", views.proposal_answer, name="proposal_answer"
    ),
    path("<slug:slug>/debats/nouveau/", views.debate_new, name="debate_new"),
    path("<slug:slug>/debats/<int:pk>/", views.debate_detail, name="debate"),
    path("<slug:slug>/textes/<int:pk>/", views.text_detail, name="text"),
    path("<slug:slug>/textes/<int:pk>/synthese/", views_manage.synthesis, name="synthesis"),
    path(
        "<slug:slug>/textes/<int:pk>/articles/<int:number>/",
        views.article_detail,
        name="article",
    ),
    path("<slug:slug>/commenter/<str:kind>/<int:pk>/", views.comment_create, name="comment_create"),
    path("<slug:slug>/commentaires/<int:pk>/voter/", views.comment_vote, name="comment_vote"),
    path("<slug:slug>/questionnaires/<int:pk>/", views.survey_detail, name="survey"),
    path(
        "<slug:slug>/questionnaires/<int:pk>/resultats/",
        views.survey_results,
        name="survey_results",
    ),
]
