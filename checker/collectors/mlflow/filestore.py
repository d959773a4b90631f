"""A legacy MLflow file store (mlruns/): meta.yaml files (via safeyaml), one value per tag file.

Every file is opened without following symlinks or blocking on FIFOs, and bounded in size.
An unreadable run, version or experiment (a meta.yaml that is a folder, malformed YAML, a
field of the wrong type) is that item's problem; the rest of the store is read. Recency of
runs is the meta.yaml write time, so the window of recent runs needs one stat per run, not
one YAML parse.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

from ...safeyaml import Fields, YamlError, line_of, load_yaml
from ..walker import walk
from ..models.mlflow_artifacts import is_logged_model_id
from .records import (LoggedModelRec, CONTEXT_TAG, DELETED_STAGE, RUN_STATUS, BadItem, DatasetRec, Deadline,
                      ExperimentRec, ModelRec, Problems, RunRec, Settings, StoreError, VersionRec,
                      is_prompt, newest_first, not_a_number, to_int, to_str)

MAX_STORE_FILE_BYTES = 1024 * 1024


class Meta:
    """One meta.yaml's fields, typed. A value of the wrong type (a mapping where MLflow
    writes a number) is reported against the file with its line and read as absent: one
    bad field never costs the rest of the item."""

    def __init__(self, doc: dict, report: Callable[[str, int | None], None]) -> None:
        self.doc = doc
        self.fields = Fields(report)

    def text(self, key: str) -> str | None:
        """Text, or a number as text (MLflow writes ids either way)."""
        return to_str(self.fields.get(self.doc, key, key, "text", "number", null_ok=True))

    def number(self, key: str) -> int | None:
        return to_int(self.fields.get(self.doc, key, key, "number", null_ok=True))

    def mapping(self, key: str) -> dict:
        return self.fields.get(self.doc, key, key, "mapping", null_ok=True) or {}

    def whole_number(self, key: str) -> int:
        """A required whole number (a version): BadItem, with its line, when it is not one."""
        value = to_int(self.doc.get(key))
        if value is None:
            raise BadItem(f"{key} is {not_a_number(self.doc.get(key))}", line_of(self.doc, key))
        return value


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "a special file"


class FileStoreReader:
    """A legacy MLflow file store (mlruns/)."""

    def __init__(self, root: str, display: str, settings: Settings, deadline: Deadline) -> None:
        self.root = Path(root)
        self.display = display
        self.deadline = deadline
        self.problems = Problems(display)
        self.unreadable_runs: dict[str, str] = {}
        self._run_dirs: dict[str, Path] | None = None
        self._datasets: dict[Path, dict[str, tuple | None]] = {}
        if not self.root.is_dir():
            raise StoreError("not a directory", fatal=True)

    def close(self) -> None:
        pass

    def _shown(self, path: Path) -> str:
        rel = path.relative_to(self.root).as_posix()
        return f"{self.display.rstrip('/')}/{rel}"

    def _read(self, path: Path) -> str | None:
        """A regular file's text, or None (absent, or a problem recorded). Symlinks are not
        followed, FIFOs and devices not read, the size is bounded."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            return None
        except OSError as exc:
            reason = "symlink not followed" if path.is_symlink() else f"unreadable: {exc.strerror or exc}"
            self.problems.add(reason, self._shown(path))
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):      # checked before reading: a folder, a FIFO
                self.problems.add(f"{_file_type(st.st_mode)}, not a regular file; not read",
                                  self._shown(path))
                return None
            if st.st_size > MAX_STORE_FILE_BYTES:
                self.problems.add(f"over {MAX_STORE_FILE_BYTES} bytes; skipped", self._shown(path))
                return None
            data = os.read(fd, MAX_STORE_FILE_BYTES + 1)
        except OSError as exc:
            self.problems.add(f"unreadable: {exc.strerror or exc}", self._shown(path))
            return None
        finally:
            os.close(fd)
        if len(data) > MAX_STORE_FILE_BYTES:
            self.problems.add(f"over {MAX_STORE_FILE_BYTES} bytes; skipped", self._shown(path))
            return None
        return data.decode("utf-8", "replace")

    def _meta(self, folder: Path) -> Meta | None:
        text = self._read(folder / "meta.yaml")
        if text is None:
            return None
        shown = self._shown(folder / "meta.yaml")
        try:
            doc = load_yaml(text, shown)
        except YamlError as exc:
            self.problems.add(f"malformed meta.yaml: {exc.reason}", shown, exc.line)
            return None
        if not isinstance(doc, dict):
            self.problems.add("meta.yaml is not a mapping", shown)
            return None
        return Meta(doc, lambda reason, line: self.problems.add(f"{reason}; left out", shown, line))

    def _item(self, folder: Path, read: Callable[[Path], object]):
        """read(folder), or None with the item's problem recorded against its meta.yaml."""
        self.deadline.check("file store")
        try:
            return read(folder)
        except BadItem as exc:
            self.problems.add(f"{exc}; skipped", self._shown(folder / "meta.yaml"), exc.line)
        except (TypeError, ValueError, AttributeError, KeyError, OSError) as exc:
            self.problems.add(f"unreadable ({type(exc).__name__}: {exc}); skipped",
                              self._shown(folder / "meta.yaml"))
        return None

    def _values(self, folder: Path) -> dict:
        """One value per file (tags/, aliases/); keys with '/' live in subfolders."""
        out = {}
        if not folder.is_dir() or folder.is_symlink():
            return out
        for dirpath, dirnames, filenames in walk(folder):
            for name in filenames:
                full = Path(dirpath) / name
                text = self._read(full)
                if text is not None:
                    out[full.relative_to(folder).as_posix()] = text
        return out

    @staticmethod
    def _count_files(folder: Path) -> int:
        if not folder.is_dir() or folder.is_symlink():
            return 0
        return sum(len(files) for _, _, files in walk(folder))

    def _subdirs(self, folder: Path) -> list[Path]:
        try:
            return sorted(e for e in folder.iterdir() if e.is_dir() and not e.is_symlink())
        except OSError:
            return []

    def _experiment_dirs(self) -> list[tuple[Path, bool]]:
        """(experiment folder, in trash) pairs."""
        dirs = [(d, False) for d in self._subdirs(self.root)
                if not d.name.startswith(".") and d.name != "models" and os.path.lexists(d / "meta.yaml")]
        trash = self.root / ".trash"
        if trash.is_dir() and not trash.is_symlink():
            dirs += [(d, True) for d in self._subdirs(trash) if os.path.lexists(d / "meta.yaml")]
        return dirs

    def logged_model(self, model_id: str) -> LoggedModelRec | None:
        """An MLflow 3 logged model: <experiment>/models/<model_id>/meta.yaml (None: not
        in any live experiment). model_id is one path component (the caller checks)."""
        for folder, trashed in self._experiment_dirs():
            model = folder / "models" / model_id
            if trashed or not os.path.lexists(model / "meta.yaml"):
                continue
            meta = self._meta(model)
            if meta is None or meta.text("lifecycle_stage") == "deleted":
                return None
            return LoggedModelRec(model_id, meta.text("artifact_location"), meta.text("source_run_id"))
        return None

    def experiments(self) -> list[ExperimentRec]:
        out = []
        for folder, trashed in self._experiment_dirs():
            rec = self._item(folder, lambda f, trashed=trashed: self._experiment(f, trashed))
            if rec is not None:
                out.append(rec)
        return out

    def _experiment(self, folder: Path, trashed: bool) -> ExperimentRec | None:
        meta = self._meta(folder)
        if meta is None:
            return None
        stage = "deleted" if trashed else (meta.text("lifecycle_stage") or "active")
        return ExperimentRec(meta.text("experiment_id") or folder.name,
                             meta.text("name") or "", stage, self._values(folder / "tags"))

    def models(self) -> list[ModelRec]:
        out = []
        for folder in self._subdirs(self.root / "models"):
            rec = self._item(folder, self._model)
            if rec is not None:
                out.append(rec)
        return out

    def _model(self, folder: Path) -> ModelRec | None:
        meta = self._meta(folder)
        if meta is None:
            return None
        tags = self._values(folder / "tags")
        if is_prompt(tags):
            return None
        aliases = {k: to_int(v.strip()) for k, v in self._values(folder / "aliases").items()}
        if not aliases:
            aliases = {str(k): to_int(v) for k, v in meta.mapping("aliases").items()}
        return ModelRec(meta.text("name") or folder.name, meta.text("description"),
                        meta.number("creation_timestamp"), tags, aliases)

    def versions(self, limit: int | None) -> tuple[list[VersionRec], bool]:
        out: list[VersionRec] = []
        for model_dir in self._subdirs(self.root / "models"):
            if is_prompt(self._values(model_dir / "tags")):
                continue
            for folder in self._subdirs(model_dir):
                if folder.name.startswith("version-"):
                    rec = self._item(folder, lambda f, m=model_dir: self._version(f, m))
                    if rec is not None:
                        out.append(rec)
        out = newest_first(out)
        if limit is not None and len(out) > limit:
            return out[:limit], True
        return out, False

    def _version(self, folder: Path, model_dir: Path) -> VersionRec | None:
        meta = self._meta(folder)
        if meta is None:
            return None
        version = meta.whole_number("version")
        stage = meta.text("current_stage")
        if stage == DELETED_STAGE:
            return None
        run_id, model_id, via = meta.text("run_id"), meta.text("model_id") or None, None
        if not run_id and model_id and is_logged_model_id(model_id):
            # MLflow 3 registers a logged model with run_id '' and its model_id: the run
            # is the logged model's source run
            logged = self.logged_model(model_id)
            if logged is not None and logged.source_run_id:
                run_id, via = logged.source_run_id, f"logged model {model_id}"
        return VersionRec(meta.text("name") or model_dir.name, version, meta.text("source"),
                          run_id, meta.text("run_link"), stage, meta.text("status"),
                          self._values(folder / "tags"), meta.number("creation_timestamp"),
                          meta.text("description"), meta.number("last_updated_timestamp"),
                          model_id, meta.text("storage_location") or None, via)

    def _index(self) -> dict[str, Path]:
        """run id -> run folder, for active and trashed experiments: one listing per experiment."""
        if self._run_dirs is None:
            self._run_dirs = {}
            for folder, _ in self._experiment_dirs():
                for d in self._subdirs(folder):
                    if d.name not in ("tags", "datasets") and os.path.lexists(d / "meta.yaml"):
                        self._run_dirs[d.name] = d
        return self._run_dirs

    def runs(self, run_ids: list[str], experiment_ids: list[str] | None = None) -> dict[str, RunRec]:
        found = {}
        index = self._index()
        for run_id in sorted(set(run_ids)):
            folder = index.get(run_id)
            rec = self._read_run(folder) if folder else None
            if rec is not None and rec.lifecycle_stage == "active":
                found[rec.run_id] = rec
        return found

    def _read_run(self, folder: Path) -> RunRec | None:
        """The run in `folder`; one that cannot be read is remembered, so a model version
        pointing at it says why it has no run."""
        if folder.name in self.unreadable_runs:     # said once, not once per step
            return None
        rec = self._item(folder, self._run)
        if rec is None:        # its meta.yaml exists (the index says so) but did not read
            rel = (folder / "meta.yaml").relative_to(self.root).as_posix()
            self.unreadable_runs[folder.name] = f"the store's {rel} cannot be read"
        return rec

    def _run(self, folder: Path) -> RunRec | None:
        meta = self._meta(folder)
        if meta is None:
            return None
        tags = self._values(folder / "tags")
        status = meta.text("status")        # MLflow writes its RunStatus number
        status = RUN_STATUS.get(to_int(status), status) if status is not None else None
        return RunRec(meta.text("run_id") or meta.text("run_uuid") or folder.name,
                      meta.text("experiment_id") or folder.parent.name,
                      tags.get("mlflow.runName") or meta.text("run_name"), status,
                      meta.text("lifecycle_stage") or "active",
                      meta.number("start_time"), meta.number("end_time"), meta.text("user_id"),
                      tags, self._count_files(folder / "params"), self._count_files(folder / "metrics"),
                      self._inputs(folder), meta.text("artifact_uri"))

    def _inputs(self, run_folder: Path) -> list[DatasetRec]:
        out = []
        for folder in self._subdirs(run_folder / "inputs"):
            meta = self._meta(folder)
            if not meta or meta.text("source_type") != "DATASET":
                continue
            source_id = meta.text("source_id") or ""
            ds = self._dataset(run_folder.parent, source_id)
            if ds is None:
                missing = f"dataset {source_id!r} not found in the experiment"
                self.problems.add(missing, self._shown(folder / "meta.yaml"))
                continue
            out.append(DatasetRec(*ds, to_str(meta.mapping("tags").get(CONTEXT_TAG))))
        return sorted(out, key=lambda d: (d.name, d.digest))

    def _dataset(self, experiment_folder: Path, dataset_id: str) -> tuple | None:
        """(name, digest, source type, source, schema, profile) of an experiment's dataset,
        read once however many runs use it (so a bad field is reported once)."""
        cache = self._datasets.setdefault(experiment_folder, {})
        plain = dataset_id and "/" not in dataset_id and not dataset_id.startswith(".")
        if plain and dataset_id not in cache:
            meta = self._meta(experiment_folder / "datasets" / dataset_id)
            cache[dataset_id] = None if meta is None else (
                meta.text("name") or "", meta.text("digest") or "", meta.text("source_type") or "",
                meta.text("source") or "", meta.text("schema"), meta.text("profile"))
        return cache.get(dataset_id)

    def recent_runs(self, n: int, experiment_ids: list[str], skip: set) -> list[RunRec]:
        if n <= 0:
            return []
        active = {f for f, trashed in self._experiment_dirs() if not trashed}
        stamped = []
        for run_id, folder in self._index().items():
            if folder.parent in active:
                try:
                    stamped.append((-os.lstat(folder / "meta.yaml").st_mtime, run_id, folder))
                except OSError:
                    continue
        out, taken = [], 0
        for _, run_id, folder in sorted(stamped):
            if taken >= n:
                break
            if run_id in skip:          # already read as a model version's run: counts, not re-read
                taken += 1
                continue
            rec = self._read_run(folder)
            if rec is not None and rec.lifecycle_stage == "active":
                out.append(rec)
                taken += 1
        return out
