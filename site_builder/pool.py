"""The one process pool: Markdown, rendering and link checking of a build share it (owner: build), and
ingest checks the records of a big file in it (ledger/prepare.py; owner: commands/ingest.py).

`Pool.map(task, items, setting)` splits `items` into chunks and runs `task(setting, chunk)` on each in a
worker process, returning the results in the order of `items`, so the output is the same bytes whatever
the number of workers. `Pool.chunks()` yields the same results chunk by chunk as they are done (ingest
stores the first records while workers check the rest). Small jobs (fewer than `min_items`) and
one-worker pools run in this process.

The setting (what every chunk needs: the content, the theme, the build day …) is pickled once per call
and unpickled once per worker, then kept there for the following chunks of the same call. Workers are
started with "spawn" the first time a job is big enough, and live until the pool is closed, so one
build (or one `serve` session) pays their start-up once. A worker that dies (killed for memory …) does
not fail the job: its chunks, and every later job of the pool, run in this process.

`chunks(..., inherit=True)` (ingest) and `start(..., inherit=True)` (the build's render) do not send the
items at all when the job starts the workers by forking: they are forked with the items in memory
(`_inherited`), and each task names only a range of them. Pickling the records of ingest's
100,000-record file to the workers and unpickling them there cost 0.4 s of CPU on a quiet machine (more
on a busy one), half of it in this process; the 15,700 pages of a 10,000-story build (17.8 MB pickled)
0.37 s. A job whose workers were already running, or were spawned, sends its chunks as usual, except in
a pool made `renewable` (a build's own), where it stops forked workers and forks its own (the render,
after the workers that read the stories); the dev server's pool keeps its workers for the session.
"""

from __future__ import annotations

import collections
import itertools
import os
import pickle
import threading
import uuid
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterator, Sequence, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

JOBS_ENV = "SITE_BUILDER_JOBS"  # overrides the number of worker processes (1: no workers)
MAX_WORKERS = 8
CHUNKS_PER_WORKER = 4  # more chunks than workers: a slow chunk does not leave a core idle

Task = Callable[[Any, Any], list[R]]  # task(setting, chunk of items) -> one result per item


