"""The evidence for mlcheck's own pickle reader: detection, false positives and speed of
mlcheck's scanner beside picklescan, fickling and modelscan, on samples built here.

Malicious samples are written opcode by opcode (tests/model_files.py), never by pickling
an object that runs something, and nothing is ever loaded. Benign samples are made by
scikit-learn, joblib, numpy, XGBoost and PyTorch as their users make them (those not
installed are left out and the table says so). The other scanners are optional: run
`pip install picklescan fickling modelscan` first to compare; each one missing is skipped.

    python bench/scanner_evidence.py            # table on stdout
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import model_files as m  # noqa: E402

from checker.collectors.models.formats import inspect  # noqa: E402


def malicious() -> dict[str, bytes]:
    out = {
        "global_os_system.pkl": m.global_reduce("os", "system"),
        "global_posix_system.pkl": m.global_reduce("posix", "system"),
        "stack_global_memo_subprocess.pkl": m.stack_global_reduce("subprocess", "Popen"),
        "stack_global_builtins_exec.pkl": m.stack_global_reduce("builtins", "exec", "print(1)"),
        "stack_global_runpy.pkl": m.stack_global_reduce("runpy", "run_path", "x.py"),
        "stack_global_webbrowser.pkl": m.stack_global_reduce("webbrowser", "open", "http://127.0.0.1/"),
        "hidden_stack_global.pkl": m.hidden_stack_global(),
        "second_pickle_after_benign.pkl": m.after_benign(m.stack_global_reduce("os", "system")),
        "torch_zip_data_pkl.pt": m.torch_zip(m.stack_global_reduce("os", "system")),
        "torch_zip_renamed_root.pt": m.torch_zip(m.global_reduce("os", "system"), name="weights"),
        "npy_object_array.npy": m.npy("|O", (1,), m.global_reduce("os", "system")),
        "npz_object_member.npz": m.npz({"a.npy": m.npy("|O", (1,), m.global_reduce("os", "system"))}),
        "keras_lambda.keras": m.keras_zip(True),
        "keras_lambda.h5": m.keras_h5(True),
    }
    out["joblib_call_after_arrays.joblib"] = m.joblib_with_call_after_arrays()
    return out


def benign() -> dict[str, bytes]:
    out = {"sklearn_pipeline.pkl": m.sklearn_pickle(), "sklearn_forest.joblib": m.sklearn_joblib(),
           "sklearn_forest_zlib.joblib": m.sklearn_joblib(3), "joblib_object_array.joblib": m.joblib_object_array(),
           "numpy_dict.pkl": m.numpy_pickle(), "weights.safetensors": m.safetensors(),
           "keras_dense.keras": m.keras_zip(False)}
    xgb = m.xgboost_pickle()
    if xgb:
        out["xgboost_classifier.pkl"] = xgb
    for name, data in (m.torch_files() or {}).items():
        out[f"torch_{name}"] = data
    return out


def ours(path: Path) -> str:
    facts = inspect(path.name, path.read_bytes())
    return {True: "flag", False: "clean", None: "error"}[facts.runs_code]


def picklescan(path: Path) -> str:
    from picklescan.scanner import scan_file_path
    r = scan_file_path(str(path))
    return "flag" if r.issues_count else ("error" if r.scan_err else "clean")


def fickling(path: Path) -> str:
    import fickling as f
    try:
        return "clean" if f.is_likely_safe(str(path)) else "flag"
    except Exception:  # noqa: BLE001 - a scanner that cannot read the file
        return "error"


def modelscan(path: Path) -> str:
    from modelscan.modelscan import ModelScan
    r = ModelScan().scan(path)
    if r.get("issues"):
        return "flag"
    return "error" if r.get("errors") else "clean"


SCANNERS = {"mlcheck": ours, "picklescan": picklescan, "fickling": fickling, "modelscan": modelscan}


def available() -> dict:
    found = {}
    for name, fn in SCANNERS.items():
        try:
            if name != "mlcheck":
                __import__(name)
            found[name] = fn
        except ImportError:
            print(f"({name} not installed: skipped)")
    return found


def main() -> None:
    scanners = available()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases = [(n, d, True) for n, d in malicious().items()] + [(n, d, False) for n, d in benign().items()]
        for name, data, _ in cases:
            (root / name).write_bytes(data)
        print("| sample | expected | " + " | ".join(scanners) + " |")
        print("|---|---|" + "---|" * len(scanners))
        score = {s: {"tp": 0, "fn": 0, "fp": 0, "err": 0} for s in scanners}
        for name, _, bad in cases:
            row = []
            for s, fn in scanners.items():
                verdict = fn(root / name)
                row.append(verdict)
                if verdict == "error":
                    score[s]["err"] += 1
                if bad:
                    score[s]["tp" if verdict == "flag" else "fn"] += 1
                elif verdict == "flag":
                    score[s]["fp"] += 1
            print(f"| {name} | {'malicious' if bad else 'benign'} | " + " | ".join(row) + " |")
        n_bad = sum(1 for c in cases if c[2])
        print()
        print(f"| scanner | detected (of {n_bad}) | false positives (of {len(cases) - n_bad}) | "
              f"errors | ms per file (mean of 20 passes) |")
        print("|---|---|---|---|---|")
        for s, fn in scanners.items():
            t0 = time.perf_counter()
            passes = 20 if s == "mlcheck" else 3
            for _ in range(passes):
                for name, _, _ in cases:
                    fn(root / name)
            ms = (time.perf_counter() - t0) / passes / len(cases) * 1000
            sc = score[s]
            print(f"| {s} | {sc['tp']} | {sc['fp']} | {sc['err']} | {ms:.2f} |")


if __name__ == "__main__":
    main()
