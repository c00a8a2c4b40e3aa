"""The sensor hub's demo: one ChirpStack integration per demo commune (Arras and the three
LoRa pilot communes) and about forty devices on real public buildings and roads, registered
through the services like an administrator would. Idempotent: a second run creates nothing.

The integrations' secrets are shown once by the platform, so the command keeps the ones it
creates in ``var/sensors-demo.json`` (mode 600): ``sensors_simulate --http`` reads them there.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from territoire.core.models import Commune, Role, User
from territoire.sensors import services
from territoire.sensors.models import Device, Integration, Source
from territoire.sensors.simulator import DEMO_COMMUNES, DEMO_DEVICES, application_id

DEMO_ADMIN_EMAIL = "admin.cua@demo.territoire.fr"


def demo_file_path(path: str | Path | None = None) -> Path:
    return Path(path) if path else Path(settings.VAR_DIR) / "sensors-demo.json"


def read_demo_file(path: Path) -> dict[str, Any]:
    """The demo file's content; an empty skeleton when it does not exist."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"integrations": {}}
    except (OSError, ValueError) as exc:
        raise CommandError(f"Fichier de démonstration illisible ({path}) : {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("integrations"), dict):
        raise CommandError(f"Fichier de démonstration inattendu ({path}) : supprimez-le.")
    return data


def write_demo_file(path: Path, data: dict[str, Any]) -> None:
    """Write atomically, readable by the owner only: the file holds integration secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # O_CREAT's mode does not apply to an existing file
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


def integration_name(commune: Commune) -> str:
    return f"ChirpStack démo — {commune.name}"


def demo_integrations(communes: list[Commune]) -> dict[int, Integration]:
    """The demo's active integration of each commune (by commune id), when it exists."""
    found = Integration.objects.filter(
        source=Source.CHIRPSTACK,
        is_active=True,
        commune__in=communes,
        name__in=[integration_name(c) for c in communes],
    )
    return {i.commune_id: i for i in found if i.commune_id is not None}


def _demo_actor() -> User | None:
    """The demo's CUA administrator, or else any CUA administrator or superuser."""
    active = User.objects.filter(is_active=True)
    territory_admin = Q(memberships__role=Role.CUA_ADMIN, memberships__commune__isnull=True)
    return (
        active.filter(territory_admin, email=DEMO_ADMIN_EMAIL).first()
        or active.filter(territory_admin).order_by("pk").first()
        or active.filter(is_superuser=True).order_by("pk").first()
    )


class Command(BaseCommand):
    help = (
        "Create the sensor demo (a ChirpStack integration per demo commune, ~40 devices). "
        "Idempotent. Secrets of new integrations are printed once and kept in "
        "var/sensors-demo.json for sensors_simulate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow without DEBUG.")
        parser.add_argument(
            "--demo-file", default=None, help="Where to keep the secrets (var/sensors-demo.json)."
        )

    def handle(self, *args, force=False, demo_file=None, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Les données de démonstration sont pour le développement ; --force.")
        communes = {c.insee_code: c for c in Commune.objects.filter(insee_code__in=DEMO_COMMUNES)}
        if len(communes) != len(DEMO_COMMUNES):
            raise CommandError("Chargez d'abord les communes : manage.py load_territory")
        actor = _demo_actor()
        if actor is None:
            self.stdout.write("Aucun administrateur de la CUA : création des comptes de démo.")
            call_command("seed_demo", force=True, stdout=self.stdout, stderr=self.stderr)
            actor = _demo_actor()
        if actor is None:  # pragma: no cover - seed_demo creates one
            raise CommandError("Aucun administrateur de la CUA : lancez manage.py seed_demo.")
        path = demo_file_path(demo_file)
        data = read_demo_file(path)
        with transaction.atomic():
            new_secrets = self._integrations(actor, communes, data)
            created, skipped = self._devices(actor, communes)
            if new_secrets:
                # Inside the transaction: if the secrets cannot be kept, nothing is created.
                write_demo_file(path, data)
        self._report(new_secrets, created, skipped, path, data)

    def _integrations(
        self, actor: User, communes: dict[str, Commune], data: dict[str, Any]
    ) -> list[tuple[Integration, str]]:
        existing = demo_integrations(list(communes.values()))
        new: list[tuple[Integration, str]] = []
        for insee in DEMO_COMMUNES:
            commune = communes[insee]
            integration = existing.get(commune.pk)
            if integration is None:
                integration, secret = services.integration_create(
                    actor=actor,
                    name=integration_name(commune),
                    source=Source.CHIRPSTACK,
                    commune=commune,
                    mqtt_application=application_id(insee),
                )
                new.append((integration, secret))
                data["integrations"][insee] = {
                    "id": integration.pk,
                    "name": integration.name,
                    "commune": commune.name,
                    "application_id": application_id(insee),
                    "secret": secret,
                }
        return new

    def _devices(self, actor: User, communes: dict[str, Commune]) -> tuple[int, list[str]]:
        known = dict(
            Device.objects.filter(dev_eui__in=[d.dev_eui for d in DEMO_DEVICES]).values_list(
                "dev_eui", "commune__insee_code"
            )
        )
        created = 0
        skipped: list[str] = []
        for demo in DEMO_DEVICES:
            if demo.dev_eui in known:
                if known[demo.dev_eui] != demo.commune:
                    skipped.append(demo.dev_eui)
                continue
            services.device_register(
                actor=actor,
                commune=communes[demo.commune],
                data=services.DeviceData(
                    dev_eui=demo.dev_eui,
                    name=demo.name,
                    model=demo.model,
                    latitude=Decimal(f"{demo.latitude:.5f}"),
                    longitude=Decimal(f"{demo.longitude:.5f}"),
                    place=demo.place,
                    installed_on=demo.installed_on,
                    tags=list(demo.tags),
                ),
            )
            created += 1
        return created, skipped

    def _report(
        self,
        new_secrets: list[tuple[Integration, str]],
        created: int,
        skipped: list[str],
        path: Path,
        data: dict[str, Any],
    ) -> None:
        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"Démo capteurs : {len(new_secrets)} intégration(s) et {created} capteur(s) "
                f"créés ({len(DEMO_DEVICES)} capteurs dans la démo)."
            )
        )
        if new_secrets:
            out.write("")
            out.write("Secrets des nouvelles intégrations (affichés une seule fois) :")
            for integration, secret in new_secrets:
                out.write(f"  n° {integration.pk:<4} {integration.name:<40} {secret}")
            out.write(
                f"Conservés dans {path} (lisible par vous seul) pour sensors_simulate --http."
            )
        for dev_eui in skipped:
            self.stderr.write(
                f"Capteur {dev_eui} déjà enregistré dans une autre commune : laissé tel quel."
            )
        missing = [
            insee
            for insee in DEMO_COMMUNES
            if not (data["integrations"].get(insee) or {}).get("secret")
        ]
        if missing:
            self.stderr.write(
                f"Secret inconnu pour les intégrations de démo de {', '.join(missing)} "
                f"(absent de {path}) : sensors_simulate --http ne pourra pas les utiliser ; "
                "l'envoi direct (par défaut) et --mqtt fonctionnent sans secret."
            )
