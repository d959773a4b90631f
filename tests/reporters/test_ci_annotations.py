"""GitHub Actions annotations and Azure Pipelines logging commands: one command line per
open finding (and per collection error) with its file and line, escaped as each runner
unescapes, so a scanned string can neither break a line nor start a command of its own."""
from __future__ import annotations

import dataclasses
import re

import pytest

from checker.reporters.places import place
from checker.scan import ScanOptions, run_scan
from conftest import write_files
from .conftest import check_golden, rendered

GITHUB = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")
AZURE = re.compile(r"^##vso\[task\.logissue ([^\]]*)\](.*)$")


def github_unescape(text: str, prop: bool = False) -> str:
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def azure_unescape(text: str, prop: bool = False) -> str:
    if prop:
        text = text.replace("%3B", ";").replace("%5D", "]")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%AZP25", "%")


def github_commands(text: str) -> list[tuple[str, dict, str]]:
    """(level, properties, message) of each command line, as the runner reads them."""
    out = []
    for line in text.splitlines():
        m = GITHUB.match(line)
        if m:
            props = dict(p.split("=", 1) for p in (m.group(2) or "").split(",") if p)
            out.append((m.group(1), {k: github_unescape(v, True) for k, v in props.items()},
                        github_unescape(m.group(3))))
    return out


def azure_commands(text: str) -> list[tuple[dict, str]]:
    out = []
    for line in text.splitlines():
        m = AZURE.match(line)
        if m:
            props = dict(p.split("=", 1) for p in m.group(1).split(";"))
            out.append(({k: azure_unescape(v, True) for k, v in props.items()}, azure_unescape(m.group(2))))
    return out


@pytest.mark.parametrize("fmt", ["github", "azure_devops"])
def test_sample_matches_golden(fmt, sample_result):
    check_golden(f"sample.{fmt}.txt", rendered(fmt, sample_result))


def test_github_one_annotation_per_open_finding_at_its_file(states_result):
    commands = github_commands(rendered("github", states_result))
    shown = [f for f in states_result.findings if f.status == "open"]
    assert len(commands) == len(shown) < len(states_result.findings)
    for (level, props, message), f in zip(commands, shown):
        where = place(states_result, f)
        assert props["file"] == where.path and props.get("line") == (str(where.line) if where.line else None)
        assert props["title"].startswith(f"{f.rule_id} ({f.severity}): ")
        assert level == {"critical": "error", "high": "error", "medium": "warning"}.get(f.severity, "notice")
        assert message.splitlines()[0] == f.message and f"node: {f.node}" in message


def test_azure_one_issue_per_open_finding_at_its_file(states_result):
    commands = azure_commands(rendered("azure_devops", states_result))
    shown = [f for f in states_result.findings if f.status == "open"]
    assert len(commands) == len(shown)
    for (props, message), f in zip(commands, shown):
        where = place(states_result, f)
        assert props["sourcepath"] == where.path and props["code"] == f.rule_id
        assert props["type"] == ("error" if f.severity in ("critical", "high") else "warning")
        assert message.startswith(f"{f.rule_id} ({f.severity}): {f.message}")


HOSTILE = "a%b;c]d,e:f\n::set-output name=x::1\r\n##vso[task.setvariable variable=X]1"


@pytest.mark.parametrize("fmt", ["github", "azure_devops"])
def test_a_scanned_string_cannot_start_a_command(fmt, sample_result):
    f = sample_result.findings[0]
    hostile = dataclasses.replace(f, message=HOSTILE, locations=[{"source": "dir,x;y]z:w/%a.tf", "line": 3}])
    result = dataclasses.replace(sample_result, findings=[hostile])
    lines = rendered(fmt, result).splitlines()
    assert len(lines) == 2, lines                      # the command and the verdict
    assert not any(line.startswith(("::set-output", "##vso[task.setvariable")) for line in lines)
    if fmt == "github":
        (_, props, message), = github_commands("\n".join(lines))
        assert props["file"] == "dir,x;y]z:w/%a.tf"
    else:
        (props, message), = azure_commands("\n".join(lines))
        assert props["sourcepath"] == "dir,x;y]z:w/%a.tf"
    # Line breaks inside the message are made visible (printable), not decoded into new lines.
    assert message.splitlines()[0].endswith("a%b;c]d,e:f\\n::set-output name=x::1\\r\\n##vso[task.setvariable "
                                            "variable=X]1")


@pytest.mark.parametrize("fmt", ["github", "azure_devops"])
def test_collection_errors_are_reported_at_their_file(fmt, tmp_path, monkeypatch):
    write_files(tmp_path / "estate", {"infra/main.tf": 'resource "azurerm_storage_account" "x" {\n  name = \n'})
    monkeypatch.chdir(tmp_path)
    text = rendered(fmt, run_scan(ScanOptions(paths=["estate"])))
    if fmt == "github":
        errors = [(p, m) for level, p, m in github_commands(text) if level == "error"]
        assert [(p["file"], p["line"]) for p, _ in errors] == [("estate/infra/main.tf", "2")]
    else:
        errors = [(p, m) for p, m in azure_commands(text) if p["type"] == "error"]
        assert [(p["sourcepath"], p["linenumber"]) for p, _ in errors] == [("estate/infra/main.tf", "2")]
    assert "not valid Terraform" in errors[0][1]
