"""horizon.bulk.fewer_collections: raised while any bulk step runs, restored when the last one ends."""

from __future__ import annotations

import gc
import threading

from horizon.bulk import YOUNG, fewer_collections


def test_the_threshold_is_raised_inside_and_restored_after_nested_use():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == (max(YOUNG, before[0]), *before[1:])
        with fewer_collections():
            assert gc.get_threshold()[0] >= YOUNG
        assert gc.get_threshold()[0] >= YOUNG  # the inner step leaving does not end the outer one's
    assert gc.get_threshold() == before


def test_overlapping_threads_restore_the_threshold_when_the_last_leaves():
    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[int] = []

    def first() -> None:
        with fewer_collections():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with fewer_collections():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.get_threshold()[0])  # the first thread has left; this one is still inside

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [max(YOUNG, before[0])]
    assert gc.get_threshold() == before


def test_an_error_inside_still_restores_the_threshold():
    before = gc.get_threshold()
    try:
        with fewer_collections():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.get_threshold() == before


@fewer_collections()
def _decorated() -> int:
    return gc.get_threshold()[0]


def test_it_decorates_a_function_each_call_anew():
    before = gc.get_threshold()
    assert _decorated() >= YOUNG and _decorated() >= YOUNG
    assert gc.get_threshold() == before
