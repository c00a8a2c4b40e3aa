import json

from django.core.management.base import BaseCommand

from config.api import api


def openapi_document() -> str:
    """The API's OpenAPI document as committed in docs/openapi.json (stable key order)."""
    return json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI document of /api/v1/ (make openapi writes docs/openapi.json)."

    def handle(self, *args, **options):
        self.stdout.write(openapi_document(), ending="")
