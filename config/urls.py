from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("gestion-technique/", admin.site.urls),
    path("capteurs/", include("territoire.sensors.urls")),
    path("participation/", include("territoire.participation.urls")),
    path("gouvernance/", include("territoire.governance.urls")),
    path("aide/", include("territoire.knowledge.urls")),
    path("demarches/", include("territoire.procedures.urls")),
    path("droits/", include("territoire.rights.urls")),
    path("indicateurs/", include("territoire.insights.urls")),
    path("automatisations/", include("territoire.automations.urls")),
    path("", include("territoire.core.urls")),
]

handler403 = "territoire.core.errors.permission_denied"
handler404 = "territoire.core.errors.page_not_found"
handler500 = "territoire.core.errors.server_error"
