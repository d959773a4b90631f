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
