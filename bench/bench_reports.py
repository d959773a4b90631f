"""Writing each report format for a scan with many findings, against writing JSON alone
(issue 12: every format within 2× of JSON).

    .venv/bin/python bench/bench_reports.py [--findings 100000] [--repeat 3] [--formats sarif junit …]
                                            [--browser] [--history SCANS]

The result: the sample estate scanned once (real rules, graph, evidence shapes), its
findings repeated with distinct node ids and fingerprints up to --findings; a quarter
baselined and a twentieth waived so every status path is written. Each format is written
to a file in a temp folder (as `--output` does), best of --repeat runs in wall seconds;
the ratio is to JSON's best. Summaries are computed once before timing (every format reads
them; the scan computes them whatever the formats).

Measured 2026-11-30 on the shared 2-core machine (--findings 100000 --repeat 2), seconds
and × JSON: json 2.83 (111 MB); sarif 3.73 (1.32×, 122 MB); junit 3.03 (1.07×, 87 MB);
github 1.09 (0.39×); azure_devops 1.14 (0.40×); markdown 0.05 (0.02×, 0.1 MB: it stops at
its size budget); console 7.98 (2.82×, not an issue-12 format). Every issue-12 format is
within 2× of JSON; all seven formats together take 7.0× JSON's time.

HTML (--formats html --browser --history 5), measured 2026-11-30 on the same machine while
other helpers loaded it (load average 12 on 2 cores, so seconds are high and noisy; the
ratio is the figure to read): 10,000 findings: json 0.47-0.70 s, html 0.85-1.09 s
(1.5-1.8× JSON; 1.76× as the best of 6 interleaved runs), 12.8 MB; headless Chromium loads
and screenshots it in 2.6-3.0 s, of which 1.2 s is the browser starting (an empty page).
100,000 findings: json 6.37 s, html 11.21 s (1.76×), 127.5 MB; Chromium 22.4 s. History:
recording 5 scans of 100,000 findings takes 8.4 s (a 40.9 MB database), building and
rendering the report on them 8.1 s.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
from checker.reporters import formats as all_formats, render  # noqa: E402
from checker.scan import ScanOptions, run_scan  # noqa: E402


def big_result(n: int):
    os.chdir(REPO_ROOT)
    base = run_scan(ScanOptions(paths=["samples/estate"]))
    seeds = base.findings
    many = []
    for i in range(n):
        f = seeds[i % len(seeds)]
        status, reason = "open", ""
        if i % 4 == 1:
            status, reason = "baselined", "present in the baseline"
        elif i % 20 == 3:
            status, reason = "waived", "waived by security@example.com until 2026-06-30: rollout"
        many.append(dataclasses.replace(f, node=f"{f.node}#{i}", fingerprint=f"{f.fingerprint[:24]}{i:08x}",
                                        status=status, status_reason=reason))
    result = dataclasses.replace(base, findings=many)
    result.summary, result.digest     # noqa: B018 - computed once, as a scan's reports share them
    return result


def time_format(fmt: str, result, folder: Path, repeat: int) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(repeat):
        path = folder / f"report.{fmt}"
        start = time.perf_counter()
        with open(path, "w", encoding="utf-8") as fh:
            render(fmt, result, fh)
        best = min(best, time.perf_counter() - start)
        size = path.stat().st_size
    return best, size


def chromium_seconds(page: Path, repeat: int) -> tuple[float, float]:
    """Best wall seconds for headless Chromium to load `page` and screenshot it, and the
    same for an empty page (the browser's start, to subtract)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        raise SystemExit("--browser: chromium is not installed (Debian: apt-get install chromium)")
    empty = page.with_name("empty.html")
    empty.write_text("<!DOCTYPE html><title>empty</title>", encoding="utf-8")

    def best(target: Path) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--user-data-dir={page.parent / 'profile'}", "--window-size=1200,1600",
                            f"--screenshot={page.with_suffix('.png')}", target.as_uri()],
                           check=True, capture_output=True, timeout=600)
            times.append(time.perf_counter() - start)
        return min(times)
    return best(page), best(empty)


def history_seconds(result, folder: Path, scans: int) -> tuple[float, float, int]:
    """Seconds to record the result `scans` times in a history database (each time a day
    later, a tenth of the findings fixed), then to build and render the Markdown report;
    and the database's size."""
    import datetime as dt
    from checker.history import History
    from checker.history.report import build, render_markdown
    db = folder / "history.db"
    at = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    start = time.perf_counter()
    with History.open(str(db)) as history:
        for day in range(scans):
            kept = [f for i, f in enumerate(result.findings) if i % 10 != day % 10]
            history.record(dataclasses.replace(result, findings=kept), "sha256:bench", at=at + dt.timedelta(days=day))
    recorded = time.perf_counter() - start
    start = time.perf_counter()
    with History.open(str(db), create=False) as history:
        render_markdown(build(history, None, at + dt.timedelta(days=scans)))
    return recorded, time.perf_counter() - start, db.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--formats", nargs="*", default=[f for f in all_formats() if f != "json"])
    ap.add_argument("--history", type=int, default=0, metavar="SCANS",
                    help="Also time recording SCANS scans in a history database and reporting on them.")
    ap.add_argument("--browser", action="store_true",
                    help="Also time headless Chromium loading and screenshotting the HTML report.")
    args = ap.parse_args()
    result = big_result(args.findings)
    print(f"{len(result.findings)} findings, {len(result.rules)} rules")
    with tempfile.TemporaryDirectory() as tmp:
        json_s, json_size = time_format("json", result, Path(tmp), args.repeat)
        print(f"{'format':<14}{'seconds':>9}{'× json':>9}{'MB':>9}")
        print(f"{'json':<14}{json_s:>9.2f}{1:>9.2f}{json_size / 1e6:>9.1f}")
        total = json_s
        for fmt in args.formats:
            secs, size = time_format(fmt, result, Path(tmp), args.repeat)
            total += secs
            print(f"{fmt:<14}{secs:>9.2f}{secs / json_s:>9.2f}{size / 1e6:>9.1f}")
        print(f"{'all formats':<14}{total:>9.2f}{total / json_s:>9.2f}")
        if args.history:
            recorded, reported, size = history_seconds(result, Path(tmp), args.history)
            print(f"history: {recorded:.2f} s to record {args.history} scans ({size / 1e6:.1f} MB), "
                  f"{reported:.2f} s to build and render the report")
        if args.browser:
            page = Path(tmp) / "report.html"
            if not page.exists():
                time_format("html", result, Path(tmp), 1)
            shown, empty = chromium_seconds(page, args.repeat)
            print(f"chromium: {shown:.2f} s to load and screenshot the HTML report "
                  f"({page.stat().st_size / 1e6:.1f} MB), {empty:.2f} s for an empty page")


if __name__ == "__main__":
    main()
