"""What every page's shell needs: the platform's identity and the person's navigation."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from territoire.core.navigation import nav_for
from territoire.core.permissions import can


def platform(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    nav = nav_for(user)
    admin_nav = []
    if user is not None and user.is_authenticated and can(user, "core.use_admin_area"):
        admin_nav = [
            ("Membres", reverse("core:members_home")),
            ("Journal", reverse("core:audit_log")),
            ("Clés d'API", reverse("core:api_keys_home")),
        ]
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "TERRITORY_NAME": settings.TERRITORY_NAME,
        "ACCESSIBILITY_STATUS": settings.ACCESSIBILITY_STATUS,
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,
        "main_nav": nav,
        "admin_nav": admin_nav,
        "current_path": request.path,
    }
