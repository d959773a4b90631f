"""What a running scan tells a person on stderr: a progress line on a terminal, once the scan
has taken longer than a moment (the stage, the source being collected, nodes so far), and
with --verbose a log line per source and stage that stays readable in CI logs."""
from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Callable, TextIO

from .reporters import printable

# Seconds before the progress line appears: a quick scan prints nothing.
DEFAULT_DELAY = 1.0
REDRAW_SECONDS = 0.2
STAGES = {"rules-load": "loading rules", "collect": "collecting", "link": "linking sources",
          "rules": "evaluating rules", "findings": "building findings"}


def progress_delay() -> float:
    """MLCHECK_PROGRESS_DELAY (seconds) when set to a number ≥ 0, else the default."""
    try:
        value = float(os.environ.get("MLCHECK_PROGRESS_DELAY", DEFAULT_DELAY))
    except ValueError:
        return DEFAULT_DELAY
    return value if value >= 0 else DEFAULT_DELAY


class ScanProgress:
    """Hooks for run_scan (`observe` per stage, `on_source` per source). The terminal line is
    redrawn by a thread, so a source that takes minutes still shows its count growing; it is
    erased before the scan returns, so reports on stdout never mix with it."""

    def __init__(self, stream: TextIO, live: bool, verbose: bool, delay: float | None = None) -> None:
        self.stream, self.live, self.verbose = stream, live, verbose
        self.delay = progress_delay() if delay is None else delay
        self.label, self.graph = "starting", None
        self.started = time.monotonic()
        self.drawn = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "ScanProgress":
        if self.live:
            self._thread = threading.Thread(target=self._draw_loop, daemon=True, name="mlcheck-progress")
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self._erase()

    @contextlib.contextmanager
    def observe(self, stage: str):
        self.label = STAGES.get(stage, stage)
        start = time.monotonic()
        yield
        self.log(f"{stage}: {time.monotonic() - start:.2f} s")

    def on_source(self, index: int, total: int, kind: str, display: str, graph) -> Callable[[], None]:
        """Called as a source starts; returns what to call when it is done."""
        self.graph, before, start = graph, len(graph), time.monotonic()
        self.label = f"collecting {index}/{total}: {kind} {display}"

        def done() -> None:
            self.log(f"collected {kind} {display}: {len(graph) - before} node(s) in {time.monotonic() - start:.2f} s")
        return done

    def log(self, text: str) -> None:
        if self.verbose:
            with self._lock:
                self._erase_locked()
                self.stream.write(f"mlcheck: {printable(text)}\n")
                self.stream.flush()

    def _draw_loop(self) -> None:
        if self._stop.wait(self.delay):
            return
        while True:
            count = f" ({len(self.graph)} nodes)" if self.graph is not None else ""
            line = printable(f"mlcheck: {self.label}{count}")[:200]
            with self._lock:
                self.stream.write("\r\x1b[K" + line)
                self.stream.flush()
                self.drawn = True
            if self._stop.wait(REDRAW_SECONDS):
                return

    def _erase(self) -> None:
        with self._lock:
            self._erase_locked()

    def _erase_locked(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
