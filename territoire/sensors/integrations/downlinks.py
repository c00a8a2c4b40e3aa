"""Downlink clients for ChirpStack v4 (REST proxy) and The Things Stack v3 (webhook API).

Standard library only, one HTTP attempt per call: retries, back-off and queuing belong to the
caller's background task, which knows whether a command is still worth sending.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .events import MAX_FRM_PAYLOAD

_DEV_EUI_RE = re.compile(r"[0-9a-f]{16}")
_MAX_RESPONSE_BYTES = 64 * 1024
_MAX_DETAIL_CHARS = 200


@dataclass(frozen=True)
class DownlinkRequest:
    """A downlink to queue for one device; validated on construction (French ValueError)."""

    dev_eui: str
    f_port: int
    payload: bytes
    confirmed: bool = False
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        dev_eui = self.dev_eui.strip().lower() if isinstance(self.dev_eui, str) else ""
        if not _DEV_EUI_RE.fullmatch(dev_eui):
            raise ValueError(
                "Le DevEUI du downlink n'est pas valide : 16 chiffres hexadécimaux attendus."
            )
        object.__setattr__(self, "dev_eui", dev_eui)
        # Ports 0 (MAC commands) and 224+ (reserved, test) are not for applications.
        if isinstance(self.f_port, bool) or not isinstance(self.f_port, int):
            raise ValueError("Le port LoRaWAN (fPort) du downlink doit être un entier.")
        if not 1 <= self.f_port <= 223:
            raise ValueError(
                "Le port LoRaWAN (fPort) du downlink doit être compris entre 1 et 223."
            )
        if not isinstance(self.payload, bytes):
            raise ValueError("La charge utile du downlink doit être une suite d'octets.")
        if len(self.payload) > MAX_FRM_PAYLOAD:
            raise ValueError(
                f"La charge utile du downlink dépasse {MAX_FRM_PAYLOAD} octets, le maximum LoRaWAN."
            )
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            raise ValueError("L'expiration du downlink doit porter un fuseau horaire.")


class DownlinkError(RuntimeError):
    """The network server did not take the downlink. `status` is the HTTP status, if any.

    `retryable` is a hint for the caller: server errors, throttling, time-outs and refused
    connections may succeed later; other client errors will not until something is fixed.
    """

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would be replayed as a GET, and the token sent to another host:
    # a redirect means a misconfigured base URL, reported as an error.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _check_base_url(base_url: str) -> str:
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(
            f"L'adresse du serveur de réseau « {base_url} » doit commencer par http:// ou https://."
        )
    return base_url.rstrip("/")


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _post_json(
    url: str, body: dict[str, Any], headers: dict[str, str], timeout: float, server: str
) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - scheme checked in _check_base_url
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return bytes(response.read(_MAX_RESPONSE_BYTES))
    except urllib.error.HTTPError as exc:
        detail = _error_detail(exc)
        raise DownlinkError(
            f"Le serveur {server} a refusé le downlink (HTTP {exc.code}){detail}.",
            status=exc.code,
            retryable=exc.code >= 500 or exc.code == 429,
        ) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _timeout(server, timeout) from exc
        raise DownlinkError(
            f"Le serveur {server} est injoignable ({exc.reason}) : vérifiez son adresse "
            "et qu'il est démarré.",
            retryable=True,
        ) from exc
    except TimeoutError as exc:
        raise _timeout(server, timeout) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DownlinkError(
            f"La connexion au serveur {server} a échoué ({exc.__class__.__name__}).",
            retryable=True,
        ) from exc


def _timeout(server: str, timeout: float) -> DownlinkError:
    return DownlinkError(
        f"Le serveur {server} n'a pas répondu dans le délai de {timeout:g} s.", retryable=True
    )


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read(_MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException):
        return ""
    message = ""
    try:
        parsed = json.loads(raw)
        if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
            message = parsed["message"]
    except ValueError:
        message = raw.decode("utf-8", "replace")
    message = " ".join(message.split())[:_MAX_DETAIL_CHARS]
    return f" : {message}" if message else ""


class ChirpStackClient:
    """Enqueue downlinks through the chirpstack-rest-api proxy (`DeviceService.Enqueue`)."""

    def __init__(self, base_url: str, api_token: str, timeout: float = 5) -> None:
        self.base_url = _check_base_url(base_url)
        self._api_token = api_token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ChirpStackClient({self.base_url!r})"

    def enqueue(self, req: DownlinkRequest) -> str:
        """Queue `req` and return ChirpStack's queue item id (matched later by `ack` events)."""
        item: dict[str, Any] = {
            "devEui": req.dev_eui,
            "confirmed": req.confirmed,
            "fPort": req.f_port,
            "data": base64.b64encode(req.payload).decode("ascii"),
        }
        if req.expires_at is not None:
            item["expiresAt"] = _rfc3339(req.expires_at)
        raw = _post_json(
            f"{self.base_url}/api/devices/{_segment(req.dev_eui)}/queue",
            {"queueItem": item},
            {
                # The REST proxy forwards only Grpc-Metadata-* headers as gRPC metadata;
                # plain Authorization is for reverse proxies that check it themselves.
                "Grpc-Metadata-Authorization": f"Bearer {self._api_token}",
                "Authorization": f"Bearer {self._api_token}",
            },
            self.timeout,
            "ChirpStack",
        )
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
            raise DownlinkError(
                "Le serveur ChirpStack a accepté le downlink mais sa réponse ne contient pas "
                "l'identifiant attendu."
            )
        return str(answer["id"])


class TtsClient:
    """Push downlinks through a TTS webhook's downlink API (`.../down/push`)."""

    def __init__(
        self,
        base_url: str,
        application_id: str,
        webhook_id: str,
        api_key: str,
        timeout: float = 5,
    ) -> None:
        self.base_url = _check_base_url(base_url)
        self.application_id = application_id
        self.webhook_id = webhook_id
        self._api_key = api_key
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"TtsClient({self.base_url!r}, {self.application_id!r}, {self.webhook_id!r})"

    def push(self, req: DownlinkRequest, *, device_id: str) -> str:
        """Queue `req` for `device_id`; return the correlation id TTS echoes in downlink events.

        `req.expires_at` is not sent: the push API has no per-downlink expiry, so callers that
        need one must replace the queue (`down/replace`) themselves.
        """
        if not device_id or "/" in device_id:
            raise ValueError("L'identifiant TTS du capteur (device_id) est vide ou invalide.")
        correlation_id = f"territoire:downlink:{uuid.uuid4().hex}"
        downlink = {
            "f_port": req.f_port,
            "frm_payload": base64.b64encode(req.payload).decode("ascii"),
            "confirmed": req.confirmed,
            "priority": "NORMAL",
            "correlation_ids": [correlation_id],
        }
        _post_json(
            f"{self.base_url}/api/v3/as/applications/{_segment(self.application_id)}"
            f"/webhooks/{_segment(self.webhook_id)}/devices/{_segment(device_id)}/down/push",
            {"downlinks": [downlink]},
            {"Authorization": f"Bearer {self._api_key}"},
            self.timeout,
            "The Things Stack",
        )
        return correlation_id
