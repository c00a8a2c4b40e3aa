"""A local stand-in for the ChirpStack REST proxy and the TTS webhook downlink API.

It binds 127.0.0.1 on a free port, checks auth headers and request bodies the way the real
servers document them, and keeps what it accepted for assertions. `fail_next()` and
`hang_next()` make the next calls answer 500 or stall past a client's time-out.

    with FakeNetworkServer(chirpstack_devices={"0101010101010101"}) as server:
        client = ChirpStackClient(server.url, server.chirpstack_token)
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_CHIRPSTACK_QUEUE = re.compile(r"/api/devices/(?P<dev_eui>[^/]+)/queue")
_TTS_PUSH = re.compile(
    r"/api/v3/as/applications/(?P<app>[^/]+)/webhooks/(?P<webhook>[^/]+)"
    r"/devices/(?P<device>[^/]+)/down/push"
)
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_QUEUE_ITEM_FIELDS = {"devEui", "confirmed", "fPort", "data", "expiresAt", "id", "object"}
_TTS_DOWNLINK_FIELDS = {
    "f_port",
    "frm_payload",
    "decoded_payload",
    "confirmed",
    "priority",
    "correlation_ids",
    "class_b_c",
    "session_key_id",
    "f_cnt",
}
_TTS_PRIORITIES = {"LOWEST", "LOW", "BELOW_NORMAL", "NORMAL", "ABOVE_NORMAL", "HIGH", "HIGHEST"}
_MAX_BODY = 64 * 1024


class _BadRequest(Exception):
    pass


@dataclass
class RecordedRequest:
    """One request as received, whatever the answer."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class _Switches:
    fail: list[int] = field(default_factory=list)
    hang: list[float] = field(default_factory=list)


