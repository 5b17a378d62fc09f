"""Running many independent jobs in order: in this process, in local worker processes, or on Ray.

Every job is a pure function of its input (an episode with its seed, or a trajectory to replay),
so which worker runs which job changes nothing: results come back in input order and are
identical for any number of workers and either backend.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")
R = TypeVar("R")

BACKENDS = ("local", "ray")


class DeadlineExceeded(TimeoutError):
    """The jobs did not finish by their deadline (the workers were stopped)."""


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run here (for example Ray is not installed)."""


def progress_bar(total: int, desc: str, *, quiet: bool = False) -> tqdm:
    """A tqdm bar on stderr. No monitor thread, so forking workers afterwards stays safe."""
    bar_cls = type("BenchBar", (tqdm,), {"monitor_interval": 0})
    return bar_cls(
        total=total,
        desc=desc,
        file=sys.stderr,
        unit="ep",
        disable=quiet,
        dynamic_ncols=True,
        leave=True,
    )


class Runner:
    """A pool of workers kept for a whole command, so each worker builds each env only once.

    ``workers=1`` with the local backend runs jobs in this process; ``workers>1`` uses real
    worker processes (``fork`` when this process has a single thread, else ``spawn``).
    """

    def __init__(self, workers: int = 1, backend: str = "local") -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        self.workers = workers
        self.backend = backend
        self._pool: ProcessPoolExecutor | None = None
        self._ray: Any = None
        self._ray_started = False
        if backend == "ray":
            self._ray, self._ray_started = _start_ray(workers)

    def map(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        bar: tqdm | None = None,
        weight: Callable[[T], int] | None = None,
        deadline: float | None = None,
    ) -> list[R]:
        """``[fn(item) for item in items]``, run by the workers, in order.

        ``bar`` advances by ``weight(item)`` (default 1) as each job finishes. Past ``deadline``
        (a ``time.monotonic()`` value) the workers are stopped and ``DeadlineExceeded`` raised:
        between jobs in this process, and also during a job with worker processes.
        """
        results: list[Any] = [None] * len(items)
        for index, result in self._run(fn, items, deadline):
            results[index] = result
            if bar is not None:
                bar.update(weight(items[index]) if weight else 1)
        return results

    def imap(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """``(index, fn(item))`` for every item, as each job finishes (any order)."""
        yield from self._run(fn, items)

    def abort(self) -> None:
        """Stop now (Ctrl-C): cancel queued jobs and end the worker processes."""
        if self._pool is not None:
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(5)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._ray is not None and self._ray_started:
            self._ray.shutdown()
        self._ray = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- backends -----------------------------------------------------------------------------
    def _run(
        self, fn: Callable[[T], R], items: Sequence[T], deadline: float | None = None
    ) -> Iterator[tuple[int, R]]:
        if self.backend == "ray":
            yield from self._run_ray(fn, items)
        elif self.workers == 1 or len(items) <= 1:
            for index, item in enumerate(items):
                if deadline is not None and time.monotonic() > deadline:
                    raise DeadlineExceeded
                yield index, fn(item)
        else:
            yield from self._run_pool(fn, items, deadline)

    def _run_pool(
        self, fn: Callable[[T], R], items: Sequence[T], deadline: float | None = None
    ) -> Iterator[tuple[int, R]]:
        if self._pool is None:
            # torch's native thread pools are invisible to threading and hang a forked child
            # (a policy:PATH agent loads torch in this process to read its config).
            method = (
                "fork"
                if "fork" in multiprocessing.get_all_start_methods()
                and threading.active_count() == 1
                and "torch" not in sys.modules
                else "spawn"
            )
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context(method)
            )
        # Keep a bounded number of jobs in flight, so results stream back in step with the bar.
        pending: dict[Future, int] = {}
        queue = iter(enumerate(items))
        limit = self.workers * 4
        while True:
            while len(pending) < limit:
                nxt = next(queue, None)
                if nxt is None:
                    break
                pending[self._pool.submit(fn, nxt[1])] = nxt[0]
            if not pending:
                return
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            if not done:
                self.abort()
                raise DeadlineExceeded
            for future in done:
                yield pending.pop(future), future.result()

    def _run_ray(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        ray = self._ray
        remote = ray.remote(num_cpus=1)(_call)
        refs = {remote.remote(fn, item): index for index, item in enumerate(items)}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield refs[ref], ray.get(ref)


def _call(fn: Callable[[T], R], item: T) -> R:
    return fn(item)


def _start_ray(workers: int) -> tuple[Any, bool]:
    """Import Ray and connect: to ``RAY_ADDRESS`` when set, else a local instance; (ray,
    started)."""
    try:
        import ray
    except ImportError:
        raise BackendUnavailable(
            "--backend ray needs Ray: pip install 'utility-gym[ray]'"
        ) from None
    if ray.is_initialized():
        return ray, False
    if os.environ.get("RAY_ADDRESS"):
        ray.init(log_to_driver=False)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    return ray, True
