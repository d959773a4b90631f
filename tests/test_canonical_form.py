"""The graph digest's canonical form (graph.canonical_bytes, orjson) against the form it
replaced (canonical_json, Python's json): the same bytes wherever both write numbers alike,
so digests of graphs without such floats did not change; json's form where orjson refuses."""
from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.graph import canonical_bytes, canonical_json

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
# Python writes floats in exponent form below 1e-4 and from 1e16; orjson from other bounds.
PLAIN_FLOATS = st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda f: f == 0 or 1e-4 <= abs(f) < 1e16)
SCALARS = st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | PLAIN_FLOATS | TEXT
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
                      max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_the_same_bytes_as_the_former_form(value):
    assert canonical_bytes(value) == canonical_json(value).encode("utf-8")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_is_written_as_a_number_that_reads_back_exactly(f):
    assert float(canonical_bytes([f])[1:-1]) == f


def test_what_orjson_refuses_takes_the_former_form():
    for value in ({"big": 2**70}, {"lone": "\ud800"}, _nested(300)):
        assert canonical_bytes(value) == canonical_json(value).encode("utf-8", "surrogatepass")


def test_keys_are_sorted_and_other_types_written_as_text():
    import datetime
    from pathlib import PurePosixPath
    value = {"b": 1, "a": {"d": PurePosixPath("x/y"), "c": datetime.date(2026, 1, 2)}, "n": math.inf}
    assert canonical_bytes(value) == b'{"a":{"c":"2026-01-02","d":"x/y"},"b":1,"n":null}'


def _nested(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_a_saved_document_holds_the_same_content_in_the_canonical_form(value):
    from checker.graph import saved_document
    saved = saved_document(value)
    assert saved.endswith(b"\n") and json.loads(saved) == json.loads(canonical_json(value))
    if isinstance(value, dict) and value:
        assert saved.startswith(b"{\n  \"")       # indented, for a reader


def test_a_saved_document_orjson_refuses_is_written_by_json():
    from checker.graph import saved_document
    value = {"big": 2**70, "b": [1]}
    assert saved_document(value) == (canonical_json(value, indent=1) + "\n").encode()
