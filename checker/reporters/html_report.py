"""HTML report: one self-contained file a person who never used mlcheck can read — the
verdict and totals, status per framework control, then every finding grouped by rule and
resource with its evidence, and for lineage and exposure findings a drawing of the graph
path behind it (model version → run → commit / dataset; endpoint → workspace → storage).

Inline CSS and SVG, no script, no fetch (html_page). With thousands of findings it stays
usable: rules and resources are collapsed <details>, so the browser lays out only what is
opened. Order is stable (severity, rule, resource): two scans of one estate give one file.
"""
from __future__ import annotations

import json
from collections import defaultdict

from .. import __version__
from ..findings import BASELINED, CANNOT_EVALUATE, OPEN, WAIVED
from ..severity import SEVERITIES
from .html_page import cards, esc, esc_block, page, path_drawing, sev_badge, table
from .places import place

EXTENSIONS = (".html", ".htm")
REPLAYABLE = True       # the output is a function of the scan result alone (--cache replays it: scale/reports.py)
EVIDENCE_CHARS = 4_000
# Rules about paths through the graph: their findings get a drawing of the path.
PATH_CATEGORIES = frozenset({"lineage", "network"})
# Edges a lineage or exposure path follows out of the finding's node, and (PATH_IN) into it.
PATH_OUT = frozenset({"produced_by", "built_from", "reads", "source_file", "tracked_by", "serves",
                      "deploys", "in_workspace", "uses", "exposes", "private_link"})
PATH_IN = frozenset({"serves", "deploys"})
PATH_DEPTH, PATH_NODES = 3, 12
MISSING = "missing:"          # the id prefix of a drawn node that the path should reach and does not
STATUSES = (OPEN, BASELINED, WAIVED, CANNOT_EVALUATE)


def render(result, stream, **_) -> None:
    stream.write(page("mlcheck report", [*summary(result), *frameworks_section(result),
                                          *findings_section(result), *not_applicable(result)]))


# -- summary ----------------------------------------------------------------------------

def summary(result) -> list[str]:
    s = result.summary
    gate = s["gate"]
    verdict = (f'<div class="verdict fail">FAIL: {gate["failing"]} open finding(s) at or above '
               f'{esc(gate["fail_on"])}</div>' if gate["failing"] else
               f'<div class="verdict pass">PASS: no open finding at or above {esc(gate["fail_on"])}</div>')
    sources = ", ".join(f'{esc(src["kind"])} <code>{esc(src["source"])}</code>' for src in result.graph.sources)
    out = ["<h1>mlcheck compliance report</h1>",
           f'<div class="muted">mlcheck {esc(__version__)} · graph digest <code>{esc(result.digest)}</code></div>',
           verdict,
           cards([(f"open {sev}", s["open_by_severity"][sev]) for sev in reversed(SEVERITIES)]),
           cards([("baselined", s["by_status"][BASELINED]), ("waived", s["by_status"][WAIVED]),
                  ("cannot evaluate", s["by_status"][CANNOT_EVALUATE]),
                  ("rules evaluated", s["rules_evaluated"]),
                  ("rules not applicable", len(s["rules_not_applicable"]))]),
           f'<div class="muted">Sources: {sources or "none"}</div>',
           # For a reader who never used mlcheck: what the statuses and the gate mean.
           f'<p class="muted">Each finding is a rule that a resource of the estate breaks. <b>Open</b> '
           f'findings at or above {esc(gate["fail_on"])} fail the gate; <b>baselined</b> ones were known '
           "before (recorded in a baseline) and do not; <b>waived</b> ones were accepted by someone, for a "
           "reason, until a date; <b>cannot evaluate</b> means a fact the rule needs is unknown (neither "
           "pass nor fail). Open a rule, then a resource, for the evidence and, for lineage and network "
           "rules, a drawing of the path through the estate.</p>"]
    if result.incomplete:
        out.append(f'<div class="warn"><b>The scan is incomplete</b>: {len(result.graph.errors)} collection '
                   f'error(s), {len(result.evaluation_errors)} rule evaluation error(s). Findings below cover '
                   "only what could be read and evaluated.<ul>"
                   + "".join(f"<li><code>{esc(e.source)}{':' + str(e.line) if e.line else ''}</code>: "
                             f"{esc(e.reason)}</li>" for e in result.graph.errors)
                   + "".join(f"<li>rule <code>{esc(rid)}</code>: {esc(why)}</li>"
                             for rid, why in result.evaluation_errors) + "</ul></div>")
    return out


