"""Console report: findings grouped by severity, then what was scanned and what was not."""
from __future__ import annotations

import json

from ..severity import SEVERITIES
from . import printable

EXTENSIONS = (".txt",)

STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow",
         "low": "cyan", "info": "dim"}


def one_line_evidence(evidence: dict) -> str:
    """The evidence a reader needs at a glance: the path, where it stopped, the facts."""
    parts = [evidence["reason"]] if isinstance(evidence.get("reason"), str) else []
    for field, entry in (evidence.get("unresolved") or {}).items():
        if isinstance(entry, dict) and entry.get("reason"):
            parts.append(f"{field}: {entry['reason']}")
    for step in evidence.get("trace", [])[:2]:
        if "path" in step and step.get("found"):
            parts.append("path " + " → ".join(step["path"]))
        elif "missing_edge" in step:
            parts.append(f"no {step['missing_edge']} edge from {', '.join(step['stopped_at'][:2])}")
        elif "neighbors" in step:
            parts.append(f"{step['count']} {step['neighbors']} neighbour(s)")
        elif "reason" in step:
            parts.append(step["reason"])
    facts = evidence.get("facts", {k: v for k, v in evidence.items()
                                   if k not in ("trace", "reason", "unresolved")})
    if facts:
        parts.append(", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in list(facts.items())[:6]))
    return "; ".join(parts)


def finding_lines(f, escape) -> list[str]:
    """An open finding as console markup: rule and message, node and place, evidence, status."""
    loc = f.locations[0] if f.locations else {}
    where = f"{loc.get('source', '')}{':' + str(loc['line']) if loc.get('line') else ''}"
    lines = [f"  [bold]{escape(f.rule_id)}[/] {escape(f.message)}",
             f"    node: {escape(f.node)}" + (f"  at {escape(where)}" if where else "")]
    ev = one_line_evidence(f.evidence)
    if ev:
        lines.append(f"    evidence: {escape(ev)}")
    if f.status_reason:
        lines.append(f"    [magenta]{escape(f.status_reason)}[/]")
    if f.override:
        lines.append(f"    [magenta]overridden: {escape(override_text(f.override))}[/]")
    return lines


def override_text(override: dict) -> str:
    """`severity high → low, remediation (organisation's text): reason`."""
    changed = [f"severity {o['from']} → {o['to']}" if field == "severity" else f"{field} (organisation's text)"
               for field, o in override.items() if field != "reason"]
    return ", ".join(changed) + (f": {override['reason']}" if override.get("reason") else "")


def framework_lines(result, escape) -> list[str]:
    """Requirements by status per framework; with --framework, each requirement too."""
    from ..frameworks import frameworks_in_scope, requirement_status, totals
    lines = ["\n[bold]Frameworks[/] (requirements by status; informative mappings)"]
    for fw in frameworks_in_scope(result):
        statuses = requirement_status(result, fw)
        lines.append(f"  {escape(fw.id)}: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                                       for k, v in totals(statuses).items()))
        if result.framework:
            lines += [f"    {escape(s.requirement.id)}: {s.status.replace('_', ' ')} — {escape(s.reason)}"
                      for s in statuses]
    return lines


class PlainConsole:
    """What rich's Console prints to a stream that is no terminal (no colour, soft wrap):
    the markup's plain text, line by line, without the layout pass that took 80 % of the
    report's time (7 of 9 s at 20k findings)."""

    def __init__(self, stream) -> None:
        from rich.markup import render as markup
        self.stream, self.markup = stream, markup

    def print(self, text: str = "") -> None:
        self.stream.write(self.markup(text).plain + "\n")


def render(result, stream, **_) -> None:
    from rich.console import Console
    from rich.markup import escape as markup_escape

    def escape(text: str) -> str:        # scanned strings: neither markup nor control characters
        return markup_escape(printable(text))
    console = Console(file=stream, width=max(100, Console().width), highlight=False, soft_wrap=True) \
        if stream.isatty() else PlainConsole(stream)
    shown = [f for f in result.findings if f.status == "open"]
    for sev in reversed(SEVERITIES):
        group = [f for f in shown if f.severity == sev]
        if not group:
            continue
        # One print per group: rich's per-call cost (terminal checks, a render pass) made 25k
        # findings take 8.5 s when each of their lines was a call of its own.
        lines = [f"\n[{STYLE[sev]}]{sev.upper()}[/] ({len(group)})"]
        for f in group:
            lines += finding_lines(f, escape)
        console.print("\n".join(lines))
    waived = [f for f in result.findings if f.status == "waived"]
    if waived:        # an auditor sees what a waiver hides, and who approved it until when
        lines = [f"\n[magenta]WAIVED[/] ({len(waived)})"]
        for f in waived:
            lines += [f"  [bold]{escape(f.rule_id)}[/] {escape(f.severity)} {escape(f.node)}",
                      f"    [magenta]{escape(f.status_reason)}[/]"]
        console.print("\n".join(lines))
    undetermined = [f for f in result.findings if f.status == "cannot_evaluate"]
    if undetermined:
        lines = [f"\n[bold blue]CANNOT EVALUATE[/] ({len(undetermined)}): a fact the rule needs is "
                 "unknown (neither passed nor failed)"]
        for f in undetermined:
            lines.append(f"  [bold]{escape(f.rule_id)}[/] {escape(f.node)}")
            for e in f.evidence.get("unknown", [])[:3]:
                lines.append(f"    {escape(e.get('unknown', ''))} = {escape(str(e.get('expression', '?')))}"
                             + (f" ({escape(e['reason'])})" if e.get("reason") else ""))
        console.print("\n".join(lines))
    s = result.summary
    console.print("\n[bold]Summary[/]")
    console.print("  open: " + ", ".join(f"{k} {v}" for k, v in s["open_by_severity"].items())
                  + f"  (waived {s['by_status']['waived']}, baselined {s['by_status']['baselined']}, "
                    f"cannot evaluate {s['by_status']['cannot_evaluate']})")
    console.print("  collected: " + (", ".join(f"{k} {v}" for k, v in s["nodes_by_kind"].items())
                                     or "nothing"))
    console.print(f"  sources: {len(result.graph.sources)}   graph digest: {result.digest}")
    console.print(f"  rules evaluated: {s['rules_evaluated']}")
    console.print("\n".join(framework_lines(result, escape)))
    if s["rules_not_applicable"]:
        console.print(f"  not applicable (matched no node): {', '.join(s['rules_not_applicable'])}")
        for rule_id, why in s["not_applicable_reasons"].items():
            console.print(f"    {rule_id}: {escape(why)}")
    if result.graph.errors:
        console.print(f"\n[bold red]Collection errors ({len(result.graph.errors)}): the scan is incomplete[/]")
        for err in result.graph.errors:
            console.print(f"  {escape(str(err))}")
    if result.evaluation_errors:
        console.print(f"\n[bold red]Rules that could not be evaluated ({len(result.evaluation_errors)}): "
                      "the scan is incomplete[/]")
        for rule_id, reason in result.evaluation_errors:
            console.print(f"  {escape(rule_id)}: {escape(reason)}")
    failing, fail_on = s["gate"]["failing"], s["gate"]["fail_on"]
    verdict = (f"[bold red]FAIL[/]: {failing} open finding(s) at or above {fail_on}" if failing
               else f"[bold green]PASS[/]: no open finding at or above {fail_on}")
    console.print(f"\n{verdict}")
