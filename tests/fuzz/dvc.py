"""DVC files (.dvc, dvc.yaml, dvc.lock) and .dvc/config: truncated, mis-shaped against
DVC's schema, YAML tricks, and INI files DVC's own reader (configobj) refuses."""
from __future__ import annotations

import os
from pathlib import Path

from . import mutate as m
from .azureml import fact_check
from .cases import EITHER, NONE, ONE, Case, Expect, files, in_git, rng_for

MD5 = "a304afb96060aad90176268345e10355"
DOT_DVC = {"outs": [{"md5": MD5, "size": 37891850, "hash": "md5", "path": "data.xml"}]}
IMPORT_DVC = {"md5": "8c3a8f1e5b0d9e2c4f6a7b8c9d0e1f2a", "frozen": True,
              "deps": [{"path": "data/raw.csv", "repo": {"url": "https://github.com/iterative/dataset-registry",
                                                         "rev_lock": "f31f5c4cdae787b4bdeb97a717687d44667d9e62"}}],
              "outs": [{"md5": "c3e7a4f4d8d1b5e4a3c2b1a0f9e8d7c6", "size": 14445097, "hash": "md5",
                        "path": "raw.csv"}]}
DVC_YAML = {"stages": {
    "prepare": {"cmd": "python src/prepare.py data/data.xml", "deps": ["data/data.xml", "src/prepare.py"],
                "params": ["prepare.seed", "prepare.split"], "outs": ["data/prepared"]},
    "train": {"cmd": "python src/train.py data/prepared model.pkl", "deps": ["data/prepared", "src/train.py"],
              "params": ["train.seed", "train.n_est"], "outs": [{"model.pkl": {"cache": True}}],
              "metrics": [{"eval/metrics.json": {"cache": False}}]}}}
DVC_LOCK = {"schema": "2.0", "stages": {
    "prepare": {"cmd": "python src/prepare.py data/data.xml",
                "deps": [{"path": "data/data.xml", "hash": "md5", "md5": MD5, "size": 37891850}],
                "outs": [{"path": "data/prepared", "hash": "md5", "md5": "20b786b6e6f80e2b3fcf17827ad18597.dir",
                          "size": 8437363, "nfiles": 2}]},
    "train": {"cmd": "python src/train.py data/prepared model.pkl",
              "deps": [{"path": "data/prepared", "hash": "md5", "md5": "20b786b6e6f80e2b3fcf17827ad18597.dir"}],
              "outs": [{"path": "model.pkl", "hash": "md5", "md5": "41b0f7a4c2f1e0d9c8b7a6f5e4d3c2b1",
                        "size": 1928374}]}}}
CONFIG = "[core]\n    remote = storage\n    autostage = true\n['remote \"storage\"']\n    url = s3://dvc-bucket/project\n"

# Which file a seed is written to; a dvc.lock is read only beside its dvc.yaml.
FILE = {"dvc-file": "data.xml.dvc", "import": "raw.csv.dvc", "dvc-yaml": "dvc.yaml", "dvc-lock": "dvc.lock"}
SEEDS = {"dvc-file": DOT_DVC, "import": IMPORT_DVC, "dvc-yaml": DVC_YAML, "dvc-lock": DVC_LOCK}
DATASET = ("dataset:dvc:{p}/data.xml",)
STAGE = ("job:dvc:{p}/dvc.yaml#train",)

FIELDS: dict[str, list[tuple[tuple, str]]] = {
    "dvc-file": [(("outs",), "list"), (("outs", 0), "mapping"), (("outs", 0, "path"), "string"),
                 (("outs", 0, "cache"), "bool"), (("outs", 0, "md5"), "string"), (("outs", 0, "size"), "int")],
    "import": [(("deps",), "list"), (("deps", 0, "path"), "string"), (("deps", 0, "repo"), "mapping"),
               (("deps", 0, "repo", "url"), "string"), (("frozen",), "bool")],
    "dvc-yaml": [(("stages",), "mapping"), (("stages", "train"), "mapping"), (("stages", "train", "deps"), "list"),
                 (("stages", "train", "deps", 0), "string"), (("stages", "train", "outs"), "list"),
                 (("stages", "train", "outs", 0, "model.pkl"), "mapping"),
                 (("stages", "train", "outs", 0, "model.pkl", "cache"), "bool"),
                 (("stages", "train", "cmd"), "string"), (("stages", "train", "params"), "list"),
                 (("stages", "train", "metrics"), "list"), (("stages", "prepare", "wdir"), "string")],
    "dvc-lock": [(("stages",), "mapping"), (("stages", "train"), "mapping"), (("stages", "train", "outs"), "list"),
                 (("stages", "train", "outs", 0, "path"), "string"), (("stages", "train", "deps", 0), "mapping"),
                 (("stages", "prepare", "outs", 0, "md5"), "string")],
}


