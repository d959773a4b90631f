"""mlcheck beside checkov on one infrastructure folder: Terraform, ARM and Bicep together.

Builds one folder per size from the corpus generators of bench_infra_terraform.py (HCL
across modules) and bench_infra_arm.py (ARM templates and Bicep files), then runs, as a
user would, `mlcheck scan DIR` (every rule, the reports into /dev/null) and `checkov -d DIR
--framework terraform arm bicep`, each in a fresh process, and prints wall seconds, CPU
seconds (the process and its reaped children, from the kernel) and max RSS side by side.
checkov is never a dependency: give its executable with --checkov.

    .venv/bin/python bench/bench_infra_checkov.py --checkov /tmp/checkov-venv/bin/checkov
    .venv/bin/python bench/bench_infra_checkov.py --sizes 100,1000 --repeat 3 --checkov …

Each command runs once untimed, then --repeat times (the run with the least CPU is
printed), from byte code cached under OUT/pycache (see main()).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_infra_arm import arm_corpus, bicep_corpus          # noqa: E402
from bench_infra_terraform import hcl_corpus                  # noqa: E402


def build(size: int, out: Path) -> Path:
    """A folder holding `size` Terraform resources and `size` each of ARM and Bicep."""
    root = out / f"mixed-{size}"
    if (root / ".done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(hcl_corpus(size, out / "terraform"), root / "terraform", ignore=shutil.ignore_patterns(".done"))
    arm_corpus(root / "arm", size)
    bicep_corpus(root / "bicep", size)
    (root / ".mlcheck-root").write_text("")
    (root / ".done").write_text("")
    return root


def timed(command: list[str], cwd: Path, timeout: float, env: dict | None = None) -> dict:
    """Wall and CPU seconds and max RSS of one process, from wait4."""
    start = time.monotonic()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except KeyboardInterrupt:
        proc.kill()
        raise
    wall = time.monotonic() - start
    if wall > timeout:
        return {"wall": wall, "cpu": None, "rss": None, "exit": "timeout"}
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024,
            "exit": os.waitstatus_to_exitcode(status)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000", help="resources per format, comma-separated")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "infra-checkov")
    ap.add_argument("--checkov", help="a checkov executable (never a dependency)")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--repeat", type=int, default=1, help="timed runs of each command (the least CPU counts)")
    args = ap.parse_args()
    # Both tools run from compiled byte code, as an installed package does (pip compiles a
    # wheel's modules): a PYTHONDONTWRITEBYTECODE=1 environment would otherwise have mlcheck,
    # run from its source tree, compile its ~700 modules in every scan (~0.9 s CPU here) while
    # checkov's site-packages hold theirs. One untimed run of each fills the cache.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(args.out.resolve() / "pycache")
    mlcheck = str(Path(sys.executable).with_name("mlcheck"))
    print("| resources (tf + arm + bicep) | files | command | wall s | cpu s | max RSS MiB | exit |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        root = build(size, args.out)
        files = sum(1 for p in root.rglob("*") if p.is_file())
        runs = {"mlcheck scan": [mlcheck, "scan", str(root), "--format", "json", "--output", os.devnull]}
        if args.checkov:
            runs["checkov -d"] = [args.checkov, "-d", str(root), "--framework", "terraform", "arm", "bicep",
                                  "--skip-download", "-o", "json", "--quiet"]
        for name, command in runs.items():
            timed(command, args.out, args.timeout, env)                    # warm-up: byte code
            r = min((timed(command, args.out, args.timeout, env) for _ in range(args.repeat)),
                    key=lambda t: t["cpu"] if t["cpu"] is not None else float("inf"))
            cpu = "-" if r["cpu"] is None else f"{r['cpu']:.2f}"
            rss = "-" if r["rss"] is None else f"{r['rss']:.0f}"
            print(f"| {size} x 3 | {files} | {name} | {r['wall']:.2f} | {cpu} | {rss} | {r['exit']} |", flush=True)


if __name__ == "__main__":
    main()