# -- frameworks ---------------------------------------------------------------------------

def framework_status(result) -> dict[str, dict[str, dict]]:
    """framework → requirement → {status, rules, findings, open, reason}, from the frameworks
    as data (policies/frameworks/*.yaml, checker/frameworks): every requirement, the rules
    giving evidence for it, and *manual* where no rule can observe it."""
    from ..frameworks import frameworks_in_scope, requirement_status
    out: dict[str, dict[str, dict]] = {}
    for framework in frameworks_in_scope(result):
        rows = {}
        for state in requirement_status(result, framework):
            req = state.requirement
            rows[f"{req.id} {req.title}"] = {
                "status": state.status.replace("_", " "), "rules": state.rules, "reason": state.reason,
                "findings": sum(f.status != CANNOT_EVALUATE for f in state.findings),
                "open": sum(f.status == OPEN for f in state.findings)}
        out[framework.name] = rows
    return out


STATUS_CLASS = {"satisfied": "sat", "not satisfied": "unsat", "not applicable": "na", "cannot evaluate": "na",
                "manual": "na"}


def frameworks_section(result) -> list[str]:
    frameworks = framework_status(result)
    if not frameworks:
        return []
    out = ["<h2>Status by framework requirement</h2>",
           '<p class="muted">Each requirement of the frameworks mlcheck ships (policies/frameworks/) with '
           "the rules giving evidence for it; a baselined or waived finding still leaves it not satisfied, "
           "and <i>manual</i> marks what no rule can observe. Informative, not an attestation.</p>"]
    for framework, controls in frameworks.items():
        counts = defaultdict(int)
        for entry in controls.values():
            counts[entry["status"]] += 1
        tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        rows = [[esc(control), f'<span class="{STATUS_CLASS.get(e["status"], "na")}" title="{esc(e["reason"])}">'
                 f'{esc(e["status"])}</span>',
                 str(e["findings"]), str(e["open"]), " ".join(f"<code>{esc(r)}</code>" for r in e["rules"])]
                for control, e in controls.items()]
        out.append(f"<details><summary><b>{esc(framework)}</b>: {esc(tally)}</summary>"
                   + table(["Requirement", "Status", "Findings", "Open", "Rules"], rows, numeric={2, 3}) + "</details>")
    return out


# -- findings -------------------------------------------------------------------------------

def findings_section(result) -> list[str]:
    by_rule: dict[str, list] = defaultdict(list)
    for f in result.findings:
        by_rule[f.rule_id].append(f)
    rules = {r.id: r for r in result.rules}
    order = sorted(by_rule, key=lambda rid: (-max(f.rank for f in by_rule[rid]), rid))
    out = [f"<h2>Findings by rule ({len(result.findings)})</h2>"]
    if not order:
        out.append("<p>No findings.</p>")
    for rid in order:
        out.append(rule_block(result, rules.get(rid), rid, by_rule[rid]))
    return out


def rule_block(result, rule, rule_id: str, group: list) -> str:
    worst = max(group, key=lambda f: f.rank).severity
    counts = ", ".join(f"{n} {status.replace('_', ' ')}" for status in STATUSES
                       if (n := sum(f.status == status for f in group)))
    head = (f"<summary>{sev_badge(worst)} <b>{esc(rule_id)}</b> {esc(group[0].title)} "
            f'<span class="muted">— {esc(counts)}</span></summary>')
    about = ""
    if rule is not None:
        about = (f"<p>{esc(rule.description)}</p><p><b>Remediation:</b> {esc(rule.remediation)}</p>"
                 + (f'<p class="muted">Controls: {esc(controls_text(rule.controls))}</p>' if rule.controls else ""))
    by_node: dict[str, list] = defaultdict(list)
    for f in group:
        by_node[f.node].append(f)
    resources = "".join(resource_block(result, node, fs) for node, fs in sorted(by_node.items()))
    return f'<details class="rule">{head}{about}{resources}</details>'


