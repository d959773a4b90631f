"""The GC pause collection runs in (checker/collection.py gc_paused, beside frozen_heap),
with the real cyclic GC (its own callbacks say which generation each collection walked):
no full collection while the block builds; young collections go on and free the cycles
that die young; what the block built is left to the oldest generation, not walked by the
next young collection; cycles that lived longer are freed by the next full collection;
nothing another block froze is unfrozen; the GC's settings are as they were."""
from __future__ import annotations

import gc
import weakref

import pytest

from checker.collection import frozen_heap, gc_paused


class Node:
    """A cycle: it refers to itself, as a parser object holding one of its bound methods."""

    def __init__(self) -> None:
        self.me = self


def in_generation(obj, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation=generation))


@pytest.fixture(autouse=True)
def gc_as_found():
    enabled, threshold = gc.isenabled(), gc.get_threshold()
    gc.enable()
    assert gc.get_freeze_count() == 0, "a frozen heap left over from another test"
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gc.enable() if enabled else gc.disable()


@pytest.fixture
def collections():
    """The generation of every collection the GC starts while the test runs."""
    walked: list[int] = []

    def note(phase, info):
        if phase == "start":
            walked.append(info["generation"])
    gc.callbacks.append(note)
    yield walked
    gc.callbacks.remove(note)


def build(n: int) -> list:
    """Long-lived containers, as a collector's graph (two tracked objects each)."""
    return [[[i]] for i in range(n)]


def enough_for_a_full_collection() -> int:
    """A full collection starts after ten middle ones (7,000 allocations each by default)
    once the objects promoted since the last one pass a quarter of those it kept: sized on
    this process's heap (a long test run holds millions)."""
    gc.collect()
    young, middle, _ = gc.get_threshold()
    return len(gc.get_objects()) // 6 + 2 * young * middle * 11


def test_no_full_collection_while_the_block_builds(collections):
    n = enough_for_a_full_collection()
    collections.clear()
    outside = build(n)
    assert 2 in collections, "no full collection without the pause: the test would prove nothing"
    del outside
    n = enough_for_a_full_collection()
    collections.clear()
    with gc_paused():
        kept = build(n)
    assert collections and 2 not in collections and set(collections) <= {0, 1}
    assert gc.get_threshold()[2] < 1000 and gc.get_freeze_count() == 0
    assert in_generation(kept, 2) and not in_generation(kept, 0)


def test_cycles_that_die_young_are_freed_during_the_block():
    freed = []
    with gc_paused():
        young = weakref.ref(Node(), freed.append)
        build(20_000)                      # the allocations that start young collections
        assert freed and young() is None
        promoted = Node()
        gc.collect(1)                      # lived through the young and middle collections
        ref = weakref.ref(promoted, freed.append)
        del promoted
        build(20_000)
        assert ref() is not None           # old now: only a full collection finds it
    gc.collect(0)
    gc.collect(1)
    assert ref() is not None
    gc.collect()
    assert ref() is None and len(freed) == 2


def test_inside_a_frozen_heap_nothing_is_unfrozen():
    outer = [Node()]
    with frozen_heap():
        with gc_paused():
            inner = [Node()]
        # Not a count: frozen objects that die leave the permanent generation (another
        # thread, such as pytest-xdist's, frees some at any time). Still frozen, unthawed:
        assert gc.isenabled() and gc.get_freeze_count() > 0
        assert not in_generation(outer, 2) and not in_generation(inner, 2)
    assert gc.get_freeze_count() == 0 and in_generation(outer, 2)


def test_a_pause_inside_a_pause_and_a_pause_with_the_gc_off():
    threshold = gc.get_threshold()
    with gc_paused():
        with gc_paused():
            built = [Node()]
        assert gc.get_threshold()[2] > threshold[2] and in_generation(built, 2)
    assert gc.get_threshold() == threshold and gc.isenabled()
    gc.disable()
    with gc_paused():
        later = [Node()]
    assert not gc.isenabled() and in_generation(later, 0) and gc.get_threshold() == threshold
