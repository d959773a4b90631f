"""The console report written to a file or pipe is exactly what rich prints there (no
colour, soft wrap), without rich's layout pass: checked on the sample with every status
and on findings whose scanned text looks like markup, emoji codes or control characters."""
from __future__ import annotations

import dataclasses
import io

from rich.console import Console

from checker.reporters import console_report


class NotATerminal(io.StringIO):
    def isatty(self) -> bool:
        return False


def both_ways(result, monkeypatch) -> tuple[str, str]:
    plain = NotATerminal()
    console_report.render(result, plain)
    monkeypatch.setattr(console_report, "PlainConsole",
                        lambda stream: Console(file=stream, width=120, highlight=False, soft_wrap=True))
    printed = NotATerminal()
    console_report.render(result, printed)
    return plain.getvalue(), printed.getvalue()


def test_plain_output_is_what_rich_prints(states_result, monkeypatch):
    plain, printed = both_ways(states_result, monkeypatch)
    assert plain == printed
    assert "MLC-" in plain and "Summary" in plain and "baseline" in plain


def test_scanned_text_that_looks_like_markup_prints_the_same(sample_result, monkeypatch):
    hostile = ["[bold red]not a style[/]", "\\[escaped] and \\\\[double]", ":warning: :red_circle: x",
               "tab\there\x1b[31m ansi \x07 bell", "[/] [link=https://x.example]click[/link]", "ends with \\"]
    findings = [dataclasses.replace(sample_result.findings[i % len(sample_result.findings)],
                                    message=text, node=f"node:{text}", status="open", status_reason=text)
                for i, text in enumerate(hostile)]
    plain, printed = both_ways(dataclasses.replace(sample_result, findings=findings), monkeypatch)
    assert plain == printed
    assert "[bold red]not a style[/]" in plain and "\x1b" not in plain
