"""Worker processes that inherit the parent's data instead of receiving it.

A forked worker sees, copy-on-write, everything the parent held when the pool
started, so a task can be a key into that data rather than the pickled
articles or briefings themselves: at ten thousand articles that is some fifty
megabytes each stage no longer pushes through a pipe. Where the platform
cannot fork, the data is sent once to each worker instead.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

from .diagnostics import collect

K = TypeVar("K")
R = TypeVar("R")

_SHARED: dict[str, Any] = {}


def _receive(shared: Any) -> None:
    _SHARED["value"] = shared


def _call(function: Callable[[Any, K], R], key: K) -> R:
    return function(_SHARED["value"], key)


def can_fork() -> bool:
    """Whether this platform can fork worker processes (Windows cannot)."""
    return "fork" in multiprocessing.get_all_start_methods()


def pool_context() -> multiprocessing.context.BaseContext:
    """Fork where the platform has it: workers then inherit the parent's data
    instead of unpickling it; elsewhere the platform's default."""
    return multiprocessing.get_context("fork") if can_fork() else multiprocessing.get_context()


def map_shared(function: Callable[[Any, K], Any], shared: Any, keys: Sequence[K], workers: int, *,
               chunksize: int = 1, progress: Callable[[int, int], None] | None = None,
               receive: Callable[[Any], R] | None = None) -> list[R] | None:
    """``[function(shared, key) for key in keys]``, spread over ``workers`` processes.

    ``function`` must be a module-level function (it is sent by name).
    Results keep the order of ``keys``; ``receive``, if given, is applied to
    each in this process as it arrives, so that large results need not wait
    in memory for all the others. Returns None when no process pool can run
    here (or a worker died), so the caller does the work itself.
    """
    forking = can_fork()
    _SHARED["value"] = shared
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context(),
                                 initializer=None if forking else _receive,
                                 initargs=() if forking else (shared,)) as pool:
            results = pool.map(partial(_call, function), keys, chunksize=max(1, chunksize))
            return collect(results if receive is None else map(receive, results), len(keys), progress)
    except (OSError, BrokenProcessPool):  # no process support here, or a worker was killed
        return None
    finally:
        _SHARED.pop("value", None)