class FakeNetworkServer:
    """Threaded HTTP server implementing the two downlink endpoints; stops on exit."""

    def __init__(
        self,
        *,
        chirpstack_token: str = "chirpstack-test-token",
        chirpstack_devices: set[str] | None = None,
        tts_api_key: str = "NNSXS.TEST-KEY",
        tts_application: str = "cua-bruit",
        tts_webhook: str = "territoire",
        tts_devices: set[str] | None = None,
    ) -> None:
        self.chirpstack_token = chirpstack_token
        self.chirpstack_devices = set(chirpstack_devices or {"0101010101010101"})
        self.tts_api_key = tts_api_key
        self.tts_application = tts_application
        self.tts_webhook = tts_webhook
        self.tts_devices = set(tts_devices or {"sonometre-place-heros"})
        self.requests: list[RecordedRequest] = []
        self.chirpstack_queue: list[dict[str, Any]] = []
        self.tts_queue: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._switches = _Switches()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeNetworkServer:
        self._stopping.clear()
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases handlers stalled by hang_next()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeNetworkServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- switches --------------------------------------------------------------------------

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` requests with `status` before looking at them."""
        with self._lock:
            self._switches.fail.extend([status] * times)

    def hang_next(self, seconds: float = 2.0, times: int = 1) -> None:
        """Stall the next `times` requests for `seconds` (or until stop) before answering."""
        with self._lock:
            self._switches.hang.extend([seconds] * times)

    def _take_switches(self) -> tuple[int | None, float | None]:
        with self._lock:
            fail = self._switches.fail.pop(0) if self._switches.fail else None
            hang = self._switches.hang.pop(0) if self._switches.hang else None
        return fail, hang

    # --- request handling ------------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any]:
        """Return (status, JSON answer); runs in the handler thread."""
        record = RecordedRequest(method, path, headers, _try_json(raw))
        with self._lock:
            self.requests.append(record)
        fail, hang = self._take_switches()
        if hang is not None:
            self._stopping.wait(hang)
        status: int
        answer: Any
        if fail is not None:
            status, answer = fail, _error(13, "injected failure")
        elif method != "POST":
            status, answer = 405, _error(12, "method not allowed")
        elif match := _CHIRPSTACK_QUEUE.fullmatch(path):
            status, answer = self._chirpstack_enqueue(match["dev_eui"], headers, raw)
        elif match := _TTS_PUSH.fullmatch(path):
            status, answer = self._tts_push(match, headers, raw)
        else:
            status, answer = 404, _error(5, "not found")
        record.status = status
        return status, answer

    def _chirpstack_enqueue(
        self, dev_eui: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        expected = f"Bearer {self.chirpstack_token}"
        if headers.get("grpc-metadata-authorization") != expected:
            return 401, _error(16, "authorization token is missing or invalid")
        if dev_eui not in self.chirpstack_devices:
            return 404, _error(5, f"Object does not exist (id: {dev_eui})")
        try:
            item = _chirpstack_item(dev_eui, headers, raw)
        except _BadRequest as exc:
            return 400, _error(3, str(exc))
        item["id"] = str(uuid.uuid4())
        with self._lock:
            self.chirpstack_queue.append(item)
        return 200, {"id": item["id"]}

    def _tts_push(
        self, match: re.Match[str], headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any]]:
        if headers.get("authorization") != f"Bearer {self.tts_api_key}":
            return 401, _error(16, "error:pkg/auth/rights:unauthenticated")
        if match["app"] != self.tts_application or match["webhook"] != self.tts_webhook:
            return 404, _error(5, "error:pkg/applicationserver/io/web:webhook_not_found")
        if match["device"] not in self.tts_devices:
            return 404, _error(5, "error:pkg/applicationserver:device_not_found")
        try:
            downlinks = _tts_downlinks(headers, raw)
        except _BadRequest as exc:
            return 400, _error(3, str(exc))
        with self._lock:
            for downlink in downlinks:
                self.tts_queue.append({"device_id": match["device"], **downlink})
        return 200, {}


def _chirpstack_item(dev_eui: str, headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    body = _json_object(headers, raw)
    if set(body) != {"queueItem"}:
        raise _BadRequest("body must be {'queueItem': {...}}")
    item = body["queueItem"]
    if not isinstance(item, dict):
        raise _BadRequest("queueItem must be an object")
    if unknown := set(item) - _QUEUE_ITEM_FIELDS:
        raise _BadRequest(f"unknown field(s) {sorted(unknown)}")
    if item.get("devEui", dev_eui) != dev_eui:
        raise _BadRequest("queueItem.devEui does not match the URL")
    _check_port(item.get("fPort"), "fPort")
    _check_base64(item.get("data"), "data")
    if not isinstance(item.get("confirmed", False), bool):
        raise _BadRequest("confirmed must be a boolean")
    expires_at = item.get("expiresAt")
    if expires_at is not None and not (
        isinstance(expires_at, str) and _RFC3339.fullmatch(expires_at)
    ):
        raise _BadRequest("expiresAt must be an RFC 3339 timestamp")
    return dict(item)


def _tts_downlinks(headers: dict[str, str], raw: bytes) -> list[dict[str, Any]]:
    body = _json_object(headers, raw)
    downlinks = body.get("downlinks")
    if not isinstance(downlinks, list) or set(body) - {"downlinks", "end_device_ids"}:
        raise _BadRequest("body must be {'downlinks': [...]}")
    for downlink in downlinks:
        if not isinstance(downlink, dict):
            raise _BadRequest("each downlink must be an object")
        if unknown := set(downlink) - _TTS_DOWNLINK_FIELDS:
            raise _BadRequest(f"unknown field(s) {sorted(unknown)}")
        _check_port(downlink.get("f_port"), "f_port")
        _check_base64(downlink.get("frm_payload"), "frm_payload")
        if not isinstance(downlink.get("confirmed", False), bool):
            raise _BadRequest("confirmed must be a boolean")
        if downlink.get("priority", "NORMAL") not in _TTS_PRIORITIES:
            raise _BadRequest("unknown priority")
        ids = downlink.get("correlation_ids", [])
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            raise _BadRequest("correlation_ids must be a list of strings")
    return downlinks


def _json_object(headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    if not headers.get("content-type", "").startswith("application/json"):
        raise _BadRequest("Content-Type must be application/json")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise _BadRequest("body is not JSON") from exc
    if not isinstance(body, dict):
        raise _BadRequest("body must be a JSON object")
    return body


def _check_port(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 223:
        raise _BadRequest(f"{name} must be an integer between 1 and 223")


def _check_base64(value: object, name: str) -> None:
    if not isinstance(value, str):
        raise _BadRequest(f"{name} must be a base64 string")
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _BadRequest(f"{name} is not valid base64") from exc
    if len(decoded) > 242:
        raise _BadRequest(f"{name} is longer than 242 bytes")


def _error(code: int, message: str) -> dict[str, Any]:
    # Both servers answer errors in the gRPC-gateway shape.
    return {"code": code, "message": message, "details": []}


def _try_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


class _Handler(BaseHTTPRequestHandler):
    fake: FakeNetworkServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY:
            self._answer(413, _error(3, "body too large or bad Content-Length"))
            return
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, answer = self.fake.handle(self.command, self.path, headers, raw)
        self._answer(status, answer)

    def _answer(self, status: int, answer: Any) -> None:
        payload = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (time-out test): nothing to answer to

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean
