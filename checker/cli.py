"""Command line: argument handling only. Heavy modules are imported inside commands
so that `mlcheck --help` stays fast."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .reporters import formats as report_formats
from .reporters import printable

SEVERITY_CHOICE = click.Choice(["info", "low", "medium", "high", "critical"])
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"mlcheck: error: {printable(message)}", err=True)     # messages may quote scanned names
    sys.exit(code)


def _incomplete(result) -> str:
    """What a scan missed, in one line: the counts and the rules that could not run."""
    rules = "; ".join(f"{rid} ({why[:120]})" for rid, why in result.evaluation_errors)
    return printable(f"{len(result.graph.errors)} collection error(s), "
                     f"{len(result.evaluation_errors)} rule evaluation error(s)" + (f": {rules}" if rules else ""))


def _check_writable(paths) -> None:
    """Fail before a long scan, not after it, when an output cannot be written."""
    for path in paths:
        parent = Path(path).resolve().parent
        if not parent.is_dir():
            _fail(f"cannot write {path}: directory {parent} does not exist")
        if Path(path).is_dir():
            _fail(f"cannot write {path}: it is a directory")


def _default_formats() -> list[str]:
    """Without --format: the console report, followed inside GitHub Actions or Azure
    Pipelines by that runner's annotations (both to stdout)."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return ["console", "github"]
    if os.environ.get("TF_BUILD", "").lower() == "true":
        return ["console", "azure_devops"]
    return ["console"]


def collection_options() -> list:
    """Where and how sources are collected (issue 13): shared by scan and collect."""
    return [
        click.option("--executor", envvar="MLCHECK_EXECUTOR", metavar="local:N|dask://HOST:PORT",
                     help="Collect each source as a Dask task: a LocalCluster of N processes, or "
                          "an existing scheduler (needs mlcheck-estate[dask])."),
        click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
                     help="Keep each source's collection here; an unchanged source is not collected again."),
        click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
                     help="Leave out matching paths (gitignore syntax, as .mlcheckignore). Repeatable."),
    ]


def collection_options_decorator(func):
    for option in reversed(collection_options()):
        func = option(func)
    return func