# The issue's own examples, whatever the seed: a list or a mapping in the wrong place, numbers for paths.
FIXED_SHAPES = [("dvc-file", ("outs",), {"path": "data.xml"}, "outs-mapping"),
                ("dvc-file", ("outs", 0, "path"), 5, "outs-path-number"),
                ("dvc-yaml", ("stages",), ["prepare", "train"], "stages-list"),
                ("dvc-yaml", ("stages", "train", "deps"), {"data": 1}, "deps-mapping"),
                ("dvc-yaml", ("stages", "train", "outs", 0), 7, "out-number"),
                ("dvc-lock", ("stages", "train", "outs", 0, "path"), 9, "lock-out-path-number")]


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + wrong_shapes(seed) + fixed_shapes() + yaml_tricks(seed) + ini(seed) + file_types()
    out += [in_git(c) for c in out if c.id.split("/")[1] in (
        "recursive-alias-deps", "recursive-alias-top", "duplicate-key", "shape-outs-path-number", "shape-stages-list",
        "no-section", "billion-laughs")]
    return out


def _case(seed_name: str, name: str, text: str | bytes, expect: Expect, **kw) -> Case:
    target = FILE[seed_name]
    content = {target: text}
    if seed_name == "dvc-lock":
        content["dvc.yaml"] = m.dump_yaml(DVC_YAML)
    return Case(f"dvc/{name}", files(content), expect, target=target, **kw)


def truncated(seed: int) -> list[Case]:
    out = []
    for name, doc in SEEDS.items():
        text = m.dump_yaml(doc)
        for at in m.truncation_points(text.encode(), rng_for(seed, "dvc", name), 3):
            cut = text[:at]
            valid, line = m.yaml_error_line(cut)
            out.append(_case(name, f"truncated-{name}-{at}", cut, Expect(EITHER) if valid else Expect(ONE, line=line)))
    return out


def wrong_shapes(seed: int) -> list[Case]:
    out = []
    for name, fields in FIELDS.items():
        for path, expected in fields:
            for value in m.wrong_values(expected, rng_for(seed, "dvc", name, *map(str, path))):
                text = m.dump_yaml(m.set_at(SEEDS[name], path, value))
                label = ".".join(map(str, path))
                out.append(_case(name, f"type-{name}-{label}-{m.describe(value)}", text,
                                 Expect(ONE, line=m.yaml_lines_of(text, path))))
    return out


def fixed_shapes() -> list[Case]:
    out = []
    for name, path, value, label in FIXED_SHAPES:
        text = m.dump_yaml(m.set_at(SEEDS[name], path, value))
        out.append(_case(name, f"shape-{label}", text, Expect(ONE, line=m.yaml_lines_of(text, path))))
    return out


