from django.urls import path

from territoire.procedures import backoffice, views

app_name = "procedures"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<int:pk>/", views.procedure_detail, name="detail"),
    path("<int:pk>/commencer/", views.request_start, name="start"),
    path("mes-demandes/", views.my_requests, name="mine"),
    path("suivre/", views.track, name="track"),
    path("demande/<str:tracking>/", views.request_page, name="request"),
    path("demande/<str:tracking>/page-<int:page>/", views.request_fill, name="fill"),
    path("demande/<str:tracking>/verifier/", views.request_review, name="review"),
    path("demande/<str:tracking>/envoyer/", views.request_submit, name="submit"),
    path("demande/<str:tracking>/message/", views.request_message, name="message"),
    path("demande/<str:tracking>/pieces/<int:pk>/", views.attachment_download, name="attachment"),
    # Agents
    path("guichet/", backoffice.queue, name="queue"),
    path("guichet/demandes.csv", backoffice.queue_csv, name="queue_csv"),
    path("guichet/lot/", backoffice.queue_bulk, name="bulk"),
    path("guichet/statistiques/", backoffice.statistics, name="statistics"),
    path("guichet/<str:tracking>/", backoffice.request_file, name="agent_request"),
    path("catalogue/", backoffice.manage, name="manage"),
    path("catalogue/nouvelle/", backoffice.procedure_create, name="create"),
    path("catalogue/<int:pk>/", backoffice.builder, name="builder"),
    path("catalogue/<int:pk>/informations/", backoffice.procedure_edit, name="edit"),
    path("catalogue/<int:pk>/apercu/", backoffice.builder_preview, name="preview"),
    path("catalogue/<int:pk>/courriels/", backoffice.email_texts, name="email_texts"),
]
