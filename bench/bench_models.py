"""Model files (issue 11): 1,000 artifacts of mixed formats, inspected statically, beside
the raw read speed of the same bytes.

    .venv/bin/python bench/bench_models.py [--files 1000] [--repeat 3]

Corpus (generated into a temp folder, from tests/model_files.py): per 10 files, 2
scikit-learn pickles, 1 joblib random forest, 1 zlib-compressed joblib, 1 joblib holding
a 1 MB float array and an object array, 1 torch.save-shaped zip, 1 safetensors of 4 MB,
1 npy of 1 MB, 1 Keras 3 zip, 1 pickle that would run a command (written by hand).

Measured in this process, best of --repeat (wall seconds):
- floor: reading every file's bytes (what any scanner pays);
- floor + sha256: reading and hashing them (every model file's node holds its sha256);
- inspect: formats.inspect of each file opened, as the folder walk hands it over, + the
  model_* attrs (the pickle opcode walk, zip members, headers, sha256): what the model
  parser adds per file;
- two 20 GB checkpoints (sparse files from tests/model_files.py: a torch.save zip, a pickle
  whose call sits behind a 20 GB payload): read by seeks and bounded reads, not hashed;
- scan: `python -m checker scan` of the folder (process start, every collector and
  parser, linkers, every rule), once.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import model_files as m  # noqa: E402

from checker.collectors.models.formats import inspect  # noqa: E402


def corpus(root: Path, n: int) -> int:
    import joblib
    import numpy as np
    big = io.BytesIO()
    joblib.dump({"w": np.random.default_rng(0).random(131072), "labels": np.array(["a", 1], dtype=object)}, big)
    kinds = [("sk_{i}.pkl", m.sklearn_pickle()), ("sk2_{i}.pkl", m.sklearn_pickle()),
             ("forest_{i}.joblib", m.sklearn_joblib()), ("forest_z_{i}.joblib", m.sklearn_joblib(3)),
             ("arrays_{i}.joblib", big.getvalue()),
             ("net_{i}.pt", m.torch_zip(m.numpy_pickle())),
             ("w_{i}.safetensors", m.safetensors({"w": ("F32", [1024, 1024])})),
             ("a_{i}.npy", m.npy("<f8", (131072,), b"\x00" * 8 * 131072)),
             ("k_{i}.keras", m.keras_zip(False)),
             ("evil_{i}.pkl", m.stack_global_reduce("os", "system"))]
    total = 0
    for i in range(n):
        name, data = kinds[i % len(kinds)]
        (root / name.format(i=i)).write_bytes(data)
        total += len(data)
    return total


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "models"
        root.mkdir()
        total = corpus(root, args.files)
        paths = sorted(root.iterdir())

        def floor():
            for p in paths:
                p.read_bytes()

        def hashed():
            for p in paths:
                hashlib.sha256(p.read_bytes()).hexdigest()

        flagged = []

        def inspected():
            flagged.clear()
            for p in paths:
                with open(p, "rb") as fh:          # as the folder walk hands it over: open
                    facts = inspect(p.name, fh, p.stat().st_size)
                facts.attrs()
                if facts.runs_code:
                    flagged.append(p.name)

        big = Path(tmp) / "big"
        big.mkdir()
        m.sparse_torch_zip(big / "ckpt_20g.pt", m.numpy_pickle(), 20 * 1024 ** 3)
        m.sparse_pickle(big / "pickle_20g.pkl", 20 * 1024 ** 3, then=m.global_reduce("os", "system"))

        def checkpoints():
            for p in sorted(big.iterdir()):
                with open(p, "rb") as fh:
                    inspect(p.name, fh, p.stat().st_size).attrs()

        def scan():
            import subprocess
            subprocess.run([sys.executable, "-m", "checker", "scan", str(root), "--format", "json",
                            "--output", str(Path(tmp) / "report.json")], capture_output=True, check=False)

        mb = total / 1e6
        rows = [("floor (read)", best(floor, args.repeat)), ("floor + sha256", best(hashed, args.repeat)),
                ("read + inspect", best(inspected, args.repeat))]
        rows.append(("mlcheck scan (whole CLI run)", best(scan, 1)))
        print(f"{args.files} files, {mb:.1f} MB; files flagged as running code: {len(flagged)}")
        print("| stage | seconds | MB/s | files/s |")
        print("|---|---|---|---|")
        for name, secs in rows:
            print(f"| {name} | {secs:.3f} | {mb / secs:.0f} | {args.files / secs:.0f} |")
        print(f"two sparse 20 GB checkpoints (torch zip, pickle; too large to hash), inspected: "
              f"{best(checkpoints, args.repeat):.4f} s")


if __name__ == "__main__":
    main()