def yaml_tricks(seed: int) -> list[Case]:
    marker = "pwned-dvc"
    rng = rng_for(seed, "dvc", "tricks")

    def raw(name: str, path: tuple, text: str) -> tuple[str, set[int]]:
        return (m.yaml_with_raw(SEEDS[name], path, text),
                m.yaml_lines_of(m.yaml_with_raw(SEEDS[name], path, "x"), path))

    loop, loop_lines = raw("dvc-yaml", ("stages", "train", "deps"), m.recursive_alias())
    loop_top = m.dump_yaml(DVC_YAML) + "vars: &v [*v]\n"
    defs, laugh = m.billion_laughs()
    laughs, _ = raw("dvc-file", ("outs",), laugh)
    tag, tag_lines = raw("dvc-yaml", ("stages", "train", "cmd"), m.python_tag(marker))
    deep, deep_lines = raw("dvc-yaml", ("stages", "train", "deps"), m.deep_yaml_flow())
    huge, huge_lines = raw("dvc-file", ("outs", 0, "size"), "9" * m.HUGE_INT_DIGITS)
    dup, dup_line = m.duplicate_key(m.dump_yaml(DOT_DVC), "outs", "[{path: other.xml, md5: " + MD5 + "}]")
    foreach = ("stages:\n  train:\n    foreach: ${models}\n    do:\n      cmd: python train.py ${item}\n"
               "      deps:\n        - data/${item}.csv\n      outs:\n        - models/${item}.pkl\n")
    jinja = m.dump_yaml(DVC_YAML).replace("- data/prepared\n", "- {{ data_dir }}\n", 1)
    many = lambda: m.dump_yaml({"stages": {f"s{i}": {"cmd": f"python s{i}.py", "deps": [f"d{i}.csv"],  # noqa: E731
                                                     "outs": [f"o{i}.csv"]} for i in range(2_000)}})
    text = m.dump_yaml(DOT_DVC)
    return [
        _case("dvc-yaml", "recursive-alias-deps", loop, Expect(ONE, line=loop_lines), alone=True),
        _case("dvc-yaml", "recursive-alias-top", loop_top, Expect(ONE, line=True), alone=True),
        _case("dvc-file", "billion-laughs", defs + laughs, Expect(ONE, line=True)),
        _case("dvc-yaml", "python-tag", tag, Expect(ONE, line=tag_lines), markers=(marker,)),
        _case("dvc-yaml", "deep-flow", deep, Expect(ONE, line=deep_lines)),
        _case("dvc-file", "huge-int-size", huge, Expect(ONE, line=huge_lines)),
        _case("dvc-file", "duplicate-key", dup, Expect(ONE, line=dup_line)),
        _case("dvc-yaml", "foreach-template", foreach, Expect(NONE, nodes=("job:dvc:{p}/dvc.yaml#train",))),
        # By design (issue 6) a file that does not parse because of its template markers (an
        # unquoted `- {{ data_dir }}`: a flow mapping as a key) is a template, recorded on its
        # file node and not evaluated, not a collection error.
        _case("dvc-yaml", "jinja-template", jinja, Expect(NONE, nodes=("file:{p}/dvc.yaml has template",)),
              check=fact_check("file:{p}/dvc.yaml", ("not_evaluated",),
                               f"a template: {{{{ data_dir }}}} on line {min(m.yaml_error_line(jinja)[1])} is "
                               "not YAML until rendered; not evaluated")),
        _case("dvc-yaml", "stages-2000", many, Expect(NONE, nodes=("job:dvc:{p}/dvc.yaml#s1999",)),
              alone=True),
        _case("dvc-file", "empty", b"", Expect(ONE)),
        _case("dvc-file", "utf8-bom", m.utf8_bom(text), Expect(NONE, nodes=DATASET)),
        _case("dvc-file", "utf16-bom", m.utf16(text), Expect(EITHER, nodes=DATASET)),
        _case("dvc-file", "invalid-utf8", m.insert(text.encode(), rng, m.INVALID_UTF8, b"data"), Expect(ONE)),
        _case("dvc-file", "nul-byte", m.insert(text.encode(), rng, b"\0", b"data"), Expect(ONE, line=True)),
        _case("dvc-file", "windows-path", m.dump_yaml(m.set_at(DOT_DVC, ("outs", 0, "path"), "data\\data.xml")),
              Expect(EITHER)),
        _case("dvc-file", "path-escapes-repo", m.dump_yaml(m.set_at(DOT_DVC, ("outs", 0, "path"), "../../../etc/passwd")),
              Expect(EITHER)),
        _case("dvc-file", "top-level-list", m.dump_yaml([DOT_DVC]), Expect(ONE)),
    ]


def _config(name: str, text: str | bytes, expect: Expect, **kw) -> Case:
    """A .dvc/config case: a family of its own, so that its remotes never reach the datasets
    of the other DVC cases (a remote in one config applies to the whole scanned tree)."""
    return Case(f"dvc-config/{name.removeprefix('config-')}", files({".dvc/config": text}), expect, target=".dvc/config", **kw)


def ini(seed: int) -> list[Case]:
    rng = rng_for(seed, "dvc", "ini")
    dup_section = CONFIG + "['remote \"storage\"']\n    url = s3://other-bucket/x\n"
    dup_option = CONFIG.replace("    autostage = true\n", "    autostage = true\n    autostage = false\n")
    return [
        _config("config-no-section", "url = s3://bucket/x\n" + CONFIG, Expect(ONE, line=1)),
        _config("config-unclosed-header", CONFIG.replace("['remote \"storage\"']", "['remote \"storage\"'"),
                Expect(ONE, line=4)),
        _config("config-duplicate-section", dup_section, Expect(ONE, line=6)),
        _config("config-duplicate-option", dup_option, Expect(ONE, line=4)),
        _config("config-invalid-utf8", m.insert(CONFIG.encode(), rng, m.INVALID_UTF8, b"bucket"), Expect(ONE)),
        _config("config-utf8-bom", m.utf8_bom(CONFIG), Expect(NONE, nodes=("repo:fs:. has dvc_remotes",))),
        _config("config-utf16-bom", m.utf16(CONFIG), Expect(EITHER)),
        _config("config-nul", m.insert(CONFIG.encode(), rng, b"\0", b"bucket"), Expect(EITHER)),
        _config("config-long-value", lambda: CONFIG + "[cache]\n    dir = " + "d" * 1_000_000 + "\n", Expect(NONE)),
        _config("config-binary", bytes(rng.getrandbits(8) for _ in range(4096)), Expect(ONE)),
    ]


def file_types() -> list[Case]:
    def fifo(case_dir: Path) -> None:
        (case_dir / ".dvc").mkdir(parents=True, exist_ok=True)
        os.mkfifo(case_dir / ".dvc" / "config")

    def dir_as_dvc(case_dir: Path) -> None:
        (case_dir / "data.xml.dvc").mkdir(parents=True)

    return [Case("dvc-config/fifo", fifo, Expect(ONE), target=".dvc/config"),
            Case("dvc/directory-named-dvc", dir_as_dvc, Expect(NONE))]