def scan_options(func):
    """Options shared by every command that runs a scan."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(file_okay=False, path_type=str)),
        click.option("--source", "sources", multiple=True, metavar="KIND=URI",
                     help="A source that cannot be auto-detected, e.g. git=/srv/mirror.git."),
        click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False),
                     help="A directory of custom rules (YAML + Rego). Repeatable."),
        click.option("--no-builtin", is_flag=True, help="Evaluate only the rules given with --rules."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="Config file (default: ./mlcheck.yaml when present)."),
        click.option("--only", multiple=True, help="Rule ids or globs to run (comma-separated or repeated)."),
        click.option("--skip", multiple=True, help="Rule ids or globs to leave out."),
        click.option("--no-waivers", is_flag=True, help="Ignore all waivers (audit mode)."),
        click.option("--rego-engine", envvar="MLCHECK_REGO_ENGINE",
                     help="Embedded Rego engine (default: the built-in choice; see README)."),
        click.option("--opa-url", envvar="MLCHECK_OPA_URL",
                     help="Evaluate Rego on this OPA server instead of the embedded engine."),
        click.option("--opa-token", envvar="MLCHECK_OPA_TOKEN", help="Bearer token for --opa-url."),
        click.option("--from-snapshot", multiple=True, type=click.Path(dir_okay=False, exists=True),
                     help="Replay a saved graph instead of collecting; repeated: merge the shards "
                          "`mlcheck collect` saved, then link and judge them."),
        *collection_options(),
        click.option("--framework", metavar="NAME",
                     help="Run only the rules behind this compliance framework (mlcheck frameworks list)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _build_options(kw: dict, baseline: str | None = None):
    from .config import ConfigError, load_config
    from .scan import ScanOptions
    try:
        cfg = load_config(Path(kw["config_path"]) if kw["config_path"] else None)
    except ConfigError as exc:
        _fail(str(exc))
    if kw["from_snapshot"] and (kw["executor"] or kw["cache_dir"]):
        _fail("--executor and --cache collect sources; --from-snapshot replays what was collected: choose one")
    paths = list(kw["paths"])
    if not paths and not kw["sources"] and not cfg.sources and not kw["from_snapshot"]:
        paths = ["."]
    opts = ScanOptions(
        paths=paths, sources=[*cfg.sources, *kw["sources"]],
        rules_dirs=[*cfg.rules, *(Path(d) for d in kw["rules_dirs"])],
        include_builtin=not kw["no_builtin"],
        only=_split(kw["only"]) or cfg.only, skip=[*cfg.skip, *_split(kw["skip"])],
        params=cfg.params, waivers=cfg.waivers, no_waivers=kw["no_waivers"],
        baseline=Path(baseline) if baseline else None,
        rego_engine=kw["rego_engine"], opa_url=kw["opa_url"], opa_token=kw["opa_token"],
        from_snapshot=[Path(p) for p in kw["from_snapshot"]] or None,
        executor=kw["executor"], cache_dir=Path(kw["cache_dir"]) if kw["cache_dir"] else None,
        max_parse_bytes=cfg.max_parse_bytes, exclude=[*cfg.exclude, *kw["exclude"]],
        framework=kw.get("framework"), overrides=cfg.overrides,
    )
    return cfg, opts


def _run(opts, quiet: bool = False, verbose: bool = False):
    """The scan, with progress on stderr when it is a terminal (not with --quiet), and a
    line per source and stage with --verbose."""
    from .rule import RuleError
    from .collectors import RegistryError
    from .engines.rego import RegoBackendError
    from .progress import ScanProgress
    from .scan import UsageError, run_scan
    try:
        with ScanProgress(sys.stderr, live=not quiet and sys.stderr.isatty(), verbose=verbose) as progress:
            return run_scan(opts, progress.observe, progress.on_source)
    except (RuleError, UsageError, RegoBackendError, RegistryError, ValueError) as exc:
        _fail(str(exc))


class _Main(click.Group):
    """An uncaught exception is a bug in mlcheck: exit 4, never 0 or 1 (which CI reads as
    a verdict on the estate)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001
            click.echo(f"mlcheck: internal error ({type(exc).__name__}: {str(exc)[:300]}); "
                       "please report it. Exit 4.", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlcheck")
def main() -> None:
    """mlcheck: policy-as-code compliance checks across your ML estate.

    Exit codes: 0 nothing open at or above --fail-on; 1 findings at or above it;
    2 usage, config or rule error; 3 the scan is incomplete (a source could not be
    collected, or a rule could not be evaluated); 4 internal error.
    """


@main.command()
@scan_options
@click.option("--fail-on", type=SEVERITY_CHOICE, help="Lowest severity that fails the gate (default high).")
@click.option("--format", "formats", multiple=True, type=click.Choice(report_formats()),
              help="Output format; repeatable, paired in order with --output.")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
              help="File for the matching --format (stdout when absent).")
@click.option("--baseline", type=click.Path(dir_okay=False, exists=True),
              help="Baseline file: findings in it do not fail the gate.")
@click.option("--soft-fail", is_flag=True, help="Exit 0/1 even when a source could not be collected.")
@click.option("--snapshot-out", type=click.Path(dir_okay=False), help="Save the collected graph here.")
@click.option("--history", "history_uri", metavar="sqlite:///PATH",
              help="Record this scan in a history database (created when absent); see `mlcheck report`.")
