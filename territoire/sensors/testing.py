"""A private Mosquitto broker for tests and benchmarks: the real broker, on a free loopback
port, configured so that nothing queued for a persistent session is ever dropped."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Broker:
    """A private Mosquitto on a fixed free port that can be stopped and started again, with
    its persistent sessions kept on disk across the restart (like a production broker)."""

    def __init__(self, *, inflight: int = 1000):
        self.host, self.port = "127.0.0.1", free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="territoire-mqtt-"))
        self.config = self.directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.directory}/\n"
            # Persistent sessions keep every message while a consumer is away (default: 1000).
            "max_queued_messages 0\n"
            f"max_inflight_messages {inflight}\n"
            "log_dest none\n"
            # Started as root, Mosquitto would switch to its own user, who cannot write here.
            f"user {getpass.getuser()}\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen(
            [binary, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        """A clean stop: Mosquitto writes its sessions and queued messages to disk."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def mosquitto(*, inflight: int = 1000):
    """Start ``mosquitto`` with its own config; yield (host, port); stop it afterwards."""
    broker = Broker(inflight=inflight)
    try:
        broker.start()
        yield broker.host, broker.port
    finally:
        broker.remove()


def database_url_of_this_process() -> str:
    """A URL a child process can use to reach the database this (test) process uses."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