def default_workers() -> int:
    """One worker per core (at most MAX_WORKERS), or SITE_BUILDER_JOBS."""
    value = os.environ.get(JOBS_ENV, "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


class Pool:
    """Worker processes shared by the stages of a build; a context manager."""

    def __init__(self, workers: int | None = None, renewable: bool = False):
        self.workers = workers if workers is not None else default_workers()
        # a job that inherits its items stops forked workers of earlier jobs and forks its own: a pool for one
        # build, whose jobs run one after another; a pool kept for a session (serve) keeps its workers, as
        # its later jobs could only spawn new ones (its threads run by then)
        self.renewable = renewable
        self._executor: "ProcessPoolExecutor | None" = None
        self._broken = False  # a worker died: every later job runs in this process
        self._forked = False  # the running workers were forked (not spawned)

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def map(self, task: Task[R], items: Sequence[T], setting: Any = None, min_items: int = 1,
            done: Callable[[int], None] | None = None) -> list[R]:
        """task(setting, chunk) for chunks of items, results concatenated in item order.

        `task` must be a module-level function returning one result per item. `done(n)` is called as
        chunks finish (for progress). Runs in this process for fewer than `min_items` items.
        """
        return self.start(task, items, setting, min_items)(done)

    def start(self, task: Task[R], items: Sequence[T], setting: Any = None, min_items: int = 1,
              inherit: bool = False) -> Callable[[Callable[[int], None] | None], list[R]]:
        """Like map(), but returns at once with a function that waits for the results: this process can
        do other work meanwhile. A job too small for workers runs when the results are asked for.
        `inherit`: as for chunks()."""
        items = list(items)
        if self._here(items, min_items):
            def here(done: Callable[[int], None] | None = None) -> list[R]:
                results = task(setting, items) if items else []
                if done:
                    done(len(items))
                return results
            return here
        sent = list(self._sent(task, items, setting, _guided(len(items), self.workers), inherit))

        def gather(done: Callable[[int], None] | None = None) -> list[R]:
            results: list[R] = []
            for chunk, future in sent:
                found = self._result(future, task, setting, chunk)
                results += found
                if done:
                    done(len(found))
            return results
        return gather

    def chunks(self, task: Task[R], items: Sequence[T], setting: Any = None, min_items: int = 1,
               size: int | None = None, first: int | None = None, inherit: bool = False) -> Iterator[list[R]]:
        """Like map(), but yields the results chunk by chunk, in the order of items, each as soon as it is
        done: this process can use the first results while the workers compute the rest. `size`: items
        per chunk (default: CHUNKS_PER_WORKER even chunks per worker); `first`: items of the first chunk,
        when fewer (the first results come sooner). At most CHUNKS_PER_WORKER chunks per worker are out at once, so
        results waiting for a slower consumer do not pile up in memory. `inherit`: workers this job forks
        are forked with the items, which are then not sent (see the module's docstring); the task must
        not rely on changes this process makes to the items after the call."""
        items = list(items)
        if self._here(items, min_items):
            if items:
                yield task(setting, items)
            return
        size = size or self._chunk_size(items)
        starts = [0, *range(first, len(items), size)] if first and first < size else range(0, len(items), size)
        sent = self._sent(task, items, setting, starts, inherit)
        out = collections.deque(itertools.islice(sent, self.workers * CHUNKS_PER_WORKER))
        try:
            while out:
                chunk, future = out.popleft()
                found = self._result(future, task, setting, chunk)
                out.extend(itertools.islice(sent, 1))
                yield found
        finally:
            for _, future in out:
                if future is not None:
                    future.cancel()  # a consumer that stops early (an error) leaves no work queued
            sent.close()  # and lets go of the items left for the workers (_inherited)

    def _here(self, items: list, min_items: int) -> bool:
        """Whether a job runs in this process: one worker, too few items to be worth sending, or no workers
        left (one died)."""
        return self.workers <= 1 or len(items) < max(min_items, 2) or self._broken

    def _chunk_size(self, items: list) -> int:
        return -(-len(items) // (self.workers * CHUNKS_PER_WORKER))

    def _sent(self, task: Task[R], items: list, setting: Any, starts: Sequence[int],
              inherit: bool = False) -> Generator[tuple[list, "Future | None"], None, None]:
        """Each chunk of items (one from each of `starts` to the next) with its future, sent to a worker as
        the iterator is advanced; the future is None once the workers are gone (the chunk is then done
        here, by _result). The setting is pickled once for the whole job. `inherit`: when this job forks
        the workers, they are forked with `items` and each task names its range of them instead."""
        from concurrent.futures.process import BrokenProcessPool

        key = uuid.uuid4().hex
        if inherit and self.renewable and self._forked:
            self.close()  # the workers of an earlier job: new ones are forked with these items
        inherited = inherit and self._executor is None and self._method() == "fork"
        if inherited:
            _inherited[key] = items  # before the first submit, which forks the workers
        executor = self._start()
        payload = pickle.dumps(setting, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            for start, end in zip(starts, [*starts[1:], len(items)]):
                chunk = items[start:end]
                future = None
                if not self._broken:
                    try:
                        if inherited:
                            future = executor.submit(_run_inherited, task, key, payload, start, end)
                        else:
                            future = executor.submit(_run, task, key, payload, chunk)
                    except BrokenProcessPool:
                        self._broken = True
                yield chunk, future
        finally:
            _inherited.pop(key, None)

    def _result(self, future: "Future | None", task: Task[R], setting: Any, chunk: list) -> list[R]:
        """A chunk's results from its worker; if that worker died (killed for memory …), from this process,
        the same way, and so is every later job of this pool: the work slows down instead of failing."""
        from concurrent.futures.process import BrokenProcessPool

        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                self._broken = True
        return task(setting, chunk)

    def _start(self) -> "ProcessPoolExecutor":
        """Workers are forked from a process with one thread (a build: they start at once, modules
        loaded), and spawned afresh from one with more (the dev server's watcher thread): forking a process
        while another thread holds a lock can leave the child waiting for it forever."""
        if self._executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            method = self._method()
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(method))
            self._forked = method == "fork"
        return self._executor

    @staticmethod
    def _method() -> str:
        """How _start() would start the workers now: "fork" or "spawn". (With "fork", ProcessPoolExecutor
        forks every worker at the first submit.)"""
        return "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"


def _guided(count: int, workers: int) -> list[int]:
    """Where the chunks of map() and start() begin: each chunk half a worker's share of the items left,
    down to a floor (a sixteenth of an even share), so the first chunks are big and the last small, and
    no worker waits long at the end for another to finish a big one. (Renders of a 10,000-story site
    ended with one core idle for up to a chunk, ~0.8 s, with 8 even chunks.)"""
    floor = max(1, -(-count // (workers * CHUNKS_PER_WORKER * 4)))
    starts, start = [], 0
    while start < count:
        starts.append(start)
        start += max(floor, -(-(count - start) // (2 * workers)))
    return starts


_setting: dict[str, Any] = {}  # in a worker: the setting of the call whose chunks it is running
# in this process: the items of a job that forks the workers (chunks(inherit=True)), by the job's key, while
# it runs; in a worker: those it was forked with
_inherited: dict[str, Sequence[Any]] = {}


def _run(task: Task[Any], key: str, payload: bytes, chunk: Sequence[Any]) -> list[Any]:
    if key not in _setting:
        _setting.clear()  # keep one setting at a time: memory stays flat over many calls
        _setting[key] = pickle.loads(payload)
        for other in [k for k in _inherited if k != key]:
            del _inherited[other]  # the items of an earlier job are not needed again
    return task(_setting[key], chunk)


def _run_inherited(task: Task[Any], key: str, payload: bytes, start: int, end: int) -> list[Any]:
    """_run() on items[start:end] of the items this worker was forked with for the job `key`."""
    return _run(task, key, payload, _inherited[key][start:end])
