"""The pool survives a worker that dies: the job's results are the same, computed in this process."""

from __future__ import annotations

import os

from site_builder.pool import Pool


def die_in_a_worker(parent: int, chunk: list[int]) -> list[int]:
    """Squares; a worker process (not the parent) running a chunk with 13 in it dies at once."""
    if os.getpid() != parent and 13 in chunk:
        os._exit(1)
    return [n * n for n in chunk]


def square(_setting: None, chunk: list[int]) -> list[int]:
    return [n * n for n in chunk]


def test_a_worker_that_dies_leaves_its_chunks_to_this_process():
    items = list(range(100))
    with Pool(2) as pool:
        assert pool.map(die_in_a_worker, items, os.getpid()) == [n * n for n in items]
        assert pool._broken
        # later jobs run here: no worker is asked again
        assert pool.map(die_in_a_worker, items, os.getpid()) == [n * n for n in items]
        assert list(pool.chunks(square, items)) == [[n * n for n in items]]
    with Pool(2) as pool:  # chunk by chunk too (ingest)
        assert [n for chunk in pool.chunks(die_in_a_worker, items, os.getpid(), size=10) for n in chunk] == [n * n for n in items]
        assert pool._broken


def where(_setting: None, chunk: list[int]) -> list[int]:
    return [os.getpid() for _ in chunk]


def test_workers_that_live_are_used():
    items = [n for n in range(100) if n != 13]
    with Pool(2) as pool:
        assert pool.map(die_in_a_worker, items, os.getpid()) == [n * n for n in items]
        assert os.getpid() not in pool.map(where, items) and not pool._broken
        assert os.getpid() not in [pid for chunk in pool.chunks(where, items) for pid in chunk]


def call(_setting: None, chunk: list) -> list:
    return [(os.getpid(), len(chunk), item()) for item in chunk]


def test_shared_items_reach_forked_workers_without_pickling():
    """chunks(shared=True): the workers are forked with the items, so items that cannot be pickled (these
    lambdas) still reach them; `first` makes the first chunk smaller; a later job with other items gets
    workers forked afresh (the first ones never saw those items)."""
    with Pool(2) as pool:
        for base in (0, 1000):
            items = [lambda n=n, base=base: base + n for n in range(50)]
            found = [row for chunk in pool.chunks(call, items, size=20, first=5, shared=True) for row in chunk]
            assert [value for _, _, value in found] == [base + n for n in range(50)]
            assert [size for _, size, _ in found] == [5] * 5 + [20] * 20 + [20] * 20 + [5] * 5
            assert os.getpid() not in {pid for pid, _, _ in found} and not pool._broken


def test_a_worker_that_dies_leaves_its_shared_chunks_to_this_process():
    items = list(range(100))
    with Pool(2) as pool:
        assert [n for chunk in pool.chunks(die_in_a_worker, items, os.getpid(), size=10, shared=True) for n in chunk] \
            == [n * n for n in items]
        assert pool._broken
