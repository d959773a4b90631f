"""Third-party collectors through the `mlcheck.collectors` entry-point group.

Each test writes a real installed distribution into a temp dir — a `*.dist-info`
directory with METADATA and entry_points.txt beside the plug-in's module, the layout
pip leaves in site-packages — and puts that dir on sys.path, so importlib.metadata
finds it exactly as it would find an installed plug-in."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import git, make_repo, run_cli, write_files
from checker.collectors import (ENTRY_POINT_GROUP, Collector, FileParser, RegistryError,
                                file_parsers, load_registry, source_collectors)

# A real ONNX file is a protobuf ModelProto (onnx/onnx.proto): ir_version = 1,
# producer_name = 2, producer_version = 3, graph = 7, opset_import = 8 (domain = 1, version = 2).
ONNX_PLUGIN = '''
"""mlcheck plug-in: facts from the header of ONNX models (a ModelProto), never executed."""
from checker.collectors import FileParser


def _varint(buf, i):
    value = shift = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(buf):
    """(field number, wire type, value) for the top level of one protobuf message."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i:i + size], i + size
            if len(value) < size:
                raise ValueError("truncated field")
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            value, i = buf[i:i + width], i + width
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


class OnnxParser(FileParser):
    name = "onnx"
    patterns = ("*.onnx",)

    def parse(self, ref, data, ctx):
        facts = {"onnx_opsets": {}}
        try:
            for number, wire, value in fields(data):
                if number == 1 and wire == 0:
                    facts["onnx_ir_version"] = value
                elif number == 2 and wire == 2:
                    facts["onnx_producer"] = value.decode("utf-8")
                elif number == 3 and wire == 2:
                    facts["onnx_producer_version"] = value.decode("utf-8")
                elif number == 8 and wire == 2:
                    opset = {n: v for n, _, v in fields(value)}
                    facts["onnx_opsets"][opset.get(1, b"").decode("utf-8") or "ai.onnx"] = opset.get(2, 0)
        except (ValueError, UnicodeDecodeError) as exc:
            ctx.graph.error(self.name, ref.display, f"not an ONNX model: {exc}")
            return
        if "onnx_ir_version" not in facts:
            ctx.graph.error(self.name, ref.display, "not an ONNX model: no ir_version")
            return
        ctx.graph.update_attrs(ref.node, **facts)
'''

INVENTORY_PLUGIN = '''
"""mlcheck plug-in: a model inventory exported as JSON, named with --source inventory=FILE."""
import json
from pathlib import Path

from checker.collectors import Collector, Source


