"""MLflow stores on disk: SQLite in MLflow's own schema (made by `mlflow db upgrade`) and
legacy file stores (mlruns/), each holding one good model version that must survive
whatever else the store holds: BLOB ids, NULL keys, text where numbers belong, invalid
UTF-8, corrupt files, FIFOs, meta.yaml files that are folders or recursive aliases."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Callable

from . import mutate as m
from . import planted
from .cases import EITHER, NONE, ONE, STORE, Case, Expect, rng_for, write
from .tools import copy_schema

T0 = 1_767_225_600_000          # 2026-01-01, ms
GOOD_RUN = "0" * 31 + "1"
BAD_RUN = "b" * 32
DB = "mlflow.db"
GOOD_SQL = ("model_version:{p}/mlflow.db/good/1",)
GOOD_FILES = ("model_version:{p}/mlruns/good/1",)
PASS_LINE = "PASS: no open finding at or above high"


# -- SQLite --------------------------------------------------------------------------------------

def _run_row(run_id, name: str = "train", start: int = T0) -> tuple:
    return (run_id, name, "LOCAL", "train.py", "", "fuzz", "FINISHED", start, start + 1000, "",
            "active", f"/artifacts/1/{run_id}", 1)


def insert_run(db: sqlite3.Connection, run_id, name: str = "train") -> None:
    db.execute("INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, "
               "status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", _run_row(run_id, name))


def insert_version(db: sqlite3.Connection, name, version, run_id=None, source: str = "s3://models/m",
                   created=T0) -> None:
    db.execute("INSERT OR IGNORE INTO registered_models (name, creation_time, last_updated_time, description) "
               "VALUES (?,?,?,?)", (name, T0, T0, "fuzz"))
    db.execute("INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, "
               "user_id, current_stage, source, run_id, status, status_message, run_link) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
               (name, version, created, created, "", "fuzz", "None", source, run_id, "READY", "", ""))


def sqlite_store(mutation: Callable[[sqlite3.Connection], None]) -> Callable[[Path], None]:
    """A store in MLflow's schema with the good run and version, then `mutation` applied."""
    def build(case_dir: Path) -> None:
        db = sqlite3.connect(copy_schema(case_dir / DB))
        db.execute("PRAGMA ignore_check_constraints = ON")     # hostile rows break MLflow's CHECKs
        with db:
            db.execute("INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                       "creation_time, last_update_time) VALUES (1, 'fuzz', '/artifacts/1', 'active', ?, ?)",
                       (T0, T0))
            insert_run(db, GOOD_RUN)
            db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (?,?,?)',
                       ("mlflow.source.git.commit", "1" * 40, GOOD_RUN))
            insert_version(db, "good", 1, GOOD_RUN)
            mutation(db)
        db.close()
    return build


def _sql(name: str, mutation, expect: Expect, **kw) -> Case:
    return Case(f"mlflow-sqlite/{name}", sqlite_store(mutation), expect, where=STORE, target=DB, **kw)


def _loosen_tags(db: sqlite3.Connection) -> None:
    """MLflow's tags table without its NOT NULL and key constraints (as a hand-edited store has)."""
    db.execute('ALTER TABLE tags RENAME TO tags_mlflow')
    db.execute('CREATE TABLE tags ("key" VARCHAR(250), value VARCHAR(8000), run_uuid VARCHAR(32))')
    db.execute("INSERT INTO tags SELECT * FROM tags_mlflow")
    db.execute("DROP TABLE tags_mlflow")


