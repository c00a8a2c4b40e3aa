from django.urls import path

from territoire.governance.views import impact, manage, projects, public

app_name = "governance"

urlpatterns = [
    path("", public.home, name="home"),
    # charter
    path("charte/", public.charter, name="charter"),
    path("charte/v<int:number>/", public.charter_version, name="charter_version"),
    path("charte/comparer/", public.charter_compare, name="charter_compare"),
    path("charte/preparer/", manage.charter_manage, name="charter_manage"),
    path(
        "charte/preparer/nouvelle-version/",
        manage.charter_draft_create,
        name="charter_draft_create",
    ),
    path("charte/preparer/publier/", manage.charter_publish, name="charter_publish"),
    path("charte/preparer/principe/", manage.principle_edit, name="principle_add"),
    path("charte/preparer/principe/<int:pk>/", manage.principle_edit, name="principle_edit"),
    # the committee's annual public report
    path("bilan/", public.annual_report_latest, name="annual_report_latest"),
    path("bilan/<int:year>/", public.annual_report, name="annual_report"),
    path("bilan/<int:year>/<slug:table>.csv", public.annual_report_csv, name="annual_report_csv"),
    # register of algorithms
    path("algorithmes/", public.algorithms, name="algorithms"),
    path("algorithmes/registre.csv", public.algorithms_csv, name="algorithms_csv"),
    path("algorithmes/gerer/", manage.algorithms_manage, name="algorithms_manage"),
    path("algorithmes/gerer/nouveau/", manage.algorithm_edit, name="algorithm_add"),
    path("algorithmes/gerer/<int:pk>/", manage.algorithm_edit, name="algorithm_edit"),
    path(
        "algorithmes/gerer/<int:pk>/publication/",
        manage.algorithm_publish,
        name="algorithm_publish",
    ),
    path("algorithmes/<slug:slug>/", public.algorithm_detail, name="algorithm"),
    # data catalogue
    path("catalogue/", public.datasets, name="datasets"),
    path("catalogue/gerer/", manage.datasets_manage, name="datasets_manage"),
    path("catalogue/gerer/nouveau/", manage.dataset_edit, name="dataset_add"),
    path("catalogue/gerer/<int:pk>/", manage.dataset_edit, name="dataset_edit"),
    path("catalogue/<slug:slug>/", public.dataset_detail, name="dataset"),
    # projects and committee
    path("projets/", projects.project_list, name="projects"),
    path("projets/nouveau/", projects.project_create, name="project_add"),
    path("projets/<int:pk>/", projects.project_detail, name="project"),
    path("projets/<int:pk>/modifier/", projects.project_edit, name="project_edit"),
    path("projets/<int:pk>/analyse-impact/<slug:kind>/", impact.impact_form, name="impact_form"),
    path(
        "projets/<int:pk>/analyse-impact/<slug:kind>.pdf",
        impact.impact_form_download,
        name="impact_form_pdf",
    ),
    path("projets/<int:pk>/soumettre/", projects.project_submit, name="project_submit"),
    path("projets/<int:pk>/rapporteurs/", projects.review_assign, name="review_assign"),
    path("examens/<int:pk>/avis/", projects.opinion_give, name="opinion"),
    path("examens/<int:pk>/decision/", projects.decision_record, name="decision"),
    path("conditions/<int:pk>/", projects.condition_met, name="condition_met"),
    path("comite/", projects.committee, name="committee"),
    path("comite/seances/<int:pk>/ordre-du-jour/", projects.meeting_agenda, name="meeting_agenda"),
    path(
        "comite/seances/<int:pk>/proces-verbal/", projects.meeting_minutes, name="meeting_minutes"
    ),
    path("tableau-de-bord/", projects.dashboard, name="dashboard"),
    # GDPR register
    path("rgpd/", manage.gdpr_home, name="gdpr"),
    path("rgpd/<str:scope>/", manage.gdpr_register, name="gdpr_register"),
    path("rgpd/<str:scope>/registre.csv", manage.gdpr_csv, name="gdpr_csv"),
    path("rgpd/<str:scope>/registre.pdf", manage.gdpr_pdf, name="gdpr_pdf"),
    path("rgpd/<str:scope>/nouveau/", manage.activity_edit, name="activity_add"),
    path("rgpd/<str:scope>/<int:pk>/", manage.activity_edit, name="activity_edit"),
]
