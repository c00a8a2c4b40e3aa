from django.core.management.base import BaseCommand

from territoire.core.services import territory_load


class Command(BaseCommand):
    help = "Load (or update) the CUA and its 46 communes from the shipped CSV. Idempotent."

    def handle(self, *args, **options):
        report = territory_load(actor=None)
        self.stdout.write(
            f"Communes: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
