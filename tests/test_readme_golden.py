"""The README's first command, run as written on the shipped sample estate: its findings
(severity, rule, node) and exit code must be exactly what the README's table and text
say, so the README cannot drift from the product."""
from __future__ import annotations

import re
import shlex

from conftest import REPO_ROOT, run_mlcheck

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
SEVERITIES = ("critical", "high", "medium", "low", "info")


def first_command() -> list[str]:
    """The `mlcheck …` part of the README's first bash block."""
    block = re.search(r"```bash\n(.*?)\n```", README, re.S).group(1)
    part = next(p for p in re.split(r"\s*(?:&&|;)\s*", block) if p.startswith("mlcheck "))
    return shlex.split(part)[1:]


def readme_table() -> set[tuple[str, str, str]]:
    """Rows `| severity | MLC-X-NNN | `node id` | … |` of the sample's findings table."""
    rows = re.findall(r"^\| (\w+) \| (MLC-[A-Z][A-Z0-9]*-\d{3}) \| `([^`]+)` \|", README, re.M)
    return set(rows)


def console_findings(output: str) -> set[tuple[str, str, str]]:
    """(severity, rule, node) from the console report: severity headings, finding lines,
    and the `node:` line under each."""
    found, severity, rule = set(), None, None
    for line in output.splitlines():
        heading = re.match(r"^([A-Z]+) \(\d+\)$", line)
        if heading and heading.group(1).lower() in SEVERITIES:
            severity = heading.group(1).lower()
        elif m := re.match(r"^  (MLC-[A-Z][A-Z0-9]*-\d{3}) ", line):
            rule = m.group(1)
        elif (m := re.match(r"^    node: (\S+)", line)) and rule:
            found.add((severity, rule, m.group(1)))
            rule = None
    return found


def test_first_command_is_a_scan_of_the_sample_estate():
    assert first_command() == ["scan", "samples/estate"]


def test_readme_table_is_what_the_first_command_finds():
    result = run_mlcheck(*first_command(), cwd=REPO_ROOT)
    table = readme_table()
    assert table, "the README has no findings table for the sample estate"
    found = console_findings(result.stdout)
    assert found - table == set(), "found, but not in the README's table"
    assert table - found == set(), "in the README's table, but not found"
    said = re.search(r"the exit code is (\d)", README)
    assert said and result.returncode == int(said.group(1)), result.stderr


def test_console_parser_reads_every_finding():
    """The parser above must not miss findings: its count equals the summary's open count."""
    result = run_mlcheck(*first_command(), cwd=REPO_ROOT)
    counts = re.search(r"open: critical (\d+), high (\d+), medium (\d+), low (\d+), info (\d+)", result.stdout)
    assert counts, result.stdout[-2000:]
    assert len(console_findings(result.stdout)) == sum(int(n) for n in counts.groups())