class InventoryCollector(Collector):
    name = "inventory"

    @classmethod
    def from_uri(cls, uri):
        path = Path(uri)
        if not path.is_file():
            raise ValueError(f"{uri}: no such inventory file")
        return Source(cls.name, str(path.resolve()), path.stem, uri)

    def collect(self, source, ctx):
        try:
            doc = json.loads(Path(source.uri).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            ctx.graph.error(self.name, source.display, f"unreadable inventory: {exc}")
            return
        for item in doc.get("models", []):
            ctx.graph.add_node("model", f"inventory:{source.label}/{item['name']}",
                               {"name": item["name"], "owner": item.get("owner")},
                               ctx.provenance(self.name, source.display))
'''


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, value: int | bytes | str) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    raw = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(raw)) + raw


def onnx_model(ir_version=8, producer="pytorch", producer_version="2.1.0", opset=17) -> bytes:
    """A minimal but well-formed ONNX ModelProto, encoded by hand per onnx.proto."""
    graph = field(2, "main_graph")
    return (field(1, ir_version) + field(2, producer) + field(3, producer_version)
            + field(7, graph) + field(8, field(1, "") + field(2, opset)))


@pytest.fixture
def install(tmp_path, monkeypatch):
    """Write an installed distribution (dist-info + module) and put it on sys.path."""
    modules: list[str] = []

    def _install(dist: str, entry_points: dict[str, str], modules_src: dict[str, str]) -> Path:
        site = tmp_path / f"site-{dist}"
        info = site / f"{dist.replace('-', '_')}-1.0.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0.0\n"
                                       "Summary: an mlcheck plug-in for tests\nRequires-Dist: mlcheck\n")
        lines = [f"[{ENTRY_POINT_GROUP}]"] + [f"{k} = {v}" for k, v in entry_points.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        for name, src in modules_src.items():
            (site / f"{name}.py").write_text(textwrap.dedent(src))
            modules.append(name)
        monkeypatch.syspath_prepend(str(site))
        return site

    yield _install
    for name in modules:
        sys.modules.pop(name, None)


def test_plugin_parser_is_found_by_load_registry(install):
    install("mlcheck-onnx-demo", {"onnx": "mlcheck_onnx_demo:OnnxParser"},
            {"mlcheck_onnx_demo": ONNX_PLUGIN})
    registry = load_registry()
    cls = registry["onnx"]
    assert cls.__module__ == "mlcheck_onnx_demo" and issubclass(cls, FileParser)
    assert cls.patterns == ("*.onnx",)
    assert any(type(p) is cls for p in file_parsers(registry))
    # The built-ins are still all there.
    assert {"git", "folder", "notebook"} <= set(registry)


def test_plugin_parser_is_used_by_a_scan_in_work_trees_bare_repos_and_folders(install, tmp_path):
    install("mlcheck-onnx-demo", {"onnx": "mlcheck_onnx_demo:OnnxParser"},
            {"mlcheck_onnx_demo": ONNX_PLUGIN})
    estate = tmp_path / "estate"
    make_repo(estate / "churn", {"models/churn.onnx": onnx_model(), "train.py": "import torch\n"})
    git(estate, "clone", "-q", "--bare", str(estate / "churn"), "churn.git")
    write_files(estate, {"export/fraud.onnx": onnx_model(ir_version=9, producer="tf2onnx",
                                                         producer_version="1.16.1", opset=18),
                         "export/broken.onnx": b"\x08\xff"})
    snap = tmp_path / "graph.json"
    result = run_cli("scan", "estate", "--snapshot-out", str(snap), "--soft-fail", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    doc = json.loads(snap.read_text())
    churn = {"onnx_ir_version": 8, "onnx_producer": "pytorch", "onnx_producer_version": "2.1.0",
             "onnx_opsets": {"ai.onnx": 17}}
    for nid in ("file:git:churn/models/churn.onnx", "file:git:churn.git/models/churn.onnx"):
        attrs = doc["nodes"][nid]["attrs"]
        assert {k: attrs[k] for k in churn} == churn, nid
        assert attrs["role"] == "model"
    fraud = doc["nodes"]["file:fs:./export/fraud.onnx"]["attrs"]
    assert (fraud["onnx_ir_version"], fraud["onnx_producer"], fraud["onnx_opsets"]) == (9, "tf2onnx", {"ai.onnx": 18})
    assert {"collector": "onnx", "source": "estate/export/broken.onnx",
            "reason": "not an ONNX model: truncated varint"} in doc["collection_errors"]
    assert "onnx_ir_version" not in doc["nodes"]["file:fs:./export/broken.onnx"]["attrs"]


def test_plugin_claims_a_file_no_built_in_role_covers(install, tmp_path):
    """A claimed file becomes a node even when its extension has no role."""
    install("mlcheck-onnx-demo", {"onnx": "mlcheck_onnx_demo:OnnxParser"},
            {"mlcheck_onnx_demo": ONNX_PLUGIN.replace('("*.onnx",)', '("*.onnx", "*.ort")')})
    write_files(tmp_path / "estate", {"mobile/model.ort": onnx_model(ir_version=7)})
    snap = tmp_path / "graph.json"
    assert run_cli("scan", "estate", "--snapshot-out", str(snap), cwd=tmp_path).exit_code == 0
    attrs = json.loads(snap.read_text())["nodes"]["file:fs:./mobile/model.ort"]["attrs"]
    assert attrs["role"] == "other" and attrs["onnx_ir_version"] == 7


def test_collectors_command_lists_the_plugin(install):
    install("mlcheck-onnx-demo", {"onnx": "mlcheck_onnx_demo:OnnxParser"},
            {"mlcheck_onnx_demo": ONNX_PLUGIN})
    result = run_cli("collectors")
    assert result.exit_code == 0
    line = next(l for l in result.output.splitlines() if l.startswith("onnx "))
    assert line.split() == ["onnx", "parser", "mlcheck_onnx_demo", "*.onnx"]


def test_plugin_source_collector_named_with_source(install, tmp_path):
    install("mlcheck-inventory", {"inventory": "mlcheck_inventory_demo:InventoryCollector"},
            {"mlcheck_inventory_demo": INVENTORY_PLUGIN})
    registry = load_registry()
    assert registry["inventory"] in source_collectors(registry)
    assert issubclass(registry["inventory"], Collector)
    (tmp_path / "models.json").write_text(json.dumps(
        {"models": [{"name": "churn", "owner": "ds-team"}, {"name": "fraud"}]}))
    snap = tmp_path / "graph.json"
    result = run_cli("scan", "--source", "inventory=models.json", "--snapshot-out", str(snap), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    nodes = json.loads(snap.read_text())["nodes"]
    assert nodes["model:inventory:models/churn"]["attrs"] == {"name": "churn", "owner": "ds-team"}
    assert nodes["model:inventory:models/fraud"]["provenance"]["collector"] == "inventory"
    bad = run_cli("scan", "--source", "inventory=missing.json", cwd=tmp_path)
    assert bad.exit_code == 2 and "no such inventory file" in bad.output


# ---------------------------------------------------------------- broken plug-ins


BROKEN = {
    "missing-module": ({"ghost": "mlcheck_no_such_module:Parser"}, {},
                       "collector plug-in 'ghost' (mlcheck_no_such_module:Parser) failed to load: "
                       "No module named 'mlcheck_no_such_module'"),
    "missing-attribute": ({"typo": "mlcheck_typo_demo:OnnxParsr"},
                          {"mlcheck_typo_demo": ONNX_PLUGIN},
                          "collector plug-in 'typo' (mlcheck_typo_demo:OnnxParsr) failed to load: "),
    "import-error": ({"crashy": "mlcheck_crashy_demo:Parser"},
                     {"mlcheck_crashy_demo": "import json\nraise RuntimeError('needs onnxruntime')\n"},
                     "collector plug-in 'crashy' (mlcheck_crashy_demo:Parser) failed to load: needs onnxruntime"),
    "not-a-collector": ({"odd": "mlcheck_odd_demo:Thing"},
                        {"mlcheck_odd_demo": "class Thing:\n    name = 'odd'\n"},
                        "collector plug-in 'odd' (mlcheck_odd_demo:Thing) is not a Collector or FileParser"),
    "not-a-class": ({"func": "mlcheck_func_demo:parse"},
                    {"mlcheck_func_demo": "def parse(ref, data, ctx):\n    pass\n"},
                    "collector plug-in 'func' (mlcheck_func_demo:parse) is not a Collector or FileParser"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_entry_point_is_a_clear_registry_error(install, tmp_path, case):
    entry_points, modules, message = BROKEN[case]
    install(f"mlcheck-{case}", entry_points, modules)
    with pytest.raises(RegistryError) as err:
        load_registry()
    assert str(err.value).startswith(message)
    # The CLI turns it into a usage/config error (exit 2) that says the same.
    make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    for args in (["scan", "repo"], ["collectors"]):
        result = run_cli(*args, cwd=tmp_path)
        assert result.exit_code == 2, args
        assert message in result.output
