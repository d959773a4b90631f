"""Notebooks (.ipynb, nbformat 3 and 4): truncated, mis-encoded, mis-typed against the
nbformat schema, nested too deep, too large, odd JSON, odd file types and names."""
from __future__ import annotations

import json
import os
from pathlib import Path

from . import mutate as m
from .cases import EITHER, LOOSE, NONE, ONE, REPO, Case, Expect, files, in_git, rng_for, write
from .tools import nb_text, notebook, notebook_v3

NB = "nb.ipynb"
PARSED = ("file:{p}/nb.ipynb has nb_cells",)         # the notebook was read: its facts are there

# nbformat's schema: where each type belongs (v4 and v3 shapes).
V4_FIELDS = [
    (("nbformat",), "int"), (("nbformat_minor",), "int"), (("metadata",), "mapping"),
    (("metadata", "kernelspec"), "mapping"), (("metadata", "language_info"), "mapping"),
    (("cells",), "list"), (("cells", 1), "mapping"), (("cells", 1, "cell_type"), "string"),
    (("cells", 1, "source"), "string"), (("cells", 1, "outputs"), "list"),
    (("cells", 1, "outputs", 0), "mapping"), (("cells", 1, "execution_count"), "int"),
    (("cells", 1, "metadata"), "mapping"), (("cells", 0, "source"), "string"),
]
V3_FIELDS = [
    (("worksheets",), "list"), (("worksheets", 0), "mapping"), (("worksheets", 0, "cells"), "list"),
    (("worksheets", 0, "cells", 0, "input"), "string"),
    (("worksheets", 0, "cells", 0, "prompt_number"), "int"),
]
PASS_LINE = "PASS: no open finding at or above high"


def cases(seed: int) -> list[Case]:
    out = truncated(seed) + encodings(seed) + surrogates() + wrong_types(seed)
    out += nesting_and_size() + odd_json() + file_types() + names()
    # The same bytes committed to git: read from blobs instead of the work tree.
    out += [in_git(c) for c in out if c.id.split("/")[1].startswith(
        ("truncated-v4", "utf16-bom", "invalid-utf8", "deep-metadata", "surrogate-source", "huge-int"))]
    return out


def _case(name: str, content: str | bytes, expect: Expect, **kw) -> Case:
    return Case(f"notebook/{name}", files({NB: content}), expect, target=NB, **kw)


def truncated(seed: int) -> list[Case]:
    out = []
    for name, doc in (("v4", notebook(cells=3)), ("v3", notebook_v3())):
        text = nb_text(doc)
        for at in m.truncation_points(text.encode(), rng_for(seed, "notebook", name), 6):
            cut = text[:at]
            out.append(_case(f"truncated-{name}-{at}", cut, Expect(ONE, line=m.json_error_line(cut))))
    return out


def encodings(seed: int) -> list[Case]:
    text = nb_text(notebook()).replace("# Train", "# Café — résumé")
    data = text.encode()
    rng = rng_for(seed, "notebook", "encodings")
    nul = m.insert(data, rng, b"\0")
    return [
        _case("utf8-bom", m.utf8_bom(text), Expect(EITHER, nodes=PARSED)),
        _case("utf16-bom", m.utf16(text), Expect(ONE)),
        _case("utf16-le-no-bom", m.utf16_le(text), Expect(ONE)),
        _case("latin1", text.encode("latin-1", "replace"), Expect(ONE)),
        _case("invalid-utf8", m.insert(data, rng, m.INVALID_UTF8), Expect(ONE)),
        _case("cesu-surrogate-bytes", m.insert(data, rng, m.SURROGATE_UTF8), Expect(ONE)),
        _case("nul-in-string", nul, Expect(ONE, line=m.json_error_line(nul.decode()))),
        _case("nul-first", b"\0" + data, Expect(ONE, line=1)),
    ]


def surrogates() -> list[Case]:
    """Lone surrogate escapes are valid JSON (RFC 8259 only warns): read, never crash."""
    def with_text(path: tuple, value) -> str:
        return nb_text(m.set_at(notebook(), path, value))
    return [
        _case("surrogate-source", with_text(("cells", 1, "source"), ["x = '\ud800'\n"]), Expect(NONE, nodes=PARSED)),
        _case("surrogate-output", with_text(("cells", 1, "outputs", 0, "text"), ["\udfff\n"]), Expect(NONE, nodes=PARSED)),
        _case("surrogate-kernel", with_text(("metadata", "kernelspec", "name"), "py\udc80"),
              Expect(NONE, nodes=("file:{p}/nb.ipynb has nb_kernel",))),
        _case("surrogate-key", with_text(("metadata", "\ud83d"), 1), Expect(NONE, nodes=PARSED)),
    ]


def wrong_types(seed: int) -> list[Case]:
    out = []
    for name, doc, fields in (("v4", notebook(), V4_FIELDS), ("v3", notebook_v3(), V3_FIELDS)):
        for path, expected in fields:
            for value in m.wrong_values(expected, rng_for(seed, "notebook", name, *map(str, path))):
                text, where = m.dump_json_lines(m.set_at(doc, path, value))
                label = ".".join(map(str, path))
                out.append(_case(f"type-{name}-{label}-{m.describe(value)}", text,
                                 Expect(ONE, line=m.json_lines_of(where, path))))
    return out


def _raw_at(path: tuple, raw: str) -> tuple[str, set[int]]:
    """A notebook with raw JSON text (not a Python value) at `path`, and that field's lines."""
    text, where = m.dump_json_lines(m.set_at(notebook(), path, m.SENTINEL))
    return text.replace(json.dumps(m.SENTINEL), raw, 1), m.json_lines_of(where, path)


