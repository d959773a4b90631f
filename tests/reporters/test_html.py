"""HTML report: one self-contained page (nothing fetched), every finding grouped by rule and
resource with its evidence, path drawings for lineage and exposure findings, status per
framework control, scanned strings inert; rendered in headless Chromium when present."""
from __future__ import annotations

import dataclasses
import html
import html.parser
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from checker.reporters.html_report import PATH_CATEGORIES, framework_status
from conftest import REPO_ROOT, run_cli
from .conftest import check_golden, rendered

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_sample_and_states_match_golden(sample_result, states_result):
    check_golden("sample.html", rendered("html", sample_result))
    check_golden("states.html", rendered("html", states_result))


class Links(html.parser.HTMLParser):
    """Every tag and every attribute that can make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset",
                        "background") and value:
                self.urls.append(value)
            if name == "style" and value and "url(" in value:
                self.urls.append(value)


def test_page_fetches_nothing(states_result):
    text = rendered("html", states_result)
    links = Links()
    links.feed(text)
    assert not links.urls, links.urls
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & links.tags
    style = "".join(re.findall(r"<style>(.*?)</style>", text, re.S))
    assert style and "url(" not in style and "@import" not in style
    assert "Content-Security-Policy" in text and "default-src 'none'" in text


def test_every_finding_is_shown_once_under_its_rule_and_resource(states_result):
    text = rendered("html", states_result)
    for f in states_result.findings:
        assert text.count(f.fingerprint) == 1, f
    rules = {f.rule_id for f in states_result.findings}
    assert text.count('<details class="rule"><summary>') == len(rules)
    resources = {(f.rule_id, f.node) for f in states_result.findings}
    assert len(re.findall(r"<details><summary><span class=\"sev\"[^>]*>\w+</span> <code>", text)) == len(resources)
    s = states_result.summary["by_status"]
    assert s["baselined"] and s["waived"]
    assert f"<b>{s['baselined']}</b>baselined" in text and f"<b>{s['waived']}</b>waived" in text
    assert "managed identity rollout in Q2" in text          # the waiver's reason beside its findings


def drawing_of(text: str, node: str) -> str:
    """The path drawing inside a resource block (the block of `node`, first rule)."""
    start = text.index(f"<code>{html.escape(node)}</code> <span class=\"st\">")
    block = text[start:text.index("</details>", start)]
    m = re.search(r'<svg width="\d+" height="\d+" viewBox="[^"]+" class="path".*?</svg>', block, re.S)
    return m.group(0) if m else ""


def test_lineage_findings_draw_their_path_through_the_graph(sample_result):
    text = rendered("html", sample_result)
    lin4 = next(f for f in sample_result.findings if f.rule_id == "MLC-LIN-004" and f.status == "open")
    svg = drawing_of(text, lin4.node)
    graph = sample_result.graph
    run = next(graph.out_edges(lin4.node, "produced_by"))
    commit = next(graph.out_edges(run, "built_from"))
    dataset = next(graph.out_edges(run, "reads"))
    for nid in (lin4.node, run, commit, dataset):          # each a box titled with its node id
        assert f"<title>{nid}</title>" in svg
    assert ">produced_by</text>" in svg and ">built_from</text>" in svg and ">reads</text>" in svg
    # A version whose run is missing: the path stops, and a dashed box says what was not found.
    orphan = next(f for f in sample_result.findings if f.rule_id == "MLC-LIN-001"
                  and not list(graph.out_edges(f.node, "produced_by")))
    svg = drawing_of(text, orphan.node)
    assert "stroke-dasharray" in svg and "no produced_by edge" in svg


def test_exposure_findings_draw_endpoint_to_workspace_to_storage(sample_result):
    text = rendered("html", sample_result)
    f = next(f for f in sample_result.findings if f.rule_id == "MLC-NET-003")
    svg = drawing_of(text, f.node)
    graph = sample_result.graph
    drawn = set(re.findall(r"<title>([^<]+)</title>", svg))
    types = {graph.node(n)["attrs"].get("type") for n in drawn if n in graph}
    assert f.node in drawn and {"ml_workspace", "storage_account"} <= types
    assert ">in_workspace</text>" in svg and ">uses</text>" in svg


def test_only_path_rules_get_drawings(sample_result):
    text = rendered("html", sample_result)
    blocks = text.split('<details class="rule">')[1:]
    category = {f.rule_id: f.category for f in sample_result.findings}
    drawn = {rid for rid in category for b in blocks if f"<b>{rid}</b>" in b and 'class="path"' in b}
    assert drawn and all(category[rid] in PATH_CATEGORIES for rid in drawn)
    assert {"MLC-LIN-001", "MLC-LIN-004", "MLC-NET-003", "MLC-NET-007"} <= drawn


def test_framework_status_both_ways(sample_result):
    """The HTML's requirement table reads the frameworks as data: every requirement listed,
    manual ones with no rule, a requirement whose rules found an open gap not satisfied."""
    from checker.frameworks import frameworks_in_scope
    status = framework_status(sample_result)
    open_rules = {f.rule_id for f in sample_result.findings if f.status == "open"}
    for fw in frameworks_in_scope(sample_result):
        rows = status[fw.name]
        assert len(rows) == len(fw.requirements)
        for req in fw.requirements:
            entry = rows[f"{req.id} {req.title}"]
            if not entry["rules"]:
                assert entry["status"] == "manual"
            elif set(entry["rules"]) & open_rules:
                assert entry["status"] == "not satisfied" and entry["open"] > 0
    # Without the findings of a requirement's rules, it is no longer a gap.
    framework, requirement, entry = next((fw, r, e) for fw, rs in status.items() for r, e in rs.items()
                                         if e["status"] == "not satisfied")
    kept = [f for f in sample_result.findings if f.rule_id not in entry["rules"]]
    cleared = framework_status(dataclasses.replace(sample_result, findings=kept))
    assert cleared[framework][requirement]["status"] in ("satisfied", "not applicable", "cannot evaluate")
    # Baselined or waived, a finding is still a gap (known, or accepted).
    behind = [dataclasses.replace(f, status=status) for f in sample_result.findings if f.rule_id in entry["rules"]
              for status in ("baselined", "waived")]
    accepted = framework_status(dataclasses.replace(sample_result, findings=kept + behind))
    assert accepted[framework][requirement]["status"] == "not satisfied"
    assert accepted[framework][requirement]["open"] == 0 < accepted[framework][requirement]["findings"]


def test_scanned_strings_are_inert(sample_result):
    f = next(f for f in sample_result.findings if f.category == "lineage")
    hostile = dataclasses.replace(f, message='<img src=x onerror=alert(1)>', node='"><script>x</script>',
                                  evidence={"text": "</pre><a href='https://evil.example'>x</a>",
                                            "run": "</text><script>y</script>", "bidi": "abc\u202edef"})
    text = rendered("html", dataclasses.replace(sample_result, findings=[hostile]))
    assert "<img" not in text and "<script>" not in text and "<a href" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\u202e" not in text and "abc\\u202edef" in text          # a bidi override is shown, not obeyed
    pre = re.search(r"<pre>(.*?)</pre>", text, re.S).group(1)
    assert pre.startswith("{\n \"bidi\": ") and pre.count("\n") == 4     # one evidence key a line


def test_scan_writes_html_by_format_and_by_file_name(tmp_path):
    out = tmp_path / "report.html"
    result = run_cli("scan", "samples/estate", "--format", "html", "--output", str(out), cwd=REPO_ROOT)
    assert result.exit_code == 1                 # the sample has findings at or above high
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    wrong = run_cli("scan", "samples/estate", "--format", "json", "--output", str(tmp_path / "r.html"), cwd=REPO_ROOT)
    assert wrong.exit_code == 2 and "--format html --output" in wrong.output


def test_no_secret_reaches_the_page(sample_result):
    leaked = secret_values()
    text = rendered("html", sample_result)
    assert leaked and not [v for v in leaked if v in text]


def secret_values() -> list[str]:
    """The credentials committed in the sample estate's churn repository (read from git)."""
    source = subprocess.run(["git", "--git-dir", str(REPO_ROOT / "samples/estate/repos/churn.git"), "show",
                             "HEAD:config/settings.py"], capture_output=True, text=True, check=True).stdout
    return re.findall(r'aws_\w+ = "([^"]+)"', source)


# -- in a browser -----------------------------------------------------------------------------

def png_colours(path: Path, rows: int = 400) -> int:
    """Distinct pixel colours in the first `rows` rows of an 8-bit RGB(A) PNG (stdlib only)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour_type = header[:4]
    assert depth == 8 and colour_type in (2, 6), header
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours = bytearray(stride), set()
    for y in range(min(rows, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):                  # undo the PNG row filter (RFC 2083, 6.2)
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(bytes(line[i:i + bpp]) for i in range(0, stride, bpp))
        prev = line
    return len(colours)


@pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (Debian: apt-get install chromium)")
def test_renders_in_headless_chromium(tmp_path, states_result):
    page = tmp_path / "report.html"
    page.write_text(rendered("html", states_result), encoding="utf-8")
    shot = tmp_path / "report.png"
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,900",
                           f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    # A blank page is one colour; text, badges and cards give many.
    assert png_colours(shot) > 50


def test_png_colours_tells_a_blank_image(tmp_path):
    """The screenshot check can fail: a one-colour PNG counts one colour."""
    width, height = 40, 10
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    (tmp_path / "blank.png").write_bytes(png)
    assert png_colours(tmp_path / "blank.png") == 1