@click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr but errors: no progress, no warnings.")
@click.option("-v", "--verbose", is_flag=True, help="A line on stderr per source and stage, with counts and times.")
def scan(fail_on, formats, outputs, baseline, soft_fail, snapshot_out, history_uri=None, quiet=False, verbose=False,
         **kw) -> None:
    """Scan PATHS (default: .) and the --source sources against the rules."""
    from .reporters import implied_format, render, reporter
    from .collection import frozen_heap
    if quiet and verbose:
        _fail("--quiet and --verbose cannot be given together")
    chosen = bool(formats)
    formats = list(formats) or _default_formats()
    if len(outputs) > len(formats):
        _fail("more --output than --format values: pair each --output with a --format")
    if chosen and len(formats) - len(outputs) > 1:
        _fail("only one --format can go to stdout; give the others an --output file")
    for fmt, out in zip(formats, outputs):
        implied = implied_format(out)
        if implied and implied != fmt:
            _fail(f"--output {out} is paired with --format {fmt} (pairs go in order: "
                  f"--format {implied} --output {out})")
    for fmt in formats:         # a format whose optional extra is missing: say so before scanning
        missing = getattr(reporter(fmt), "unavailable", lambda: None)()
        if missing:
            _fail(missing)
    _check_writable([*outputs, *([snapshot_out] if snapshot_out else [])])
    cfg, opts = _build_options(kw, baseline)
    opts.fail_on = fail_on or cfg.fail_on or "high"
    history = _open_history(history_uri) if history_uri else None
    result = _run(opts, quiet, verbose)
    if not quiet:
        _warn_about_waivers(opts, result)
    try:
        with frozen_heap():     # the reports read the graph, and build much
            if snapshot_out:
                result.graph.save(Path(snapshot_out))
            write = result.write_report or render       # --cache: kept reports replayed
            for i, fmt in enumerate(formats):
                if i < len(outputs):
                    with open(outputs[i], "w", encoding="utf-8") as fh:
                        write(fmt, result, fh)
                else:
                    write(fmt, result, sys.stdout)
                    sys.stdout.flush()      # whole before the next line on stderr (reports are written in parts)
    except OSError as exc:
        _fail(f"cannot write {exc.filename or 'output'}: {exc.strerror or exc}")
    if history:
        _record(history, result, opts)
    if result.on_reported:
        result.on_reported()
    if result.incomplete and not soft_fail:
        click.echo(f"mlcheck: {_incomplete(result)}: the scan is incomplete (exit 3; --soft-fail to ignore)",
                   err=True)
        sys.exit(EXIT_INCOMPLETE)
    sys.exit(EXIT_FINDINGS if result.gate_failures else EXIT_OK)


def _open_history(uri: str):
    """Open (create, migrate) before the scan: a bad --history fails fast, exit 2."""
    from .history import History, HistoryError
    try:
        return History.open(uri)
    except HistoryError as exc:
        _fail(str(exc))


def _record(history, result, opts) -> None:
    """After the reports are written: a history that cannot take the scan loses nothing else."""
    from .findings import load_baseline
    from .history import HistoryError, config_digest
    baseline = load_baseline(opts.baseline) if opts.baseline else None
    try:
        with history:
            history.record(result, config_digest(opts, baseline))
    except HistoryError as exc:
        _fail(str(exc))


@main.command("report")
@click.option("--history", "history_uri", required=True, metavar="DB",
              help="History database written by `scan --history` (sqlite:///PATH or a path).")
@click.option("--since", help="Only scans since: a duration (30d, 12h, 2w) or a date (2026-11-01).")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "json"]), default="md", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="File to write (stdout when absent).")
def report_cmd(history_uri, since, fmt, output) -> None:
    """The compliance report from the scan history: trend, new / fixed / still open since
    the previous scan, mean time to fix, waivers expiring within 14 days."""
    import datetime as _dt
    from .history import History, HistoryError
    from .history.report import RENDERERS, build, parse_since
    if output:
        _check_writable([output])
    now = _dt.datetime.now(_dt.timezone.utc)
    try:
        start = parse_since(since, now)
        with History.open(history_uri, create=False) as history:
            text = RENDERERS[fmt](build(history, start, now))
    except HistoryError as exc:
        _fail(str(exc))
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
    else:
        click.echo(text, nl=False)


