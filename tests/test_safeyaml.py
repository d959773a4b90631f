"""mlcheck's YAML loader gives the values PyYAML's safe loader gives, whatever it has
remembered from earlier documents (plain scalars' tags are remembered per value)."""
from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.safeyaml import load_yaml

# Plain scalars YAML 1.1 reads as other types, and look-alikes it reads as text.
SCALARS = ["yes", "no", "on", "off", "true", "False", "~", "null", "", "1", "-1", "0x1F", "0o17", "017",
           "1_000", "1.5", ".5", "1e3", ".inf", "-.Inf", ".nan", "2024-01-01", "2024-01-01 10:00:00",
           "12:30:45", "main", "v1.2", "1.2.3", "=", "<<x", "y", "n", "NULL", "0b101", "+12", "1:20"]


def as_yaml(pairs: list[tuple[str, str, bool]]) -> str:
    """A mapping of plain or quoted scalars, keys and values drawn from SCALARS."""
    lines = []
    for i, (key, value, quoted) in enumerate(pairs):
        lines.append(f"k{i}{key.replace(' ', '_').replace(':', '')}: {repr(value) if quoted else value}")
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SCALARS), st.sampled_from(SCALARS), st.booleans()), min_size=1, max_size=12))
def test_values_match_pyyamls_safe_loader_cold_and_warm(pairs):
    text = as_yaml(pairs)
    try:
        expected = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return                                  # not YAML either way: not this test's case
    for _ in range(2):                          # the second load reads remembered tags
        got = load_yaml(text, "probe.yml")
        assert got == expected and [type(v) for v in got.values()] == [type(v) for v in expected.values()]


# -- the portable form (a parser's pending state, carried in shards) ----------------------------

_KEYS = st.one_of(st.text(max_size=8), st.integers(-5, 5), st.booleans(), st.sampled_from(SCALARS))
_LEAVES = st.one_of(st.sampled_from(SCALARS), st.text(max_size=20), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=False), st.booleans(), st.none(), st.dates(), st.binary(max_size=8))
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=25)


def _same_lines(a, b) -> None:
    """Equal values, and every container's lines equal too."""
    assert a == b and type(a) is type(b)
    assert getattr(a, "line", None) == getattr(b, "line", None)
    assert (getattr(a, "lines", None) or None) == (getattr(b, "lines", None) or None)
    if isinstance(a, dict):
        for key in a:
            _same_lines(a[key], b[key])
    elif isinstance(a, list):
        for x, y in zip(a, b):
            _same_lines(x, y)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=5), st.sampled_from(["block", "flow"]))
def test_a_loaded_document_survives_its_portable_form_through_json(value, style):
    import math

    import orjson
    from checker.safeyaml import from_portable, to_portable
    text = yaml.safe_dump(value, default_flow_style=style == "flow", allow_unicode=True)
    loaded = load_yaml(text.encode(), "doc.yml")
    carried = from_portable(orjson.loads(orjson.dumps(to_portable(loaded, lambda key, s: s))))
    _same_lines(loaded, carried)
    nan = {"k": float("nan"), "i": float("-inf")}        # JSON holds neither: carried as text
    back = from_portable(orjson.loads(orjson.dumps(to_portable(nan, lambda key, s: s))))
    assert math.isnan(back["k"]) and back["i"] == float("-inf")


def test_the_portable_form_asks_the_callers_cleaning_for_every_string_with_its_key():
    from checker.redact import clean_entry
    from checker.safeyaml import from_portable, to_portable
    doc = load_yaml(b"variables:\n  db_password: hunter2-9f8e7d\n  note: [plain, words]\nsteps:\n  - script: echo hi\n", "p.yml")
    carried = from_portable(to_portable(doc, clean_entry))
    assert carried["variables"]["db_password"] == "«redacted:Secret Keyword»"
    assert carried["variables"]["note"] == ["plain", "words"] and carried["steps"][0]["script"] == "echo hi"
    assert carried["steps"].lines == doc["steps"].lines and carried.lines == doc.lines
