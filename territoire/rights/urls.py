from django.urls import path

from territoire.rights import views

app_name = "rights"

urlpatterns = [
    path("", views.home, name="home"),
    path("recommencer/", views.restart, name="restart"),
    path("questions/<slug:slug>/", views.step, name="step"),
    path("resultat/", views.result, name="result"),
    path("resultat/estimation-droits.txt", views.summary_download, name="download"),
    path("simulations/", views.saved, name="saved"),
    path("aides-locales/", views.local_aids, name="local_aids"),
    path("aides-locales/nouvelle/", views.local_aid_edit, name="local_aid_create"),
    path("aides-locales/<int:pk>/", views.local_aid_edit, name="local_aid_edit"),
    path("import/", views.pooled_import, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/avancement/", views.import_progress, name="import_progress"),
    path("non-reclames/", views.detections, name="detections"),
    path("non-reclames/export.csv", views.detections_csv, name="detections_csv"),
    path("non-reclames/foyer/<int:pk>/", views.household, name="household"),
    path("non-reclames/<int:pk>/suivi/", views.follow_up, name="follow_up"),
    path("statistiques/", views.stats, name="stats"),
    path("statistiques/export.csv", views.stats_csv, name="stats_csv"),
]
