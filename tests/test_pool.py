"""The pool survives a worker that dies: the job's results are the same, computed in this process."""

from __future__ import annotations

import os

import pytest

from site_builder import pool as pool_module
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


def sized(_setting: None, chunk: list[int]) -> list[tuple[int, int]]:
    return [(os.getpid(), len(chunk)) for _ in chunk]


def test_a_smaller_first_chunk():
    """chunks(first=N): the first chunk holds N items (its results come sooner), the others `size`."""
    with Pool(2) as pool:
        found = [row for chunk in pool.chunks(sized, list(range(50)), size=20, first=5) for row in chunk]
        assert [size for _, size in found] == [5] * 5 + [20] * 20 + [20] * 20 + [5] * 5
        assert os.getpid() not in {pid for pid, _ in found} and not pool._broken
        assert [size for chunk in pool.chunks(sized, list(range(30)), size=20, first=40) for _, size in chunk] \
            == [20] * 20 + [10] * 10  # a first chunk no smaller than the others: as without it


def seen(_setting: None, chunk: list[dict]) -> list[tuple[int, int]]:
    """Each item's number, and the pid of the process that saw it."""
    return [(item["n"], os.getpid()) for item in chunk]


def test_inherited_items_are_not_sent():
    """chunks(inherit=True): workers forked by the job are forked with its items and get ranges of them
    (these items cannot be pickled: sent, they would fail the job); a later job (workers already running)
    sends its chunks; either way the results are the same."""
    import threading

    lock = threading.Lock()  # cannot be pickled
    items = [{"n": n, "lock": lock} for n in range(100)]
    with Pool(2) as pool:
        assert pool._method() == "fork", threading.enumerate()  # (spawned workers inherit nothing: untested)
        found = [row for chunk in pool.chunks(seen, items, size=10, first=5, inherit=True) for row in chunk]
        assert [n for n, _ in found] == list(range(100))
        assert os.getpid() not in {pid for _, pid in found} and not pool._broken
        assert pool_module._inherited == {}  # let go of once the job is done
        plain = [{"n": n} for n in range(100)]
        again = [row for chunk in pool.chunks(seen, plain, size=10, inherit=True) for row in chunk]
        assert [n for n, _ in again] == list(range(100)) and os.getpid() not in {pid for _, pid in again}


def test_a_renewable_pool_forks_an_inheriting_job_anew_and_a_kept_pool_does_not():
    """The build's render: in a renewable pool, a job that inherits its items stops the workers the stories
    were loaded by and forks new ones that hold its items (unpicklable items would fail the job if sent);
    the dev server's pool keeps its workers and sends the items."""
    import threading

    lock = threading.Lock()  # cannot be pickled
    with Pool(2) as kept:
        before = {pid for _, pid in kept.map(seen, [{"n": n} for n in range(40)])}
        again = kept.start(seen, [{"n": n} for n in range(40)], inherit=True)(None)
        assert {pid for _, pid in again} <= before  # the same workers
    with Pool(2, renewable=True) as pool:
        assert pool._method() == "fork", threading.enumerate()
        first = pool.map(seen, [{"n": n} for n in range(40)])
        items = [{"n": n, "lock": lock} for n in range(100)]
        found = pool.start(seen, items, inherit=True)(None)
        assert [n for n, _ in found] == list(range(100)) and not pool._broken
        assert os.getpid() not in {pid for _, pid in found}
        assert not {pid for _, pid in found} & {pid for _, pid in first}  # new workers
        assert pool_module._inherited == {}


@pytest.mark.parametrize("count, workers", [(1, 2), (7, 2), (16_811, 2), (10_015, 2), (1_000, 8), (3, 8)])
def test_guided_chunks_cover_every_item_once_big_first_and_small_last(count, workers):
    starts = pool_module._guided(count, workers)
    sizes = [end - start for start, end in zip(starts, [*starts[1:], count])]
    assert starts[0] == 0 and sum(sizes) == count and all(size > 0 for size in sizes)
    assert sizes == sorted(sizes, reverse=True)  # a big chunk never comes last
    assert len(sizes) <= workers * pool_module.CHUNKS_PER_WORKER * 4  # the floor bounds how many are sent
    if count >= 1_000:
        assert sizes[0] >= count // (2 * workers) and sizes[-2] <= count // (workers * pool_module.CHUNKS_PER_WORKER)
