"""Worker pools that inherit the parent's data: same results as a plain loop."""

from __future__ import annotations

import os

import pytest

from briefgen import pool
from briefgen.diagnostics import BriefgenError, Problem


def _scaled(shared: dict, key: str) -> tuple[str, int, int]:
    return key, shared["factor"] * shared["values"][key], os.getpid()


def _refuse(shared: dict, key: str) -> None:
    raise BriefgenError(Problem(f"content/{key}.yaml", "cannot be written", 3))


def test_results_come_back_in_the_order_of_the_keys_from_other_processes():
    values = {f"k{i}": i for i in range(200)}
    keys = sorted(values, reverse=True)
    seen = []
    results = pool.map_shared(_scaled, {"factor": 3, "values": values}, keys, 2, chunksize=8,
                              progress=lambda done, total: seen.append((done, total)))
    assert [(key, value) for key, value, _ in results] == [(key, 3 * values[key]) for key in keys]
    assert os.getpid() not in {pid for _, _, pid in results}
    assert seen[-1] == (200, 200) and len(seen) == 200
    assert "value" not in pool._SHARED  # nothing of this call outlives it


def test_each_result_is_received_here_as_it_arrives():
    values = {f"k{i}": i for i in range(100)}
    keys = sorted(values)
    received = []

    def receive(result: tuple[str, int, int]) -> tuple[str, int]:
        received.append((result[0], len(seen)))  # how many had arrived when this one was received
        return result[0], result[1] + 1

    seen: list[int] = []
    results = pool.map_shared(_scaled, {"factor": 1, "values": values}, keys, 2, chunksize=4,
                              progress=lambda done, total: seen.append(done), receive=receive)
    assert results == [(key, values[key] + 1) for key in keys]
    assert received == [(key, n) for n, key in enumerate(keys)]  # one by one, not all at the end


def test_a_failure_in_a_worker_arrives_whole():
    with pytest.raises(BriefgenError) as raised:
        pool.map_shared(_refuse, {}, ["a", "b"], 2)
    assert raised.value.problems == [Problem("content/a.yaml", "cannot be written", 3)]
    assert str(raised.value) == "content/a.yaml:3: cannot be written"


def test_without_process_support_the_caller_is_told_to_do_the_work(monkeypatch):
    class NoProcesses:
        def __init__(self, *args, **kwargs):
            raise OSError("no semaphores here")

    monkeypatch.setattr(pool, "ProcessPoolExecutor", NoProcesses)
    assert pool.map_shared(_scaled, {"factor": 1, "values": {"a": 1}}, ["a"], 2) is None


def test_where_processes_cannot_fork_the_data_is_sent_to_each_worker(monkeypatch):
    monkeypatch.setattr(pool.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    results = pool.map_shared(_scaled, {"factor": 2, "values": {"a": 1, "b": 5}}, ["b", "a"], 2)
    assert [(key, value) for key, value, _ in results] == [("b", 10), ("a", 2)]