def sqlite_cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "mlflow-sqlite")
    aws, token, pw = planted.aws_key(rng), planted.github_token(rng), planted.password(rng)

    def blob_run_id(db):
        insert_run(db, b"\x00\xffrun-blob")
        insert_version(db, "bad", 1, b"\x00\xffrun-blob")

    def null_tag_key(db):
        _loosen_tags(db)
        insert_run(db, BAD_RUN)
        db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (NULL, ?, ?)', ("v", BAD_RUN))
        insert_version(db, "bad", 1, BAD_RUN)

    def text_version(db):
        insert_version(db, "bad", "one")

    def text_times(db):
        insert_version(db, "bad", 1, created="yesterday")

    def huge_time(db):
        insert_version(db, "bad", 1, created=2**62)

    def negative_version(db):
        insert_version(db, "bad", -1)

    def huge_tag(db):
        db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (?,?,?)', ("notes", "n" * 10_000_000, GOOD_RUN))

    def invalid_utf8(db):
        insert_run(db, BAD_RUN)
        db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (?, CAST(x\'ff00fe\' AS TEXT), ?)',
                   ("notes", BAD_RUN))
        insert_version(db, "bad", 1, BAD_RUN)

    def secrets(db):
        insert_run(db, BAD_RUN)
        db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (?,?,?)', ("deploy.key", aws, BAD_RUN))
        db.execute('INSERT INTO tags ("key", value, run_uuid) VALUES (?,?,?)',
                   ("mlflow.source.git.repoURL", f"https://ci:{pw}@git.example.com/ml.git", BAD_RUN))
        insert_version(db, "bad", 1, BAD_RUN, source=f"https://svc:{pw}@models.example.com/m")
        db.execute('INSERT INTO model_version_tags ("key", value, name, version) VALUES (?,?,?,?)',
                   ("token", token, "bad", 1))

    def control_names(db):
        insert_version(db, f"evil\n\n{PASS_LINE}\n\x1b[2J", 1)

    def missing_run(db):
        insert_version(db, "bad", 1, "f" * 32)

    def alias_text(db):
        db.execute("INSERT INTO registered_model_aliases (alias, version, name) VALUES ('champion', 'x', 'good')")

    def long_run_id(db):
        insert_version(db, "bad", 1, "r" * 10_000)

    def no_versions_table(db):
        db.execute("DROP TABLE model_version_tags")
        db.execute("DROP TABLE model_versions")

    return [
        _sql("blob-run-uuid", blob_run_id, Expect(ONE, nodes=GOOD_SQL)),
        _sql("null-tag-key", null_tag_key, Expect(ONE, nodes=GOOD_SQL)),
        _sql("text-version", text_version, Expect(ONE, nodes=GOOD_SQL)),
        _sql("text-timestamps", text_times, Expect(EITHER, nodes=GOOD_SQL)),
        _sql("huge-timestamp", huge_time, Expect(NONE, nodes=GOOD_SQL)),
        _sql("negative-version", negative_version, Expect(EITHER, nodes=GOOD_SQL)),
        _sql("tag-10mb", huge_tag, Expect(NONE, nodes=GOOD_SQL)),
        _sql("invalid-utf8-tag", invalid_utf8, Expect(ONE, nodes=GOOD_SQL)),
        _sql("secrets-in-tags", secrets, Expect(NONE, nodes=GOOD_SQL), secrets=(aws, token, pw)),
        _sql("control-chars-in-name", control_names, Expect(NONE, nodes=GOOD_SQL, findings=(
            ("MLC-LIN-001", "model_version:{p}/mlflow.db/evil*"),))),
        _sql("version-run-missing", missing_run, Expect(NONE, nodes=GOOD_SQL)),
        _sql("alias-version-text", alias_text, Expect(EITHER, nodes=GOOD_SQL)),
        _sql("run-id-10k-chars", long_run_id, Expect(NONE, nodes=GOOD_SQL)),
        _sql("no-versions-table", no_versions_table, Expect(ONE)),
    ] + broken_sqlite_files(seed) + [big_store()]


def broken_sqlite_files(seed: int) -> list[Case]:
    rng = rng_for(seed, "mlflow-sqlite", "files")

    def truncated(case_dir: Path) -> None:
        sqlite_store(lambda db: None)(case_dir)
        path = case_dir / DB
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 3])

    def raw(content: bytes) -> Callable[[Path], None]:
        return lambda case_dir: write(case_dir / DB, content)

    def other_schema(case_dir: Path) -> None:
        db = sqlite3.connect(case_dir / DB)
        db.execute("CREATE TABLE notes (id INTEGER, body TEXT)")
        db.commit()
        db.close()

    def fifo(case_dir: Path) -> None:
        os.mkfifo(case_dir / DB)

    def link_out(case_dir: Path) -> None:
        (case_dir / DB).symlink_to("../../../outside/secret.csv")

    noise = bytes(rng.getrandbits(8) for _ in range(8192))
    return [
        Case("mlflow-sqlite/truncated-file", truncated, Expect(ONE), where=STORE, target=DB),
        Case("mlflow-sqlite/random-bytes", raw(noise), Expect(ONE), where=STORE, target=DB),
        Case("mlflow-sqlite/header-then-noise", raw(b"SQLite format 3\0" + noise), Expect(ONE), where=STORE, target=DB),
        Case("mlflow-sqlite/empty-file", raw(b""), Expect(ONE), where=STORE, target=DB),
        Case("mlflow-sqlite/other-schema", other_schema, Expect(ONE), where=STORE, target=DB),
        Case("mlflow-sqlite/fifo", fifo, Expect(ONE), where=STORE, target=DB, alone=True),
        Case("mlflow-sqlite/symlink-out-of-tree", link_out, Expect(ONE), where=STORE, target=DB),
    ]


