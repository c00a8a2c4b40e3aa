from django.urls import path

from territoire.insights import opendata, views

app_name = "insights"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("domaine/<slug:domain>/", views.domain, name="domain"),
    path("domaine/<slug:domain>.csv", views.domain, {"as_csv": True}, name="domain_csv"),
    path("synthese/", views.summary, name="summary"),
    path("carte/", views.map_view, name="map"),
    path("batiments/", views.building_list, name="buildings"),
    path("batiments/<int:pk>/", views.building_detail, name="building"),
    path("batiments/<int:pk>/reglages/", views.building_settings, name="building_settings"),
    path("batiments/<int:pk>/<slug:what>.csv", views.building_detail, name="building_csv"),
    path("alertes/", views.alert_list, name="alerts"),
    path("alertes/abonnement/", views.subscription, name="subscription"),
    path("alertes/direct.json", views.live, name="live"),
    path("alertes/regles/", views.rule_list, name="rules"),
    path("alertes/regles/nouvelle/", views.rule_edit, name="rule_new"),
    path("alertes/regles/<int:pk>/", views.rule_edit, name="rule"),
    path("alertes/<int:pk>/", views.alert_detail, name="alert"),
    path("alertes/<int:pk>/<slug:action>/", views.alert_action, name="alert_action"),
    path("donnees-ouvertes/", opendata.index, name="opendata"),
    path("donnees-ouvertes/catalogue.jsonld", opendata.catalogue, name="catalogue"),
    path("donnees-ouvertes/<slug:slug>.schema.json", opendata.schema, name="schema"),
    path("donnees-ouvertes/<slug:slug>.<str:fmt>", opendata.dataset, name="dataset"),
]
