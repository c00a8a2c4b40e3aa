"""Put the first charter and the platform's own register entries in place (idempotent)."""

from django.core.management.base import BaseCommand

from territoire.governance.reference import reference_load


class Command(BaseCommand):
    help = "Load the first charter version and the platform's algorithms and datasets. Idempotent."

    def handle(self, *args, **options):
        created = reference_load()
        self.stdout.write(
            f"Charte : {created['charter']} version créée ; "
            f"algorithmes : {created['algorithms']} fiche(s) créée(s)."
        )
