"""Any string goes through every Rego back end and comes back unchanged.

Strings reach Rego as input (node ids, attributes: paths logged on Windows, notebook text)
and as data.mlcheck.params (from mlcheck.yaml). Each back end — regorus, regopy, and the
OPA server path (tests/opa_double.py, a double for the `opa` binary that cannot be installed
here) — echoes them; the property holds for backslashes, quotes, control characters, NUL,
lone surrogates, non-BMP characters, the transport's own escape character and 1 MB strings.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checker.rule import Rule
from checker.engines.rego import EmbeddedRego, OpaServerRego
from checker.engines.rego_wire import ESC
from conftest import REPO_ROOT, resealed, run_cli
from opa_double import OpaDouble

ECHO = """\
package mlcheck.echo

import rego.v1

back := {"input": input, "params": data.mlcheck.params}

# Built strings, not only passed-through ones: what a finding message does with a value.
joined := {"sprintf": sprintf("%s|%v", [input.s, input.s]), "concat": concat("/", [input.s, input.s])}
"""
SPECIAL = ["\\", '"', "\x00", "\x01", "\x1f", "\x7f", "\n", "\t", "\ud800", "\udbff", "\udc00", "\udfff",
           ESC, "\ue000", "\U0001F600", "\U0010FFFF", "\u2028", "\ufeff", "\\u0000", "\\ud800", "%s", "{{ }}",
           "C:\\Users\\ada\\AppData\\ipykernel_launcher.py"]
ANY_CHAR = st.one_of(st.characters(codec=None), st.characters(categories=["Cs"]))  # Cs: lone surrogates
STRINGS = st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(ANY_CHAR, max_size=8)), max_size=10).map("".join)
MEGABYTE = "C:\\Users\\\"ada\"\x00\ud800\U0001F600" * 70_000      # ~1 MB of the worst characters
BACKENDS = ["regorus", "regopy", "opa-server"]


def echo_rule(name: str = "back") -> Rule:
    return Rule(id="MLC-ECHO-001", title="echo", severity="info", category="test", controls={},
                description="echoes its input", remediation="none", path="echo.yaml",
                check={"rego": f"data.mlcheck.echo.{name}"})


@pytest.fixture(scope="module")
def policy(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("echo") / "echo.rego"
    path.write_text(ECHO, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def opa_server():
    server = OpaDouble().start()
    yield server
    server.stop()


def backend(name: str, policy: Path, params: dict, opa_server: OpaDouble):
    if name == "opa-server":
        return OpaServerRego([policy], params, opa_server.url)
    return EmbeddedRego([policy], params, name)


def echo(name: str, policy: Path, opa_server: OpaDouble, value: str, rule: str = "back"):
    params = {"s": value, value: [value]}
    doc = {"s": value, "nested": {value: {"list": [value, {value: value}]}}}
    answer, _ = backend(name, policy, params, opa_server).query([echo_rule(rule)], lambda _: doc, lambda _: 1)["MLC-ECHO-001"]
    assert not isinstance(answer, Exception), answer
    return answer, doc, params


@pytest.mark.parametrize("name", BACKENDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=STRINGS)
@example(value=MEGABYTE)
@example(value="")
def test_any_string_comes_back_unchanged(name, policy, opa_server, value):
    answer, doc, params = echo(name, policy, opa_server, value)
    assert answer == {"input": doc, "params": params}


@pytest.mark.parametrize("name", BACKENDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=STRINGS.filter(lambda s: not any("\ud800" <= c <= "\udfff" for c in s)))
def test_strings_built_by_sprintf_and_concat_are_exact(name, policy, opa_server, value):
    """The regopy 1.5.2 bug: strings a policy builds came back as malformed JSON. (Lone
    surrogates are left out here: they travel escaped, and Rego may cut or join the escape.)"""
    answer, _, _ = echo(name, policy, opa_server, value, rule="joined")
    assert answer == {"sprintf": f"{value}|{value}", "concat": f"{value}/{value}"}


# -- the scan the issue reported: a run logged on Windows -------------------------------------

WINDOWS_SOURCE = "C:\\Users\\ada\\AppData\\Roaming\\Python\\Python311\\site-packages\\ipykernel_launcher.py"
LIN_003_FLAG = REPO_ROOT / "rules" / "lineage" / "MLC-LIN-003" / "flag"


@pytest.mark.parametrize("engine_args", [["--rego-engine", "regorus"], ["--rego-engine", "regopy"], "opa-server"],
                         ids=["regorus", "regopy", "opa-server"])
def test_run_logged_on_windows_gets_its_finding(tmp_path, engine_args, opa_server):
    """MLC-LIN-003 on a run whose mlflow.source.name is a Windows path (backslashes)."""
    snapshot = json.loads((LIN_003_FLAG / "snapshot.json").read_text(encoding="utf-8"))
    (flagged,) = yaml.safe_load((LIN_003_FLAG / "expected.yaml").read_text(encoding="utf-8"))["nodes"]
    run_id = next(e["dst"] for e in snapshot["edges"] if e["src"] == flagged and e["kind"] == "produced_by")
    attrs = snapshot["nodes"][run_id]["attrs"]
    attrs["source_name"] = WINDOWS_SOURCE
    attrs.pop("unresolved", None)
    path = tmp_path / "windows.json"
    path.write_text(json.dumps(resealed(snapshot)), encoding="utf-8")
    if engine_args == "opa-server":
        engine_args = ["--opa-url", opa_server.url]
    out = tmp_path / "report.json"
    result = run_cli("scan", "--from-snapshot", str(path), "--only", "MLC-LIN-003", "--fail-on", "medium",
                     "--format", "json", "--output", str(out), *engine_args)
    assert result.exit_code == 1, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    (finding,) = report["findings"]
    assert finding["node"] == flagged
    assert f"was trained from {WINDOWS_SOURCE}, which is not under version control" in finding["message"]
    assert finding["evidence"]["facts"]["source_name"] == WINDOWS_SOURCE
    assert finding["evidence"]["reason"] == f"{WINDOWS_SOURCE} is not in any collected repository"
