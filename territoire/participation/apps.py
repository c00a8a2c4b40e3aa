from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "territoire.participation"
    label = "participation"
    verbose_name = "Participation citoyenne"

    def ready(self) -> None:
        from territoire.core.navigation import register_my_space, register_nav
        from territoire.participation import audit_actions, permissions  # noqa: F401

        register_my_space("Mon profil de participant", "participation:profile", order=20)
        register_nav("Participer", "participation:processes", order=30)
        register_nav(
            "Modération", "participation:moderation", order=85, ability="participation.moderate"
        )