def controls_text(controls: dict) -> str:
    return "; ".join(f"{fw} {', '.join(ids)}" for fw, ids in sorted(controls.items()))


def resource_block(result, node: str, group: list) -> str:
    where = place(result, group[0])
    at = f"{where.path}:{where.line}" if where.line else where.path
    statuses = " ".join(sorted({f'<span class="st">{esc(f.status.replace("_", " "))}</span>' for f in group}))
    worst = max(group, key=lambda f: f.rank).severity
    parts = [f"<details><summary>{sev_badge(worst)} <code>{esc(node)}</code> {statuses}</summary>",
             f'<p class="muted">at <code>{esc(at)}</code></p>']
    for f in group:
        parts.append(f"<p>{sev_badge(f.severity)} {esc(f.message)} "
                     f'<span class="muted mono" title="fingerprint">{esc(f.fingerprint)}</span></p>')
        if f.status_reason:
            parts.append(f'<p class="muted">{esc(f.status_reason)}</p>')
        if f.category in PATH_CATEGORIES:
            drawing = path_svg(result, f)
            if drawing:
                parts.append(drawing)
        parts.append(f"<pre>{esc_block(evidence_text(f.evidence))}</pre>")
    parts.append("</details>")
    return "".join(parts)


_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def evidence_text(evidence) -> str:
    """One top-level key a line, each value compact: readable, and written by json's C
    encoder (indent= takes the pure-Python one, a third of the report's time)."""
    if isinstance(evidence, dict) and evidence:
        text = "{\n" + ",\n".join(f" {_JSON.encode(str(k))}: {_JSON.encode(v)}"
                                   for k, v in sorted(evidence.items(), key=lambda kv: str(kv[0]))) + "\n}"
    else:
        text = _JSON.encode(evidence)
    if len(text) > EVIDENCE_CHARS:
        text = text[:EVIDENCE_CHARS] + f"\n… ({len(text) - EVIDENCE_CHARS} more characters in the JSON report)"
    return text


# -- the graph path behind a finding --------------------------------------------------------------

def path_nodes(graph, finding) -> list[str]:
    """The finding's node, the nodes its evidence names, and the typed nodes that lineage and
    exposure edges reach from it (PATH_OUT out of it, PATH_IN into it), at most PATH_NODES."""
    seen: dict[str, None] = {}
    g = graph.g          # ids in findings are clean already: no second redaction pass per lookup
    if finding.node in g:
        seen[finding.node] = None
    for nid in named_nodes(finding.evidence):
        if nid in g:
            seen[nid] = None
    frontier = list(seen)[:1]
    for depth in range(PATH_DEPTH):
        nxt = []
        for nid in frontier:
            # g.succ / g.pred: {neighbour: {edge kind: data}}, without networkx's edge views
            reached = [dst for dst, kinds in g.succ[nid].items() if not PATH_OUT.isdisjoint(kinds)]
            if depth == 0:      # what serves or deploys the finding's node; not what deploys those
                reached += [src for src, kinds in g.pred[nid].items() if not PATH_IN.isdisjoint(kinds)]
            for other in reached:
                if other not in seen and drawable(graph, other):
                    seen[other] = None
                    nxt.append(other)
        frontier = nxt
    return list(seen)[:PATH_NODES]


def drawable(graph, nid: str) -> bool:
    """A node of the shared vocabulary: a resource mlcheck could not type (a resource group,
    a provider's data source) only crowds the drawing."""
    data = graph.node(nid)
    return data["kind"] != "resource" or data["attrs"].get("type") not in (None, "other")


def named_nodes(value) -> list[str]:
    """Strings in the evidence that look like node ids (kind:key), in order."""
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str) and ":" in item and item.split(":", 1)[0].isidentifier():
            out.append(item)
    return out


