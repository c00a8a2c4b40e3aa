from django.urls import path, register_converter

from territoire.core import signup, views
from territoire.core.converters import InseeCodeConverter

register_converter(InseeCodeConverter, "insee")

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("communes/", views.commune_list, name="communes"),
    path("communes/<insee:insee_code>/", views.commune_detail, name="commune"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oublie/envoye/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/fait/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("inscription/", signup.signup, name="signup"),
    path("inscription/envoyee/", signup.signup_sent, name="signup_sent"),
    path("inscription/confirmer/<str:token>/", signup.signup_confirm, name="signup_confirm"),
    path("mon-espace/", views.my_space, name="my_space"),
    path("mon-espace/mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("administration/membres/", views.members_home, name="members_home"),
    path("administration/membres/<str:scope>/", views.members, name="members"),
    path(
        "administration/rattachements/<int:pk>/retirer/",
        views.membership_revoke,
        name="membership_revoke",
    ),
    path("administration/journal/", views.audit_log, name="audit_log"),
    path("administration/journal.csv", views.audit_log_csv, name="audit_log_csv"),
    path("administration/cles-api/", views.api_keys_home, name="api_keys_home"),
    path("administration/cles-api/<insee:insee_code>/", views.api_keys, name="api_keys"),
    path(
        "administration/cles-api/cle/<int:pk>/revoquer/",
        views.api_key_revoke,
        name="api_key_revoke",
    ),
    path(
        "accessibilite/",
        views.static_page("core/pages/accessibility.html", "Accessibilité"),
        name="accessibility",
    ),
    path(
        "mentions-legales/",
        views.static_page("core/pages/legal_notice.html", "Mentions légales"),
        name="legal_notice",
    ),
    path(
        "donnees-personnelles/",
        views.static_page("core/pages/personal_data.html", "Données personnelles"),
        name="personal_data",
    ),
    path("plan-du-site/", views.site_map, name="site_map"),
]
