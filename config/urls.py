from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("gestion-technique/", admin.site.urls),
    path("capteurs/", include("territoire.sensors.urls")),
    path("indicateurs/", include("territoire.insights.urls")),
    path("", include("territoire.core.urls")),
]

handler403 = "territoire.core.errors.permission_denied"
handler404 = "territoire.core.errors.page_not_found"
handler500 = "territoire.core.errors.server_error"
