"""Stage timing for the benches: `run_scan(opts, observe=timer)` calls `timer(stage)` around
each stage (rules-load, collect, link, rules, findings); the timer records its seconds and,
when traced, its tracemalloc peak. Benchmark-only: the scan itself measures nothing."""
from __future__ import annotations

import contextlib
import time
import tracemalloc

# Stages whose memory is worth tracing (loading rules and building findings are small).
TRACED = ("collect", "link", "rules", "report-json", "report-console")


class StageTimer:
    def __init__(self, traced: bool = False) -> None:
        self.traced = traced
        self.stages: dict[str, dict] = {}          # stage → {seconds[, peak_mib]}

    @contextlib.contextmanager
    def __call__(self, name: str):
        memory = self.traced and name in TRACED
        if memory:
            tracemalloc.start()
            tracemalloc.reset_peak()
        t0 = time.perf_counter()
        try:
            yield
        finally:
            entry = {"seconds": round(time.perf_counter() - t0, 4)}
            if memory:
                entry["peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
                tracemalloc.stop()
            self.stages[name] = entry
