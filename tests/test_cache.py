"""Build caches (briefgen.cache): they only ever save time, whatever happened to them."""

from __future__ import annotations

import hashlib

from briefgen.cache import Memo, ShardedMemo, load_value, save_value


def key(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def test_a_value_saved_for_one_version_is_not_read_by_another(tmp_path):
    save_value(tmp_path / "v.pickle", "one", {"a": 1})
    assert load_value(tmp_path / "v.pickle", "one") == {"a": 1}
    assert load_value(tmp_path / "v.pickle", "two") is None
    (tmp_path / "v.pickle").write_bytes(b"\x80\x05torn")
    assert load_value(tmp_path / "v.pickle", "one") is None
    assert load_value(tmp_path / "absent.pickle", "one") is None


def test_a_memo_keeps_only_what_the_last_build_used(tmp_path):
    memo = Memo(tmp_path / "m.pickle", "v")
    memo.put("a", 1)
    memo.put("b", 2)
    memo.save()
    again = Memo(tmp_path / "m.pickle", "v")
    assert again.get("a") == 1
    again.save()
    assert Memo(tmp_path / "m.pickle", "v").entries.keys() == {"a"}


def test_a_memo_unpacks_only_the_value_asked_for(tmp_path):
    memo = Memo(tmp_path / "m.pickle", "v")
    memo.put("a", [1, 2])
    memo.put("b", {"x": "y"})
    memo.save()
    again = Memo(tmp_path / "m.pickle", "v")
    assert all(isinstance(packed, bytes) for packed in again.entries.values())
    assert again.get("b") == {"x": "y"}
    assert again.get("missing") is None
    again.entries["a"] = b"\x80\x05torn"  # a torn value is a miss, not an error
    assert again.get("a") is None


def test_a_sharded_memo_reads_only_the_shards_it_is_asked_for(tmp_path):
    folder = tmp_path / "memo"
    memo = ShardedMemo(folder, "v")
    for n in range(300):
        memo.put(key(n), n)
    memo.save()
    shards = {p.name for p in folder.glob("*.pickle")} - {"index.pickle"}
    assert len(shards) > 100

    later = ShardedMemo(folder, "v")
    assert key(7) in later and key(999) not in later
    for n in range(300):
        later.keep(key(n))
    assert later.get(key(7)) == 7
    assert set(later._shards) == {later._name(key(7))}  # one shard read, not all of them
    later.save()
    assert {p.name for p in folder.glob("*.pickle")} - {"index.pickle"} == shards


def test_a_sharded_memo_forgets_keys_no_build_wants(tmp_path):
    folder = tmp_path / "memo"
    memo = ShardedMemo(folder, "v")
    for n in range(50):
        memo.put(key(n), n)
    memo.save()
    later = ShardedMemo(folder, "v")
    for n in range(10):
        later.keep(key(n))
    later.put(key(1000), "new")
    later.save()
    final = ShardedMemo(folder, "v")
    assert final.index == {key(n) for n in range(10)} | {key(1000)}
    assert final.get(key(1000)) == "new" and final.get(key(3)) == 3 and final.get(key(30)) is None
    wanted_shards = {final._name(k) for k in final.index}
    assert {p.stem for p in folder.glob("*.pickle")} - {"index"} == wanted_shards


def test_a_sharded_memo_survives_a_lost_shard_or_a_new_version(tmp_path):
    folder = tmp_path / "memo"
    memo = ShardedMemo(folder, "v")
    memo.put(key(1), 1)
    memo.save()
    (folder / f"{memo._name(key(1))}.pickle").unlink()  # as if a build died after the index was written
    assert ShardedMemo(folder, "v").get(key(1)) is None
    assert key(1) not in ShardedMemo(folder, "v2")


def test_a_value_put_in_a_sharded_memo_reads_back_before_and_after_saving(tmp_path):
    memo = ShardedMemo(tmp_path / "memo", "v")
    memo.put(key(5), {"cards": {}})
    memo.get(key(5))["cards"]["x"] = "<li>"
    assert memo.get(key(5)) == {"cards": {"x": "<li>"}}
    memo.save()
    assert ShardedMemo(tmp_path / "memo", "v").get(key(5)) == {"cards": {"x": "<li>"}}


class Value(dict):
    """A dict that can be weakly referenced."""


def test_a_sharded_memo_unloaded_after_saving_lets_go_of_its_values_and_reads_them_again(tmp_path):
    import gc
    import weakref

    memo = ShardedMemo(tmp_path / "memo", "v")
    value = Value(n=5)
    memo.put(key(5), value)
    memo.save()
    memo.unload()
    held = weakref.ref(value)
    del value
    gc.collect()
    assert held() is None  # the memo kept no reference
    assert key(5) in memo and memo.get(key(5)) == {"n": 5}


def test_keys_sharing_a_beginning_still_spread_over_many_shards(tmp_path):
    memo = ShardedMemo(tmp_path / "memo", "v")
    for n in range(500):
        memo.put(f"/project/content/articles/report-{n}.md", n)
    memo.save()
    assert len(list((tmp_path / "memo").glob("*.pickle"))) > 100
