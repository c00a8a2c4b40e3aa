"""The MQTT consumer's writer: a second process that stores the batches the consumer parsed.

One CPython process cannot use more than one core: reading the broker with paho and parsing
the JSON cost about as much as storing the uplinks (docs/benchmarks.md, "Where the time of an
uplink goes"). The consumer therefore reads, parses and acknowledges, and this process
archives, decodes, stores, rolls up and commits, each on its own core, overlapping: while a
batch is being stored the next one is read.

What keeps the guarantees:
- the consumer acknowledges a batch only after this process has answered that it committed
  it (commit before acknowledgement, as before);
- there is one writer, and it takes the batches in the order they were sent: a device's
  uplinks are stored in the order they arrived, so counter deltas stay exact;
- the writer dies with the consumer (``PR_SET_PDEATHSIG`` on Linux, and the end of the pipe
  elsewhere): a consumer killed with SIGKILL takes its writer's open transaction with it, so
  no orphan commits a batch that a new consumer is already storing again.

The writer is started with ``spawn`` (a fresh interpreter), not ``fork``: the consumer may
run in a thread of a process that holds database connections and other threads' locks.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

log = logging.getLogger("territoire.sensors.writer")

# How long the writer may take to start (a fresh interpreter importing Django).
START_TIMEOUT = 120.0


@dataclass
class WrittenBatch:
    received: int
    stored: int
    duplicates: int
    cpu: float = 0.0  # the writer's CPU seconds since it was ready (monitoring, benchmark)


class WriterError(RuntimeError):
    """The writer failed to store a batch, or went away."""


class WriterProcess:
    """The consumer's side of the writer: send a batch, learn when it is committed."""

    def __init__(self, integration_id: int):
        self.integration_id = integration_id
        self.process: Any = None
        self.conn: Connection | None = None

    def start(self) -> None:
        from django.conf import settings
        from django.db import connection

        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self.process = context.Process(
            target=_main,
            args=(
                theirs,
                settings.SETTINGS_MODULE,
                # The database this process really uses (a test run renames it).
                connection.settings_dict["NAME"],
                self.integration_id,
                os.getpid(),
            ),
            name="territoire-sensors-writer",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self.conn = ours
        if not ours.poll(START_TIMEOUT):
            self.close()
            raise WriterError("the writer process did not start")
        self._answer()  # "ready", or the reason it could not start

    def fileno(self) -> int:
        assert self.conn is not None
        return self.conn.fileno()

    def submit(self, events: list, unreadable: list[tuple[bytes, str]]) -> None:
        """Hand a batch over: (event, body text) pairs, and bodies that could not be parsed
        with the reason, to be kept in quarantine."""
        assert self.conn is not None
        try:
            self.conn.send((events, unreadable))
        except OSError as exc:
            raise WriterError(f"the writer process went away ({exc})") from exc

    def ready(self) -> bool:
        """Whether the answer for the batch handed over is there."""
        assert self.conn is not None
        return self.conn.poll(0)

    def result(self, timeout: float | None = None) -> WrittenBatch:
        """Wait for the batch handed over to be committed."""
        assert self.conn is not None
        if timeout is not None and not self.conn.poll(timeout):
            raise WriterError("the writer did not answer in time")
        answer = self._answer()
        return WrittenBatch(*answer[1:])

    def _answer(self) -> tuple:
        assert self.conn is not None
        try:
            answer = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise WriterError("the writer process went away") from exc
        if answer[0] == "error":
            raise WriterError(f"the writer failed: {answer[1]}")
        return answer

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.conn.close()
            self.conn = None
        if self.process is not None:
            self.process.join(timeout=30)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
            self.process = None


class InlineWriter:
    """The same interface, storing in the consumer's own process and thread (one core): the
    benchmark's comparison, and a fallback where a second process is not wanted."""

    def __init__(self, integration: Any):
        self.integration = integration
        self.process: Any = None
        self._written: deque[WrittenBatch] = deque()  # answers not yet asked for, oldest first

    def start(self) -> None:
        self.process = "inline"

    def submit(self, events: list, unreadable: list[tuple[bytes, str]]) -> None:
        from territoire.sensors import ingest

        for payload, reason in unreadable:
            ingest.quarantine_unreadable(self.integration, payload, reason)
        report = ingest.ingest(self.integration, events) if events else ingest.BatchReport()
        self._written.append(
            WrittenBatch(len(events) + len(unreadable), report.stored, report.duplicates)
        )

    def ready(self) -> bool:
        return bool(self._written)

    def result(self, timeout: float | None = None) -> WrittenBatch:
        return self._written.popleft()

    def close(self) -> None:
        self.process = None


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the consumer died before the line above
        os._exit(1)


def _main(
    conn: Connection, settings_module: str, database_name: str, integration_id: int, parent: int
) -> None:
    _die_with_parent(parent)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.db import connection

    from territoire.sensors import ingest
    from territoire.sensors.consumer import settle_memory
    from territoire.sensors.models import Integration

    connection.settings_dict["NAME"] = database_name
    try:
        integration = Integration.objects.get(pk=integration_id)
    except Exception as exc:  # noqa: BLE001 - told to the consumer, which stops
        conn.send(("error", repr(exc)))
        return
    settle_memory()
    started = time.process_time()
    conn.send(("ready",))
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is None:
            return
        events, unreadable = batch
        try:
            for payload, reason in unreadable:
                ingest.quarantine_unreadable(integration, payload, reason)
            report = ingest.ingest(integration, events) if events else ingest.BatchReport()
        except Exception as exc:  # noqa: BLE001 - the consumer stops without acknowledging
            log.exception("The sensor writer could not store a batch")
            conn.send(("error", repr(exc)))
            return
        received = len(events) + len(unreadable)
        cpu = time.process_time() - started
        conn.send(("done", received, report.stored, report.duplicates, cpu))