def _warn_about_waivers(opts, result) -> None:
    from .findings import waiver_warnings
    if opts.no_waivers:
        return
    for text in waiver_warnings(opts.waivers, result.findings, [r.id for r in result.catalog.rules],
                                [r.id for r in result.rules]):
        click.echo(f"mlcheck: warning: {printable(text)}", err=True)


@main.command("collect")
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False, path_type=str))
@click.option("--source", "sources", multiple=True, metavar="KIND=URI", help="As scan.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="As scan.")
@click.option("--shard", metavar="I/N", help="Collect only share I of N of the sources (stable by source id).")
@click.option("--snapshot-out", required=True, type=click.Path(dir_okay=False),
              help="The shard file to write (merge with scan --from-snapshot, repeated).")
@click.option("--soft-fail", is_flag=True, help="Exit 0 even when a source could not be collected.")
@collection_options_decorator
def collect(paths, sources, config_path, shard, snapshot_out, soft_fail, executor, cache_dir, exclude) -> None:
    """Collect PATHS (default: .) and the --source sources into a shard, without linking
    or judging. Exit 0, or 3 when a source could not (fully) be collected."""
    from .collectors import RegistryError
    from .config import ConfigError, load_config
    from .scale.pipeline import collect_share
    from .scale.shards import save_shard
    from .scan import UsageError
    _check_writable([snapshot_out])
    try:
        cfg = load_config(Path(config_path) if config_path else None)
        result = collect_share(list(paths) or ([] if sources or cfg.sources else ["."]),
                               [*cfg.sources, *sources], cfg.params, cfg.max_parse_bytes, shard,
                               executor, Path(cache_dir) if cache_dir else None,
                               (*cfg.exclude, *exclude))
    except (ConfigError, RegistryError, UsageError, ValueError) as exc:
        _fail(str(exc))
    try:
        save_shard(result.shard, Path(snapshot_out))
    except OSError as exc:
        _fail(f"cannot write {snapshot_out}: {exc.strerror or exc}")
    errors = result.graph.errors
    click.echo(f"mlcheck collect: {result.summary()}; {len(result.graph)} node(s), "
               f"{len(errors)} collection error(s) -> {snapshot_out}", err=True)
    if errors and not soft_fail:
        sys.exit(EXIT_INCOMPLETE)


@main.command("staged")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--only", multiple=True, default=("MLC-REPO-*",), show_default=True,
              help="Rules to run: by default those that need only the files (notebooks, secrets, data).")
@click.option("--fail-on", type=SEVERITY_CHOICE, help="Lowest severity that fails (default: as scan).")
@click.option("--format", "formats", multiple=True, type=click.Choice(report_formats()), help="As scan.")
@click.pass_context
def staged(ctx, files, only, fail_on, formats) -> None:
    """Scan what the commit being made holds: the staged content of FILES (a pre-commit
    hook passes them), with the rules that need only the files. Exit codes as scan."""
    from .staged import StagedError, staged_repository
    if not files:
        click.echo("mlcheck: no staged files to scan")
        return
    try:
        with staged_repository(Path.cwd(), list(files)) as tree:
            ctx.invoke(scan, paths=(str(tree),), only=only, fail_on=fail_on, formats=formats)
    except StagedError as exc:
        _fail(str(exc))


@main.group()
def baseline() -> None:
    """Record today's findings so that only new ones fail the gate."""


@baseline.command("create")
@scan_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Baseline file to write.")
def baseline_create(output, **kw) -> None:
    """Scan and write the fingerprints of all open findings to OUTPUT."""
    from .findings import write_baseline
    _check_writable([output])
    _, opts = _build_options(kw)
    result = _run(opts)
    try:
        n = write_baseline(result.findings, Path(output), result.digest)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"baseline: {n} finding(s) written to {output}")
    if result.incomplete:
        click.echo(f"mlcheck: {_incomplete(result)}: baseline is incomplete", err=True)
        sys.exit(EXIT_INCOMPLETE)


@main.group()
def rules() -> None:
    """List, show and test rules."""


