"""The scheduled compliance report, read from the scan history: the trend (open findings by
severity per scan), what is new, fixed and still open since the previous scan, the mean
time to fix, and the waivers that expire soon. As JSON (for machines), Markdown and HTML.

A finding is *present* in a scan when its fingerprint is there open, baselined or waived (a
waived finding is not fixed). It is *fixed* in the first later scan without it — provided
that scan was complete and ran its rule without error: a finding a partial scan did not see
is *not seen*, never fixed. The time to fix runs from the first scan that held it to the
scan that fixed it; one that comes back starts a new count.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from collections import defaultdict

from ..findings import BASELINED, OPEN, WAIVED
from ..graph import canonical_json
from ..severity import SEVERITIES
from . import History, HistoryError, ScanRow

PRESENT = (OPEN, BASELINED, WAIVED)
SHOWN = 1_000        # findings listed per change list in Markdown and HTML (JSON holds them all)
WAIVER_HORIZON = _dt.timedelta(days=14)
_SINCE = re.compile(r"^(\d+)([hdw])$")


def parse_since(text: str | None, now: _dt.datetime) -> _dt.datetime | None:
    """`30d`, `12h`, `2w` before now, or an ISO date/time (UTC when it has no zone)."""
    if not text:
        return None
    m = _SINCE.match(text.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return now - {"h": _dt.timedelta(hours=n), "d": _dt.timedelta(days=n), "w": _dt.timedelta(weeks=n)}[unit]
    try:
        at = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise HistoryError(f"--since {text!r}: expected a duration (30d, 12h, 2w) or a date (2026-11-01)") from None
    return at if at.tzinfo else at.replace(tzinfo=_dt.timezone.utc)


def build(history: History, since: _dt.datetime | None, now: _dt.datetime) -> dict:
    """The report as one document (what every format renders)."""
    scans = history.scans()
    window = [s for s in scans if since is None or s.scanned_at >= since]
    doc = {"format": "mlcheck-history-report", "version": 1,
           "generated_at": _iso(now), "since": _iso(since) if since else None,
           "database_scans": len(scans),
           "trend": trend(history, window),
           "changes": None, "time_to_fix": time_to_fix(history, scans, since),
           "expiring_waivers": []}
    if scans:
        latest = scans[-1]
        previous = scans[-2] if len(scans) > 1 else None
        doc["changes"] = changes(history, previous, latest)
        doc["expiring_waivers"] = expiring_waivers(history, latest, now)
    return doc


def _iso(at: _dt.datetime) -> str:
    return at.astimezone(_dt.timezone.utc).isoformat(timespec="seconds")


def _scan_ref(scan: ScanRow) -> dict:
    return {"id": scan.id, "scanned_at": _iso(scan.scanned_at), "snapshot_digest": scan.snapshot_digest,
            "config_digest": scan.config_digest, "incomplete": scan.incomplete}


def trend(history: History, scans: list[ScanRow]) -> list[dict]:
    """Per scan: open findings by severity, and the count of each status."""
    out = []
    for scan in scans:
        open_by = {sev: 0 for sev in reversed(SEVERITIES)}
        by_status: dict[str, int] = defaultdict(int)
        for sev, status, n in history.conn.execute(
                "SELECT severity, status, COUNT(*) FROM scan_findings WHERE scan_id = ? GROUP BY severity, status",
                (scan.id,)):
            by_status[status] += n
            if status == OPEN and sev in open_by:
                open_by[sev] += n
        out.append({**_scan_ref(scan), "open_by_severity": open_by, "by_status": dict(sorted(by_status.items()))})
    return out


def _item(fp: str, f: dict, first_seen: str | None = None) -> dict:
    item = {"fingerprint": fp, "rule_id": f["rule_id"], "severity": f["severity"], "node": f["node"],
            "status": f["status"]}
    if first_seen:
        item["first_seen"] = first_seen
    return item


def _order(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda i: (-SEVERITIES.index(i["severity"]), i["rule_id"], i["node"], i["fingerprint"]))


def changes(history: History, previous: ScanRow | None, latest: ScanRow) -> dict:
    """New, fixed, still open (and not seen) in the latest scan against the one before it."""
    now = {fp: f for fp, f in history.findings(latest.id).items() if f["status"] in PRESENT}
    before = ({fp: f for fp, f in history.findings(previous.id).items() if f["status"] in PRESENT}
              if previous else {})
    first = first_seen(history, set(now))
    judged = history.evaluated_rules(latest.id) if not latest.incomplete else set()
    gone = [fp for fp in before if fp not in now]
    return {"latest": _scan_ref(latest), "previous": _scan_ref(previous) if previous else None,
            "new": _order([_item(fp, f, first.get(fp)) for fp, f in now.items() if fp not in before]),
            "still_open": _order([_item(fp, f, first.get(fp)) for fp, f in now.items() if fp in before]),
            "fixed": _order([_item(fp, before[fp]) for fp in gone if before[fp]["rule_id"] in judged]),
            "not_seen": _order([_item(fp, before[fp]) for fp in gone if before[fp]["rule_id"] not in judged])}


def first_seen(history: History, fingerprints: set[str]) -> dict[str, str]:
    """fingerprint → time of the first scan that held it (present in any status)."""
    out: dict[str, str] = {}
    rows = history.conn.execute(
        "SELECT f.fingerprint, MIN(s.scanned_at) FROM scan_findings f JOIN scans s ON s.id = f.scan_id"
        f" WHERE f.status IN ({','.join('?' * len(PRESENT))}) GROUP BY f.fingerprint", PRESENT)
    for fp, at in rows:
        if fp in fingerprints:
            out[fp] = _iso(_dt.datetime.fromisoformat(at))
    return out


def time_to_fix(history: History, scans: list[ScanRow], since: _dt.datetime | None) -> dict:
    """Mean time from first seen to fixed, over the fixes made in the window, by severity."""
    open_since: dict[str, tuple[_dt.datetime, str, str]] = {}      # fp → (first seen, severity, rule)
    durations: dict[str, list[float]] = defaultdict(list)
    for scan in scans:
        present = history.present(scan.id, PRESENT)
        judged = history.evaluated_rules(scan.id) if not scan.incomplete else set()
        for fp in [fp for fp in open_since if fp not in present]:
            seen_at, sev, rule = open_since[fp]
            if rule in judged:
                del open_since[fp]
                if since is None or scan.scanned_at >= since:
                    durations[sev].append((scan.scanned_at - seen_at).total_seconds())
        for fp, (rule, sev) in present.items():
            open_since.setdefault(fp, (scan.scanned_at, sev, rule))
    every = [d for ds in durations.values() for d in ds]
    return {"fixed": len(every), "mean_days": _days(every),
            "by_severity": {sev: {"fixed": len(durations[sev]), "mean_days": _days(durations[sev])}
                            for sev in reversed(SEVERITIES) if durations[sev]}}


def _days(seconds: list[float]) -> float | None:
    return round(sum(seconds) / len(seconds) / 86400, 2) if seconds else None


def expiring_waivers(history: History, latest: ScanRow, now: _dt.datetime) -> list[dict]:
    """The waivers of the latest scan's findings that expire within 14 days of now (or have
    expired and no longer waive), with how many findings each covers."""
    horizon = (now + WAIVER_HORIZON).date()
    found: dict[str, dict] = {}
    for f in history.findings(latest.id).values():
        w = f["waiver"]
        if not w or not w.get("expires") or _dt.date.fromisoformat(w["expires"]) > horizon:
            continue
        key = canonical_json({k: w.get(k) for k in ("rule", "resource", "reason", "approved_by", "expires")})
        entry = found.setdefault(key, {**{k: w.get(k) for k in ("rule", "resource", "reason", "approved_by",
                                                              "expires")},
                                       "days_left": (_dt.date.fromisoformat(w["expires"]) - now.date()).days,
                                       "findings": 0})
        entry["findings"] += 1
    return sorted(found.values(), key=lambda e: (e["expires"], e["rule"], e["resource"]))


# -- rendering ------------------------------------------------------------------------------

def render_json(doc: dict) -> str:
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def render_markdown(doc: dict) -> str:
    from ..reporters.markdown_report import code, md
    lines = ["# mlcheck compliance history", "",
             f"Generated {doc['generated_at']}" + (f", scans since {doc['since']}" if doc["since"] else "")
             + f"; {len(doc['trend'])} scan(s) in the window, {doc['database_scans']} recorded.", ""]
    lines += ["## Open findings by severity per scan", "",
              "| Scan | Time | " + " | ".join(reversed(SEVERITIES)) + " | Baselined | Waived | |",
              "|---:|---|" + "---:|" * len(SEVERITIES) + "---:|---:|---|"]
    for t in doc["trend"]:
        cells = " | ".join(str(t["open_by_severity"][s]) for s in reversed(SEVERITIES))
        flag = "incomplete" if t["incomplete"] else ""
        lines.append(f"| {t['id']} | {t['scanned_at']} | {cells} | {t['by_status'].get(BASELINED, 0)} | "
                     f"{t['by_status'].get(WAIVED, 0)} | {flag} |")
    ch = doc["changes"]
    if ch:
        against = f"scan {ch['previous']['id']} ({ch['previous']['scanned_at']})" if ch["previous"] else "no earlier scan"
        lines += ["", f"## Since the previous scan: scan {ch['latest']['id']} against {against}", "",
                  f"**{len(ch['new'])} new** · {len(ch['fixed'])} fixed · {len(ch['still_open'])} still open"
                  + (f" · {len(ch['not_seen'])} not seen (scan incomplete or rule not run)" if ch["not_seen"] else "")]
        for key, title in (("new", "New"), ("fixed", "Fixed"), ("not_seen", "Not seen"), ("still_open", "Still open")):
            if ch[key]:
                lines += ["", f"<details{' open' if key == 'new' else ''}><summary>{title}: {len(ch[key])}</summary>", ""]
                lines += [f"- {md(i['severity'])} **{md(i['rule_id'])}** {code(i['node'])} ({md(i['status'])}"
                          + (f", since {i['first_seen']}" if i.get("first_seen") else "") + ")" for i in ch[key][:SHOWN]]
                if len(ch[key]) > SHOWN:
                    lines.append(f"- … {len(ch[key]) - SHOWN} more in the JSON report")
                lines += ["", "</details>"]
    ttf = doc["time_to_fix"]
    lines += ["", "## Mean time to fix", ""]
    if ttf["fixed"]:
        lines += [f"{ttf['mean_days']} days over {ttf['fixed']} fix(es).", "", "| Severity | Fixed | Mean days |",
                  "|---|---:|---:|"]
        lines += [f"| {sev} | {v['fixed']} | {v['mean_days']} |" for sev, v in ttf["by_severity"].items()]
    else:
        lines.append("No finding was fixed in the window.")
    lines += ["", "## Waivers expiring within 14 days", ""]
    if doc["expiring_waivers"]:
        lines += ["| Rule | Resource | Expires | Days left | Findings | Approved by | Reason |", "|---|---|---|---:|---:|---|---|"]
        lines += [f"| {md(w['rule'])} | {code(w['resource'])} | {w['expires']} | {w['days_left']} | {w['findings']} | "
                  f"{md(w['approved_by'])} | {md(w['reason'])} |" for w in doc["expiring_waivers"]]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def render_html(doc: dict) -> str:
    from ..reporters.html_page import cards, esc, page, sev_badge, stacked_bars, table
    body = ["<h1>mlcheck compliance history</h1>",
            f'<div class="muted">Generated {esc(doc["generated_at"])}'
            + (f", scans since {esc(doc['since'])}" if doc["since"] else "")
            + f"; {len(doc['trend'])} scan(s) in the window, {doc['database_scans']} recorded.</div>"]
    ch, ttf = doc["changes"], doc["time_to_fix"]
    if ch:
        body.append(cards([("new", len(ch["new"])), ("fixed", len(ch["fixed"])), ("still open", len(ch["still_open"])),
                           ("mean days to fix", ttf["mean_days"] if ttf["mean_days"] is not None else "–"),
                           ("waivers expiring", len(doc["expiring_waivers"]))]))
    body += ["<h2>Open findings by severity per scan</h2>",
             stacked_bars([(f"#{t['id']}", t["open_by_severity"]) for t in doc["trend"]])]
    rows = [[str(t["id"]), esc(t["scanned_at"]), *[str(t["open_by_severity"][s]) for s in reversed(SEVERITIES)],
             str(t["by_status"].get(BASELINED, 0)), str(t["by_status"].get(WAIVED, 0)),
             "incomplete" if t["incomplete"] else "", f"<code>{esc(t['snapshot_digest'][:19])}</code>"]
            for t in doc["trend"]]
    body.append(table(["Scan", "Time", *reversed(SEVERITIES), "Baselined", "Waived", "", "Snapshot"], rows,
                      numeric={0, 2, 3, 4, 5, 6, 7, 8}))
    if ch:
        against = f"scan {ch['previous']['id']} ({ch['previous']['scanned_at']})" if ch["previous"] else "no earlier scan"
        body.append(f"<h2>Since the previous scan</h2><p>Scan {ch['latest']['id']} ({esc(ch['latest']['scanned_at'])}) "
                    f"against {esc(against)}.</p>")
        for key, title in (("new", "New"), ("fixed", "Fixed"), ("not_seen", "Not seen (scan incomplete or rule not run)"),
                           ("still_open", "Still open")):
            items = ch[key]
            rows = [[sev_badge(i["severity"]), f"<code>{esc(i['rule_id'])}</code>", f"<code>{esc(i['node'])}</code>",
                     esc(i["status"]), esc(i.get("first_seen", ""))] for i in items[:SHOWN]]
            more = f"<p>… {len(items) - SHOWN} more in the JSON report.</p>" if len(items) > SHOWN else ""
            body.append(f"<details{' open' if key == 'new' and len(items) <= 200 else ''}><summary><b>{title}</b>: "
                        f"{len(items)}</summary>"
                        + (table(["Severity", "Rule", "Resource", "Status", "First seen"], rows) if rows else "")
                        + more + "</details>")
    body.append("<h2>Mean time to fix</h2>")
    if ttf["fixed"]:
        body.append(table(["Severity", "Fixed", "Mean days"],
                          [["all", str(ttf["fixed"]), str(ttf["mean_days"])]]
                          + [[sev_badge(s), str(v["fixed"]), str(v["mean_days"])] for s, v in ttf["by_severity"].items()],
                          numeric={1, 2}))
    else:
        body.append("<p>No finding was fixed in the window.</p>")
    body.append("<h2>Waivers expiring within 14 days</h2>")
    if doc["expiring_waivers"]:
        body.append(table(["Rule", "Resource", "Expires", "Days left", "Findings", "Approved by", "Reason"],
                          [[f"<code>{esc(w['rule'])}</code>", f"<code>{esc(w['resource'])}</code>", esc(w["expires"]),
                            str(w["days_left"]), str(w["findings"]), esc(w["approved_by"]), esc(w["reason"])]
                           for w in doc["expiring_waivers"]], numeric={3, 4}))
    else:
        body.append("<p>None.</p>")
    return page("mlcheck compliance history", body)


RENDERERS = {"json": render_json, "md": render_markdown, "html": render_html}
