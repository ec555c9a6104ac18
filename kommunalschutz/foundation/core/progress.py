"""Progress reporting for long operations, shared by the task queue and the CLI."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Receives progress; the base class ignores it (used where nobody watches)."""

    def update(self, done: int, total: int, message: str = "") -> None:
        return None


class ConsoleProgress(Progress):
    """A single progress line on a terminal, rewritten in place."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self._last = 0.0

    def update(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.2:
            return
        self._last = now
        fraction = done / total if total else 0.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if total and done >= total else ""
        self.stream.write(f"\r{self.label} [{bar}] {fraction:6.1%} {done}/{total} {message[:40]:<40}{end}")
        self.stream.flush()


class TaskRunProgress(Progress):
    """Writes progress to a TaskRun row, at most a few times a second (a new step's message always)."""

    def __init__(self, run_id: int, min_interval: float = 0.25, attempt: int | None = None) -> None:
        self.run_id = run_id
        self.attempt = attempt  # the worker's attempt (its lease); None writes whatever the run's state
        self.min_interval = min_interval
        self._last = 0.0
        self._message: str | None = None

    def update(self, done: int, total: int, message: str = "") -> None:
        from kommunalschutz.foundation.core.models import TaskRun

        now = time.monotonic()
        if done < total and now - self._last < self.min_interval and message == self._message:
            return
        self._last = now
        self._message = message
        from django.utils import timezone

        runs = TaskRun.objects.filter(pk=self.run_id)
        if self.attempt is not None:
            runs = runs.filter(attempts=self.attempt, status=TaskRun.Status.RUNNING)
        # Progress is a heartbeat too (decision 0024).
        runs.update(done=done, total=total, message=message[:500], heartbeat_at=timezone.now())


class RecordingProgress(Progress):
    """Keeps every update (done, total, message), for callers that report afterwards and for tests."""

    def __init__(self) -> None:
        self.updates: list[tuple[int, int, str]] = []

    def update(self, done: int, total: int, message: str = "") -> None:
        self.updates.append((done, total, message))