def nesting_and_size() -> list[Case]:
    deep_meta, _ = _raw_at(("metadata", "widgets"), m.deep_json())
    deep_out, _ = _raw_at(("cells", 1, "outputs", 0, "data"), '{"a": ' * 50_000 + "1" + "}" * 50_000)
    ok_deep, _ = _raw_at(("metadata", "widgets"), m.deep_json(500))
    huge_int, int_lines = _raw_at(("cells", 1, "execution_count"), "9" * m.HUGE_INT_DIGITS)
    inf, inf_lines = _raw_at(("cells", 1, "execution_count"), "1e400")
    big_source = m.set_at(notebook(), ("cells", 1, "source"), ["y = 1  # " + "z" * 3_000_000 + "\n"])
    many_cells = notebook(cells=20_000)
    return [
        _case("deep-metadata", deep_meta, Expect(ONE)),
        _case("deep-output", deep_out, Expect(ONE)),
        _case("nested-500", ok_deep, Expect(NONE, nodes=PARSED)),
        _case("huge-int", huge_int, Expect(ONE, line=int_lines)),
        _case("float-overflow-count", inf, Expect(ONE, line=inf_lines)),
        _case("big-source-3mb", nb_text(big_source), Expect(NONE, nodes=PARSED)),
        _case("cells-20000", json.dumps(many_cells), Expect(NONE, nodes=PARSED)),
    ]


def odd_json() -> list[Case]:
    text = nb_text(notebook())
    dup_cells = text.replace('"cells": [', '"cells": [], "cells": [', 1)
    dup_format = text.replace('"nbformat": 4,', '"nbformat": 4, "nbformat": 99,', 1)
    nan, _ = _raw_at(("cells", 1, "execution_count"), "NaN")
    trailing = text.replace('"print(x)"', '"print(x)",', 1)
    comment = text.replace('"nbformat": 4,', '"nbformat": 4, // v4\n', 1)
    single = text.replace('"nbformat"', "'nbformat'", 1)
    return [
        _case("duplicate-cells", dup_cells, Expect(EITHER, nodes=PARSED)),
        _case("duplicate-nbformat", dup_format, Expect(EITHER, nodes=PARSED)),
        _case("nan-count", nan, Expect(EITHER, nodes=PARSED)),
        _case("trailing-comma", trailing, Expect(ONE, line=m.json_error_line(trailing))),
        _case("js-comment", comment, Expect(ONE, line=m.json_error_line(comment))),
        _case("single-quotes", single, Expect(ONE, line=m.json_error_line(single))),
        _case("top-level-array", "[" + text + "]", Expect(ONE)),
        _case("empty", b"", Expect(ONE)),
        _case("whitespace", "\n \n\t\n", Expect(ONE)),
        _case("null", "null", Expect(ONE)),
        _case("nbformat-5", nb_text({**notebook(), "nbformat": 5}), Expect(ONE)),
    ]


def file_types() -> list[Case]:
    def fifo(case_dir: Path) -> None:
        case_dir.mkdir(parents=True, exist_ok=True)
        os.mkfifo(case_dir / NB)

    def link_out(case_dir: Path) -> None:
        case_dir.mkdir(parents=True, exist_ok=True)
        (case_dir / NB).symlink_to("../../../outside/stolen.ipynb")

    def dangling(case_dir: Path) -> None:
        case_dir.mkdir(parents=True, exist_ok=True)
        (case_dir / NB).symlink_to("gone.ipynb")

    def directory(case_dir: Path) -> None:
        write(case_dir / NB / "inner.ipynb", nb_text(notebook()))

    def sparse(case_dir: Path) -> None:
        case_dir.mkdir(parents=True, exist_ok=True)
        with open(case_dir / NB, "wb") as fh:
            fh.truncate(60 * 2**20)          # over the 50 MiB parse limit, no disk used

    return [
        Case("notebook/fifo", fifo, Expect(ONE), target=NB),
        Case("notebook/symlink-out-of-tree", link_out, Expect(ONE), target=NB),
        Case("notebook/dangling-symlink", dangling, Expect(ONE), target=NB),
        Case("notebook/directory-named-ipynb", directory,
             Expect(NONE, nodes=("file:{p}/nb.ipynb/inner.ipynb has nb_cells",))),
        Case("notebook/sparse-60mb", sparse, Expect(ONE), target=NB),
    ]


def names() -> list[Case]:
    """Names that try to forge console lines: a newline and a fake verdict, ANSI escapes."""
    fake = f"x\n\n{PASS_LINE}\n.ipynb"
    ansi = "nb-\x1b[2J\x1b[1;1H\x1b[32mclean\x1b[0m.ipynb"
    shown = nb_text(notebook(outputs=True))
    nb_with_ansi_output = nb_text(m.set_at(notebook(), ("cells", 1, "outputs", 0, "text"),
                                           ["\x1b[2J\x1b[1;1H" + PASS_LINE + "\n"]))
    return [
        Case("notebook/name-fake-pass@git", files({fake: shown}), Expect(
            NONE, findings=(("MLC-REPO-001", "file:{p}/x*PASS*"),)), where=REPO, target=fake),
        Case("notebook/name-ansi@git", files({ansi: shown}), Expect(
            NONE, findings=(("MLC-REPO-001", "file:{p}/nb-*clean*"),)), where=REPO, target=ansi),
        Case("notebook/name-fake-pass-broken", files({fake: "{not json"}), Expect(ONE, line=1),
             where=LOOSE, target=fake),
        Case("notebook/ansi-in-output@git", files({NB: nb_with_ansi_output}), Expect(
            NONE, findings=(("MLC-REPO-001", "file:{p}/nb.ipynb"),)), where=REPO, target=NB),
    ]
