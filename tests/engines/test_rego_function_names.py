"""regopy 1.5.2 crashes (SIGSEGV, the whole scan's engine process) when two packages define
functions of the same name with different arities, even when only one rule is queried. Every
built-in policy is loaded into one interpreter, so the catalog must never hold such a pair."""
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_DEFINITION = re.compile(r"^([a-z_][a-z0-9_]*)\(([^()]*)\)\s*(?::=|if\b|=|\{)", re.M)


def test_no_function_name_has_two_arities_across_packages():
    arities: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in [*ROOT.glob("rules/*/*/policy.rego"), *ROOT.glob("policies/**/*.rego")]:
        for name, args in _DEFINITION.findall(path.read_text(encoding="utf-8")):
            arity = len([a for a in args.split(",") if a.strip()])
            arities[name][arity].add(str(path.relative_to(ROOT)))
    clashes = {name: {n: sorted(files) for n, files in by.items()} for name, by in arities.items() if len(by) > 1}
    assert clashes == {}
