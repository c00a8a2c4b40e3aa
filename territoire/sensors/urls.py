from django.urls import path, register_converter

from territoire.sensors import views


class DevEuiConverter:
    """16 hexadecimal digits, in either case (the selector lower-cases them)."""

    regex = "[0-9A-Fa-f]{16}"

    def to_python(self, value: str) -> str:
        return value.lower()

    def to_url(self, value: str) -> str:
        return value


register_converter(DevEuiConverter, "dev_eui")

app_name = "sensors"

urlpatterns = [
    path("", views.device_list, name="devices"),
    path("capteurs.csv", views.device_list_csv, name="devices_csv"),
    path("enregistrer/", views.device_register, name="register"),
    path("importer/", views.device_import, name="import"),
    path("importer/exemple.csv", views.device_import_example, name="import_example"),
    path("a-enregistrer/", views.unregistered, name="unregistered"),
    path("quarantaine/", views.quarantine, name="quarantine"),
    path("quarantaine/rejouer/", views.quarantine_replay, name="quarantine_replay"),
    path("integrations/", views.integrations, name="integrations"),
    path("<dev_eui:dev_eui>/", views.device_detail, name="device"),
]
