"""What the HTML reports share: one self-contained page (inline CSS, inline SVG, no script,
no fetch of any kind), escaping, severity badges, a stacked bar chart and a path drawing.

Every scanned string goes through `esc` (html.escape of the printable text): nothing from
a scanned estate becomes markup. The page links to nothing outside itself."""
from __future__ import annotations

import html
import re

from ..severity import SEVERITIES
from . import printable

COLOURS = {"critical": "#7b1fa2", "high": "#c62828", "medium": "#ef6c00", "low": "#f9a825", "info": "#607d8b"}

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;margin:0;background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d6dae0;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
.muted{color:#5b6470}.mono,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}
.verdict{padding:10px 14px;border-radius:6px;font-weight:600;margin:12px 0}
.fail{background:#fdecea;border:1px solid #f5c2bd}.pass{background:#e8f5e9;border:1px solid #b9dfbb}
.warn{background:#fff8e1;border:1px solid #ffe08a;padding:8px 12px;border-radius:6px;margin:8px 0}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.card{background:#fff;border:1px solid #d6dae0;border-radius:6px;padding:8px 14px;min-width:96px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;background:#fff;margin:6px 0;width:100%}
th,td{border:1px solid #d6dae0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef0f3}td:nth-child(2){white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sev{display:inline-block;color:#fff;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;text-transform:uppercase}
.st{display:inline-block;border:1px solid #9aa3ad;border-radius:3px;padding:0 5px;font-size:12px}
details{background:#fff;border:1px solid #d6dae0;border-radius:6px;margin:6px 0;padding:0 10px}
details details{border-color:#e3e6ea;margin:4px 0}
summary{cursor:pointer;padding:6px 0}
pre{background:#f6f8fa;border:1px solid #e3e6ea;padding:8px;overflow:auto;max-height:360px;font-size:12px;white-space:pre-wrap;word-break:break-all}
svg text{font:11px system-ui,sans-serif}svg.path{max-width:100%;height:auto}
.sat{color:#2e7d32}.unsat{color:#c62828}.na{color:#5b6470}
"""


# One arrow head for every drawing on the page (an id is defined once per document).
ARROW = ('<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
         '<marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" '
         'orient="auto"><path d="M0,0L8,4L0,8z" fill="#5b6470"/></marker></defs></svg>')


def esc(text) -> str:
    """A scanned string as inert HTML text (attribute-safe too). Every character printable()
    escapes is one str.isprintable() rejects: printable text skips its regex."""
    text = str(text)
    return html.escape(text if text.isprintable() else printable(text), quote=True)


# printable()'s characters less the line feed: for multi-line text whose line breaks are ours.
_UNPRINTABLE_IN_BLOCK = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def esc_block(text: str) -> str:
    """Multi-line text as inert HTML, its line breaks kept, every other control shown escaped."""
    shown = _UNPRINTABLE_IN_BLOCK.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)
    return html.escape(shown, quote=False)


def sev_badge(severity: str) -> str:
    return f'<span class="sev" style="background:{COLOURS.get(severity, "#607d8b")}">{esc(severity)}</span>'


def page(title: str, body: list[str]) -> str:
    return "\n".join(["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                      '<meta name="viewport" content="width=device-width, initial-scale=1">',
                      # No fetch of any kind, even if markup slipped through: the page's own policy.
                      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                      "style-src 'unsafe-inline'; img-src data:\">",
                      f"<title>{esc(title)}</title><style>{CSS}</style></head><body>", ARROW, "<main>",
                      *body, "</main></body></html>", ""])


def cards(items: list[tuple[str, object]]) -> str:
    return '<div class="cards">' + "".join(f'<div class="card"><b>{esc(v)}</b>{esc(k)}</div>'
                                           for k, v in items) + "</div>"


def table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """A table; cells are HTML already (escape scanned strings before)."""
    out = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>")
    return "".join(out) + "</table>"


def stacked_bars(columns: list[tuple[str, dict[str, int]]], height: int = 160) -> str:
    """One bar per column (label, count by severity), severities stacked most severe on top."""
    if not columns:
        return ""
    bar, gap, left, bottom = 26, 14, 36, 34
    peak = max((sum(c.values()) for _, c in columns), default=0) or 1
    width = left + len(columns) * (bar + gap) + gap
    scale = (height - bottom - 10) / peak
    parts = [f'<svg width="{width}" height="{height}" '
             f'role="img" aria-label="open findings by severity per scan">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#9aa3ad"/>',
             f'<text x="{left - 4}" y="14" text-anchor="end">{peak}</text>',
             f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end">0</text>']
    for i, (label, counts) in enumerate(columns):
        x = left + gap + i * (bar + gap)
        y = height - bottom
        for sev in SEVERITIES:                     # info at the bottom, critical on top
            h = counts.get(sev, 0) * scale
            if h:
                y -= h
                parts.append(f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" fill="{COLOURS[sev]}">'
                             f"<title>{esc(label)}: {counts[sev]} {sev}</title></rect>")
        parts.append(f'<text x="{x + bar / 2}" y="{y - 3:.1f}" text-anchor="middle">{sum(counts.values())}</text>')
        parts.append(f'<text x="{x + bar / 2}" y="{height - bottom + 14}" text-anchor="middle">{esc(label)}</text>')
    parts.append("</svg>")
    legend = " ".join(f'{sev_badge(s)}' for s in reversed(SEVERITIES))
    return "".join(parts) + f"<div>{legend}</div>"


def path_drawing(columns: list[list[tuple[str, str]]], edges: list[tuple[str, str, str]],
                 ghosts: set[str] = frozenset()) -> str:
    """Nodes in columns (each node: id, label lines joined by '\\n'), left to right, and the
    edges between them (src id, dst id, edge kind) as labelled arrows. Node ids are only keys
    here; what is drawn is the label. `ghosts` are nodes the path should reach and does not:
    dashed, like the arrows into them."""
    box_w, box_h, col_gap, row_gap, pad = 212, 40, 86, 14, 8
    where: dict[str, tuple[float, float]] = {}
    for c, column in enumerate(columns):
        for r, (nid, _) in enumerate(column):
            where[nid] = (pad + c * (box_w + col_gap), pad + r * (box_h + row_gap))
    rows = max((len(col) for col in columns), default=1)
    width = pad * 2 + len(columns) * box_w + (len(columns) - 1) * col_gap
    height = pad * 2 + rows * box_h + (rows - 1) * row_gap
    out = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="path" role="img" '
           f'aria-label="graph path">']
    for src, dst, kind in edges:
        if src not in where or dst not in where:
            continue
        (x1, y1), (x2, y2) = where[src], where[dst]
        if x2 > x1:
            ax, bx = x1 + box_w, x2
        elif x2 < x1:
            ax, bx = x1, x2 + box_w
        else:                                      # same column: from the side, curving out
            ax = bx = x1 + box_w
        ay, by = y1 + box_h / 2, y2 + box_h / 2
        bend = "" if x1 != x2 else f" C{ax + 40},{ay} {bx + 40},{by}"
        d = f"M{ax:.0f},{ay:.0f}" + (bend + f" {bx:.0f},{by:.0f}" if bend else f" L{bx:.0f},{by:.0f}")
        dash = ' stroke-dasharray="5,4"' if dst in ghosts else ""
        out.append(f'<path d="{d}" fill="none" stroke="#5b6470"{dash} marker-end="url(#arrow)"/>')
        # The label sits near the arrow's head: arrows fanning out of one node keep theirs apart.
        lx, ly = ax + (bx - ax) * 0.62, ay + (by - ay) * 0.62
        out.append(f'<text x="{lx + (30 if x1 == x2 else 0):.0f}" y="{ly - 4:.0f}" '
                   f'text-anchor="middle" fill="#5b6470">{esc(kind)}</text>')
    for column in columns:
        for nid, label in column:
            x, y = where[nid]
            first, *rest = label.split("\n")
            style = ('fill="#fff8e1" stroke="#c62828" stroke-dasharray="5,4"' if nid in ghosts
                     else 'fill="#fff" stroke="#37474f"')
            out.append(f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="5" {style}>'
                       f'<title>{esc(nid if nid not in ghosts else label.replace(chr(10), ": "))}</title></rect>')
            out.append(f'<text x="{x + 8}" y="{y + 16}" font-weight="600">{esc(_fit(first, 28, keep_end=False))}</text>')
            if rest:
                out.append(f'<text x="{x + 8}" y="{y + 31}">{esc(_fit(rest[0], 31))}</text>')
    out.append("</svg>")
    return "".join(out)


def _fit(text: str, chars: int, keep_end: bool = True) -> str:
    """The end of a long key is the telling part (a file, a version): keep it."""
    if len(text) <= chars:
        return text
    return "…" + text[-(chars - 1):] if keep_end else text[:chars - 1] + "…"