def path_svg(result, finding) -> str:
    graph = result.graph
    nodes = path_nodes(graph, finding)
    members = set(nodes)
    succ = graph.g.succ
    edges = sorted((s, d, k) for s in nodes for d, kinds in succ[s].items() if d in members for k in kinds)
    labels = {nid: node_label(graph, nid) for nid in nodes}
    gaps = missing_steps(result, finding, members)
    for i, (src, label) in enumerate(gaps):
        ghost = f"{MISSING}{i}"
        nodes.append(ghost)
        labels[ghost] = label
        edges.append((src, ghost, "missing"))
    if len(nodes) < 2:
        return ""
    columns = layered(nodes, edges)
    return path_drawing([[(nid, labels[nid]) for nid in col] for col in columns], adjacent(columns, edges),
                        ghosts={n for n in nodes if n.startswith(MISSING)})


def missing_steps(result, finding, members: set[str]) -> list[tuple[str, str]]:
    """Where a required path stopped (the graph engine's trace): (last node reached, what it
    should have led to), drawn as a dashed box."""
    rule = result.catalog.get(finding.rule_id)
    wanted = wanted_text(rule.check) if rule else ""
    out = []
    for step in finding.evidence.get("trace", []) if isinstance(finding.evidence, dict) else []:
        if not isinstance(step, dict) or step.get("found") is not False or not step.get("path"):
            continue
        last = step["path"][-1]
        if last in members:
            out.append((last, "not found\n" + (f"no {step['missing_edge']} edge" if step.get("missing_edge")
                                                else wanted or "the required node")))
    return out[:2]


def wanted_text(check: dict) -> str:
    """What a `require: path` check must reach, in a few words (`run where git_commit exists`)."""
    to = ((check.get("require") or {}).get("path") or {}).get("to") or {}
    if not isinstance(to, dict) or "kind" not in to:
        return ""
    where = to.get("where") or {}
    attr = where.get("attr") if isinstance(where, dict) else None
    test = next((k for k in where if k != "attr"), "") if attr else ""
    return f"{to['kind']}" + (f" where {attr} {test.replace('_', ' ')}" if attr else "")


def layered(nodes: list[str], edges: list[tuple[str, str, str]]) -> list[list[str]]:
    """Columns by distance from the first node, edges taken either way: the finding's node
    on the left, what it leads to on the right. Unconnected nodes take the last column."""
    near: dict[str, set[str]] = defaultdict(set)
    for s, d, _ in edges:
        near[s].add(d)
        near[d].add(s)
    depth = {nodes[0]: 0}
    frontier = [nodes[0]]
    while frontier:
        nxt = []
        for nid in frontier:
            for other in sorted(near[nid]):
                if other not in depth:
                    depth[other] = depth[nid] + 1
                    nxt.append(other)
        frontier = nxt
    last = max(depth.values()) + 1
    columns: dict[int, list[str]] = defaultdict(list)
    for nid in nodes:
        columns[depth.get(nid, last)].append(nid)
    return [columns[i] for i in sorted(columns)]


def adjacent(columns: list[list[str]], edges: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Only the edges between neighbouring columns: the path, not every join around it."""
    col = {nid: i for i, column in enumerate(columns) for nid in column}
    return [e for e in edges if abs(col[e[0]] - col[e[1]]) == 1]


def node_label(graph, nid: str) -> str:
    """Two lines: the kind (with a resource's type) and the end of its key."""
    data = graph.node(nid)
    kind = data["kind"].replace("_", " ")
    rtype = data["attrs"].get("type") if data["kind"] == "resource" else None
    key = nid.split(":", 1)[1] if ":" in nid else nid
    return f"{kind}{' · ' + str(rtype).replace('_', ' ') if rtype else ''}\n{key}"


def not_applicable(result) -> list[str]:
    reasons = result.summary["not_applicable_reasons"]
    if not reasons:
        return []
    rows = [[f"<code>{esc(rid)}</code>", esc(why)] for rid, why in sorted(reasons.items())]
    return ["<h2>Rules not applicable</h2>", table(["Rule", "Why it matched no node"], rows)]
