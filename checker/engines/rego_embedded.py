"""The embedded Rego engines, behind one small interface (--rego-engine NAME).

    engine = ENGINES[name](modules, data_json)   # parses every module: ModuleError if one does not
    engine.check_calls(rule_refs)                # ModuleError for a call no module or builtin defines
    engine.evaluate(rule_ref, input_json) -> str # the rule's value as JSON text; UNDEFINED; or raises
    engine.set_input(input_json); engine.query(rule_ref)   # the same, one input for several rules
    engine.prepare()                             # before forking: what every evaluation needs, done once
    engine.test_rules() -> [(file, rule ref)]    # the test_* rules of the loaded modules

`evaluate` runs in a forked child (rego_isolate), on an engine built before the fork: a
child only sets its input and evaluates. JSON goes in and out through rego_wire.

regorus (default): Microsoft's Rust implementation of Rego, as the `regorus` module of the
PyPI package gordon-to-regorus (a one-person fork; microsoft/regorus publishes no wheel).
regopy: rego-cpp (Microsoft), the PyPI package regopy. See bench/README.md for how they
compare on conformance, speed and strings.
"""
from __future__ import annotations

import json
import os
import re

UNDEFINED = ""            # evaluate()'s answer when the rule has no value
PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)", re.MULTILINE)
TEST_RULE = re.compile(r"^\s*(test_\w+)\s+if\b", re.MULTILINE)


class ModuleError(Exception):
    """A module that does not parse or compile: (path, reason). The scan cannot run: exit 2."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class RuleNotFound(Exception):
    """The rule reference names no rule of any loaded module."""


def clean_message(text: str) -> str:
    """An engine's error without the stack trace regorus appends under RUST_BACKTRACE."""
    return text.split("Stack backtrace:")[0].strip() or "unknown error"


def regorus_error(text: str, with_file: bool = True) -> str:
    """regorus's multi-line error (`--> file:row:col`, the source line, `error: …`) as one line."""
    text = clean_message(text)
    where = re.search(r"-->\s*(.+):(\d+):(\d+)", text)
    said = re.search(r"^error:\s*(.+)$", text, re.MULTILINE)
    if not (where and said):
        return " ".join(text.split())
    file = f"{where.group(1)} " if with_file else ""
    return f"{file}line {where.group(2)}, column {where.group(3)}: {said.group(1).strip()}"


