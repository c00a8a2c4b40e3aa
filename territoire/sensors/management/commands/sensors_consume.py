"""Long-running MQTT consumer of one integration (see territoire/sensors/consumer.py)."""

import logging
import signal

from django.core.management.base import BaseCommand, CommandError

from territoire.sensors.consumer import Consumer, settle_memory
from territoire.sensors.models import Integration


class Command(BaseCommand):
    help = "Consume a network server's MQTT events into the sensor hub (QoS 1, persistent)."

    def add_arguments(self, parser):
        parser.add_argument("integration", type=int, help="Integration id")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=1883)
        parser.add_argument("--client-id", default=None)
        parser.add_argument("--username", default=None)
        parser.add_argument("--password", default=None)
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Most messages stored in one transaction while a backlog drains; the "
            "broker's max_inflight_messages should hold three batches (docs/sensors.md)",
        )
        parser.add_argument("--max-messages", type=int, default=None)
        parser.add_argument(
            "--idle-timeout",
            type=float,
            default=None,
            help="Stop after this many seconds without a message",
        )

    def handle(self, *args, **options):
        logging.basicConfig(level=logging.INFO)
        integration = Integration.objects.filter(pk=options["integration"], is_active=True).first()
        if integration is None:
            raise CommandError("No active integration with this id.")
        consumer = Consumer(
            integration,
            host=options["host"],
            port=options["port"],
            client_id=options["client_id"],
            batch_size=options["batch_size"],
            username=options["username"],
            password=options["password"],
        )
        signal.signal(signal.SIGTERM, lambda *_: consumer.stop())
        settle_memory()
        stats = consumer.run(
            max_messages=options["max_messages"], idle_timeout=options["idle_timeout"]
        )
        self.stdout.write(
            f"messages={stats.messages} stored={stats.stored} duplicates={stats.duplicates} "
            f"rejected={stats.rejected} batches={stats.batches}"
        )