RUNS_200K, VERSIONS_50K = 200_000, 50_000


def big_store() -> Case:
    """200k runs and 50k versions (the issue's store): collected within the limits, nothing lost."""
    def fill(db: sqlite3.Connection) -> None:
        runs = [_run_row(f"{i:032x}", f"r{i}", T0 + i) for i in range(2, RUNS_200K + 2)]
        db.executemany("INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, "
                       "status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", runs)
        db.executemany('INSERT INTO tags ("key", value, run_uuid) VALUES (?,?,?)',
                       [("mlflow.source.git.commit", f"{i:040x}", r[0]) for i, r in enumerate(runs)])
        db.executemany("INSERT INTO registered_models (name, creation_time, last_updated_time, description) "
                       "VALUES (?,?,?,?)", [(f"m{k}", T0, T0, "") for k in range(VERSIONS_50K // 10)])
        db.executemany("INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, "
                       "user_id, current_stage, source, run_id, status, status_message, run_link) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                       [(f"m{i // 10}", i % 10 + 1, T0 + i, T0 + i, "", "fuzz", "None", "s3://m",
                         runs[i * 4][0], "READY", "", "") for i in range(VERSIONS_50K)])
    return Case("mlflow-sqlite/runs-200k-versions-50k", sqlite_store(fill),
                Expect(NONE, nodes=GOOD_SQL + ("model_version:{p}/mlflow.db/m4999/10",)),
                where=STORE, target=DB, alone=True, slow=True, timeout=900)


# -- file stores (mlruns/) -------------------------------------------------------------------------

def run_meta(run_id: str, **over) -> dict:
    return {"artifact_uri": f"/artifacts/1/{run_id}", "end_time": T0 + 1000, "entry_point_name": "",
            "experiment_id": "1", "lifecycle_stage": "active", "run_id": run_id, "run_name": "train",
            "run_uuid": run_id, "source_name": "", "source_type": 4, "source_version": "",
            "start_time": T0, "status": 3, "tags": [], "user_id": "fuzz", **over}


def version_meta(name: str, version, run_id: str | None) -> dict:
    return {"creation_timestamp": T0, "current_stage": "None", "description": "", "last_updated_timestamp": T0,
            "name": name, "run_id": run_id, "run_link": "", "source": "s3://models/m", "status": "READY",
            "status_message": "", "user_id": "fuzz", "version": version}


def file_store(extra: Callable[[Path], None]) -> Callable[[Path], None]:
    """mlruns/ with experiment 1, the good run and model `good` v1, then `extra(mlruns)`."""
    def build(case_dir: Path) -> None:
        root = case_dir / "mlruns"
        write(root / "1" / "meta.yaml", m.dump_yaml({"artifact_location": "/artifacts/1", "creation_time": T0,
                                                       "experiment_id": "1", "last_update_time": T0,
                                                       "lifecycle_stage": "active", "name": "fuzz"}))
        write(root / "1" / GOOD_RUN / "meta.yaml", m.dump_yaml(run_meta(GOOD_RUN)))
        write(root / "1" / GOOD_RUN / "tags" / "mlflow.source.git.commit", "1" * 40)
        write(root / "1" / GOOD_RUN / "params" / "lr", "0.1")
        write(root / "models" / "good" / "meta.yaml", m.dump_yaml({"creation_timestamp": T0, "description": "",
                                                                   "last_updated_timestamp": T0, "name": "good"}))
        write(root / "models" / "good" / "version-1" / "meta.yaml", m.dump_yaml(version_meta("good", 1, GOOD_RUN)))
        extra(root)
    return build


def bad_run(meta: str | bytes | None = None) -> Callable[[Path], None]:
    """Model `bad` v1 pointing at run BAD_RUN, whose meta.yaml is `meta` (None: leave it to the caller)."""
    def extra(root: Path) -> None:
        write(root / "models" / "bad" / "meta.yaml", m.dump_yaml({"name": "bad", "creation_timestamp": T0}))
        write(root / "models" / "bad" / "version-1" / "meta.yaml", m.dump_yaml(version_meta("bad", 1, BAD_RUN)))
        (root / "1" / BAD_RUN).mkdir(parents=True, exist_ok=True)
        if meta is not None:
            write(root / "1" / BAD_RUN / "meta.yaml", meta)
    return extra


def _files(name: str, extra, expect: Expect, target: str = f"mlruns/1/{BAD_RUN}/meta.yaml", **kw) -> Case:
    return Case(f"mlflow-files/{name}", file_store(extra), expect, where=STORE, target=target, **kw)


def file_store_cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "mlflow-files")
    aws = planted.aws_key(rng)
    marker = "pwned-mlruns"
    good = m.dump_yaml(run_meta(BAD_RUN))
    defs, laugh = m.billion_laughs()

    def meta_dir(root: Path) -> None:
        bad_run()(root)
        (root / "1" / BAD_RUN / "meta.yaml").mkdir()

    def then(first, second):
        return lambda root: (first(root), second(root))

    def tag_file(content_or_maker) -> Callable[[Path], None]:
        def extra(root: Path) -> None:
            bad_run(good)(root)
            path = root / "1" / BAD_RUN / "tags" / "note"
            path.parent.mkdir(parents=True, exist_ok=True)
            if callable(content_or_maker):
                content_or_maker(path)
            else:
                write(path, content_or_maker)
        return extra

    def experiment_meta_dir(root: Path) -> None:
        (root / "2" / "meta.yaml").mkdir(parents=True)

    def model_meta_loop(root: Path) -> None:
        write(root / "models" / "loop" / "meta.yaml", "name: &n [*n]\n")

    cut = good[:len(good) // 2]
    tag_target = f"mlruns/1/{BAD_RUN}/tags/note"
    return [
        _files("run-meta-is-directory", meta_dir, Expect(ONE, nodes=GOOD_FILES)),
        # The alias replaces run_id: put before the file's own run_id it would be a duplicate key,
        # which scanned YAML resolves last-one-wins (safeyaml, as MLflow's yaml.safe_load does):
        # the cycle would never reach the document. That shape is the next case, and reads fine.
        _files("run-meta-recursive-alias", bad_run(good.replace(f"run_id: {BAD_RUN}\n", "run_id: &r [*r]\n")),
               Expect(ONE, line=True, nodes=GOOD_FILES), alone=True),
        _files("run-meta-shadowed-recursive-alias", bad_run("run_id: &r [*r]\n" + good),
               Expect(NONE, nodes=GOOD_FILES + ("run:{p}/mlruns/" + BAD_RUN,)), alone=True),
        _files("run-meta-billion-laughs", bad_run(defs + "tags: " + laugh + "\n" + good.replace("tags: []\n", "")),
               Expect(ONE, nodes=GOOD_FILES)),
        _files("run-meta-python-tag", bad_run(good.replace("user_id: fuzz", "user_id: " + m.python_tag(marker))),
               Expect(ONE, line=True, nodes=GOOD_FILES), markers=(marker,)),
        _files("run-meta-truncated", bad_run(cut), Expect(ONE, line=m.yaml_error_line(cut)[1], nodes=GOOD_FILES)
               if not m.yaml_error_line(cut)[0] else Expect(EITHER, nodes=GOOD_FILES)),
        _files("run-meta-list", bad_run(m.dump_yaml([run_meta(BAD_RUN)])), Expect(ONE, nodes=GOOD_FILES)),
        _files("run-meta-status-mapping", bad_run(m.dump_yaml(run_meta(BAD_RUN, status={"code": 3}))),
               Expect(ONE, line=True, nodes=GOOD_FILES)),
        _files("run-meta-start-time-text", bad_run(m.dump_yaml(run_meta(BAD_RUN, start_time="yesterday"))),
               Expect(EITHER, nodes=GOOD_FILES)),
        _files("run-meta-deep", bad_run(good.replace("tags: []", "tags: " + m.deep_yaml_flow())),
               Expect(ONE, nodes=GOOD_FILES)),
        _files("tag-file-fifo", tag_file(lambda p: os.mkfifo(p)), Expect(ONE, nodes=GOOD_FILES),
               target=tag_target, alone=True),
        _files("tag-file-symlink-out", tag_file(lambda p: p.symlink_to("../../../../../../outside/secret.csv")),
               Expect(ONE, nodes=GOOD_FILES), target=tag_target),
        _files("tag-file-2mb", tag_file("x" * 2_000_000), Expect(ONE, nodes=GOOD_FILES), target=tag_target),
        _files("tag-file-invalid-utf8", tag_file(b"caf\xe9 \xff"), Expect(NONE, nodes=GOOD_FILES), target=tag_target),
        _files("tag-value-secret", tag_file(f"export AWS_ACCESS_KEY_ID={aws}\n"), Expect(NONE, nodes=GOOD_FILES),
               target=tag_target, secrets=(aws,)),
        _files("experiment-meta-is-directory", experiment_meta_dir, Expect(ONE, nodes=GOOD_FILES),
               target="mlruns/2/meta.yaml"),
        _files("model-meta-recursive-alias", model_meta_loop, Expect(ONE, line=True, nodes=GOOD_FILES),
               target="mlruns/models/loop/meta.yaml", alone=True),
        _files("version-meta-text-version", then(bad_run(good), lambda root: write(
            root / "models" / "bad" / "version-1" / "meta.yaml", m.dump_yaml(version_meta("bad", "one", BAD_RUN)))),
               Expect(ONE, line=True, nodes=GOOD_FILES), target="mlruns/models/bad/version-1/meta.yaml"),
    ] + [mlruns_symlink_out()]


def mlruns_symlink_out() -> Case:
    def build(case_dir: Path) -> None:
        (case_dir / "mlruns").symlink_to("../../../outside", target_is_directory=True)
    return Case("mlflow-files/mlruns-symlink-out-of-tree", build, Expect(ONE), where=STORE, target="mlruns")


def cases(seed: int) -> list[Case]:
    return sqlite_cases(seed) + file_store_cases(seed)