def _catalog(rules_dirs):
    from .catalog import load_catalog
    from .rule import RuleError
    try:
        return load_catalog([Path(d) for d in rules_dirs])
    except RuleError as exc:
        _fail(str(exc))


@rules.command("list")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def rules_list(rules_dirs, fmt) -> None:
    """List every rule: built-in and from --rules."""
    import json
    catalog = _catalog(rules_dirs)
    if fmt == "json":
        click.echo(json.dumps([r.summary() for r in catalog.rules], indent=2))
        return
    for r in catalog.rules:
        click.echo(f"{r.id:<14} {r.severity:<8} {r.engine:<5} {r.category:<12} {r.title}")


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False))
def rules_show(rule_id, rules_dirs) -> None:
    """Show one rule's catalog entry."""
    import yaml
    catalog = _catalog(rules_dirs)
    rule = catalog.get(rule_id)
    if rule is None:
        _fail(f"no rule {rule_id}")
    click.echo(yaml.safe_dump({**rule.summary(), "check": rule.check}, sort_keys=False, allow_unicode=True))


@rules.command("test")
@click.argument("directory", type=click.Path(file_okay=False, exists=True), required=False)
@click.option("--only", multiple=True, help="Rule ids or globs to test.")
def rules_test(directory, only) -> None:
    """Run the fixtures (flag/ and pass/) of every rule in DIRECTORY (default: the built-in
    catalog), and its Rego unit tests. DIRECTORY's rules are tested on their own, with the
    shared Rego library but not the built-in rules."""
    from .rule import RuleError
    from .ruletest import run_rule_tests
    try:
        report = run_rule_tests(Path(directory) if directory else None, _split(only))
    except RuleError as exc:
        _fail(str(exc))
    for line in report.lines:
        click.echo(line)
    click.echo(f"{report.passed} passed, {report.failed} failed")
    sys.exit(EXIT_FINDINGS if report.failed else EXIT_OK)


@main.command("collectors")
def collectors_cmd() -> None:
    """List the collectors and file parsers available (built-in and plug-ins)."""
    from .collectors import Collector, RegistryError, load_registry
    try:
        registry = load_registry()
    except RegistryError as exc:
        _fail(str(exc))
    for name, cls in sorted(registry.items()):
        kind = "source" if issubclass(cls, Collector) else "parser"
        extra = "" if kind == "source" else "  " + " ".join(cls.patterns)
        click.echo(f"{name:<12} {kind:<7} {cls.__module__}{extra}")


@main.group("frameworks")
def frameworks_cmd() -> None:
    """List and show the compliance frameworks and the rules behind their requirements."""


def _frameworks():
    from .frameworks import FrameworkError, load_frameworks
    try:
        return load_frameworks()
    except FrameworkError as exc:
        _fail(str(exc))


@frameworks_cmd.command("list")
def frameworks_list() -> None:
    """Each framework: id, requirements (with rules / manual), name and version."""
    for fw in _frameworks().values():
        manual = sum(1 for r in fw.requirements if not r.rules)
        click.echo(f"{fw.id:<14} {len(fw.requirements):>3} requirements ({manual} manual)  "
                   f"{fw.name} — {fw.version}")


@frameworks_cmd.command("show")
@click.argument("name")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Also count custom rules whose control tags name a requirement.")
def frameworks_show(name, rules_dirs) -> None:
    """Every requirement of framework NAME with the rules that give evidence for it."""
    from .frameworks import FrameworkError, evidence_rules, get_framework
    try:
        fw = get_framework(name)
    except FrameworkError as exc:
        _fail(str(exc))
    rules = _catalog(rules_dirs).rules
    click.echo(f"{fw.name} — {fw.version} ({fw.mapping} mapping)\n{fw.source}\n")
    for req in fw.requirements:
        behind = evidence_rules(fw, req, rules)
        click.echo(f"{req.id}  {req.title}\n    {req.reference}")
        click.echo(f"    rules: {', '.join(behind)}" if behind else f"    manual: {req.manual}")