def test_rules(modules: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(file, data.<package>.test_x) for each `test_x if` rule, as `opa test` finds them."""
    found = []
    for path, text in modules:
        pkg = PACKAGE.search(text)
        if pkg:
            found += [(path, f"data.{pkg.group(1)}.{name}") for name in sorted(set(TEST_RULE.findall(text)))]
    return found


_DATA_REF = re.compile(r"\bdata\.([A-Za-z_][\w.]*)")


def modules_reached(modules: list[tuple[str, str]], rule_ref: str) -> list[tuple[str, str]]:
    """The modules whose package the rule's package refers to (`import data.x`, `data.x.f`),
    directly or through another such module, the rule's own package included."""
    by_package: dict[str, list[tuple[str, str]]] = {}
    for module in modules:
        pkg = PACKAGE.search(module[1])
        if pkg:
            by_package.setdefault(pkg.group(1), []).append(module)
    wanted, seen = [rule_ref.removeprefix("data.").rpartition(".")[0]], set()
    while wanted:
        ref = wanted.pop()
        for pkg, found in by_package.items():
            # `data.a.b.f` reaches package a.b; `import data.a` reaches a and what is under it.
            if pkg not in seen and (ref == pkg or ref.startswith(pkg + ".") or pkg.startswith(ref + ".")):
                seen.add(pkg)
                wanted += [m.group(1) for _, text in found for m in _DATA_REF.finditer(text)]
    return [m for m in modules if (p := PACKAGE.search(m[1])) and p.group(1) in seen]


class Regorus:
    name = "regorus"

    def __init__(self, modules: list[tuple[str, str]], data_json: str) -> None:
        # Its errors capture a Rust backtrace when RUST_BACKTRACE is set (we drop it: see
        # clean_message), and capturing one took 45 ms per refused compile.
        os.environ.setdefault("RUST_LIB_BACKTRACE", "0")
        import regorus
        self._engine = regorus.Engine()
        for path, text in modules:
            try:
                self._engine.add_policy(path, text)
            except RuntimeError as exc:
                raise ModuleError(path, f"Rego module does not parse: {regorus_error(str(exc), False)}") from exc
        self._engine.add_data_json(data_json)
        self._modules, self._data_json = modules, data_json

    def check_calls(self, rule_refs: list[str]) -> None:
        """Refuse a call to a function no module or builtin defines, as OPA's compiler does.

        regorus's interpreter resolves a call only when it reaches it; its RVM compiler
        resolves every call under an entry point. That compiler does not implement all of
        Rego yet (`with`, for one), so only its unknown-function verdict is taken: its other
        refusals are left to the interpreter."""
        for ref in rule_refs:
            # Compiling every module for every rule cost 0.24 s for 20 rules: compile with the
            # modules the rule's package reaches, and only a call those leave unknown with all.
            reached = modules_reached(self._modules, ref)
            unknown = self._unknown_call(ref, reached)
            if unknown and len(reached) < len(self._modules):
                unknown = self._unknown_call(ref, self._modules)
            if unknown:
                raise unknown

    def _unknown_call(self, ref: str, modules: list[tuple[str, str]]) -> ModuleError | None:
        import regorus
        try:
            regorus.Program.compile_from_modules(self._data_json, modules, [ref])
        except RuntimeError as exc:
            message = regorus_error(str(exc))
            where = re.match(r"(.+) (line \d+, column \d+: .*)", message)
            if "Unknown function" in message and where:
                return ModuleError(where.group(1), f"Rego module does not compile: {where.group(2)}")
        return None

    def evaluate(self, rule_ref: str, input_json: str) -> str:
        self.set_input(input_json)
        return self.query(rule_ref)

    def set_input(self, input_json: str) -> None:
        self._engine.set_input_json(input_json)

    def prepare(self) -> None:
        """Prepare the modules before the rule processes fork: regorus does it on an engine's
        first evaluation (10-18 ms with the built-in policies), and each child inherits what
        the parent prepared instead of doing it again. The query is `true`, so no policy of
        the user's runs here, outside the children's time bound."""
        try:
            self._engine.eval_query_as_json("true")
        except RuntimeError:
            pass             # nothing prepared: each child prepares on its own, as before

    def query(self, rule_ref: str) -> str:
        try:
            answer = self._engine.eval_rule_as_json(rule_ref)
        except RuntimeError as exc:
            message = regorus_error(str(exc))
            if message == "not a valid rule path":
                raise RuleNotFound(rule_ref) from exc
            raise RuntimeError(message) from None
        # regorus answers an undefined rule with this string, not with an error.
        return UNDEFINED if answer == '"<undefined>"' else answer


class Regopy:
    name = "regopy"

    def __init__(self, modules: list[tuple[str, str]], data_json: str) -> None:
        from regopy import Interpreter, LogLevel
        from regopy.rego_shared import RegoError
        self._interp = Interpreter()
        # rego-cpp prints parse errors on the process's stdout; RegoError carries them too.
        self._interp.log_level = LogLevel.NONE
        for path, text in modules:
            try:
                self._interp.add_module(path, text)
            except RegoError as exc:
                raise ModuleError(path, f"Rego module does not compile: {_rego_cpp_error(str(exc), text)}") from exc
        self._interp.add_data_json(data_json)

    def check_calls(self, rule_refs: list[str]) -> None:
        """rego-cpp has no compile step to ask: an unknown function is an evaluation error."""

    def prepare(self) -> None:
        """Nothing to do ahead of the rule processes: rego-cpp prepares per query."""

    def evaluate(self, rule_ref: str, input_json: str) -> str:
        self.set_input(input_json)
        return self.query(rule_ref)

    def set_input(self, input_json: str) -> None:
        # As JSON text: regopy's Input(value) writes strings holding backslashes as invalid JSON.
        self._interp.set_input_term(input_json)

    def query(self, rule_ref: str) -> str:
        from regopy.rego_shared import rego_free_output, rego_output_string, rego_query
        impl = rego_query(self._interp._impl, rule_ref)
        try:
            raw = rego_output_string(impl)
        finally:
            rego_free_output(impl)
        if raw.strip() == "undefined":
            return UNDEFINED
        if raw.lstrip().startswith(("(error", "<error>")):
            raise RuntimeError(_rego_cpp_error(raw) if "(error" in raw
                               else "rego-cpp could not evaluate it (e.g. a rule with conflicting values)")
        try:
            expressions = json.loads(raw.split("\n")[0])["expressions"]   # one result per line
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise RuntimeError(f"regopy returned malformed JSON ({exc})") from None
        return json.dumps(expressions[0], ensure_ascii=False) if expressions else UNDEFINED


def _rego_cpp_error(text: str, source: str | None = None) -> str:
    """The first message of rego-cpp's error tree (`(errormsg 16:...)`), with its line."""
    msgs = re.findall(r"\(errormsg \d+:([^)]*)\)", text)
    locs = re.findall(r"\(error \d+:([^|]+)\|(\d+)\|", text)
    if not msgs:
        return text.strip().splitlines()[0] if text.strip() else "unknown error"
    if locs and source is not None:
        return f"line {source.count(chr(10), 0, int(locs[0][1])) + 1}: {msgs[0]}"
    return msgs[0] + (f" ({locs[0][0]} at offset {locs[0][1]})" if locs else "")


ENGINES = {"regorus": Regorus, "regopy": Regopy}
DEFAULT_ENGINE = "regorus"
