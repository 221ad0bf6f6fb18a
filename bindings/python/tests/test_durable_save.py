"""Saves are durable and atomic (issue 14; docs/SAFETY.md "Durable, atomic saves").

The crash test: a child process loads two different fixture models, A and B, and saves them in
turn into one folder with m2v_native.StaticModel.save_pretrained, forever; the parent kills it
with SIGKILL at a random moment, then checks that the folder holds the complete old or the
complete new model — every model file byte-identical to the same version's, never a mix, never a
short file —, that the user's other files are still there, and that m2v_native and model2vec's
StaticModel.from_pretrained load it. The child reports each save's start and end on a pipe, so
the parent knows which versions are allowed (the last completed save's, or the interrupted
one's) and how many kills landed mid-save. Temporary folders of killed savers are removed by the
next save.

Also: a model loaded from a folder keeps working after a save over that folder (its mapped file
is never written in place), and a save into a subfolder swaps only the subfolder.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import m2v_native
from conftest import model_dir

A, B = "trained-wordlevel-5k-nonorm", "trained-unigram-6k-weights"
MODEL_FILES = ["README.md", "config.json", "model.safetensors", "modules.json", "tokenizer.json"]
USER_FILES = {".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
              "extra/notes.txt": b"the user's notes\n"}
ITERATIONS = int(os.environ.get("M2V_CRASH_ITERATIONS", "80"))
TIME_BUDGET_S = float(os.environ.get("M2V_CRASH_SECONDS", "60"))
TEXTS = ["hello world", "the quick brown fox jumps over the lazy dog", ""]

CHILD = r"""
import sys
import m2v_native
target = sys.argv[3]
models = [m2v_native.StaticModel.from_pretrained(p) for p in sys.argv[1:3]]
first = int(sys.argv[4])
out = sys.stdout
out.write("ready\n"); out.flush()
i = 0
while True:
    which = (first + i) % 2
    out.write(f"S {i} {which}\n"); out.flush()
    models[which].save_pretrained(target)
    out.write(f"E {i}\n"); out.flush()
    i += 1
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {f: (folder / f).read_bytes() for f in MODEL_FILES}


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".m2v-tmp-" in p.name) if folder.is_dir() else []


def _version_of(target: Path, versions: list[dict[str, bytes]]) -> int:
    """Which version the folder holds; fails on a mix, a short or a missing file."""
    got = {}
    for f in MODEL_FILES:
        p = target / f
        assert p.is_file(), f"{f} missing after a kill"
        got[f] = p.read_bytes()
    matches = [v for v, files in enumerate(versions) if files == got]
    if not matches:
        detail = {f: [v for v, files in enumerate(versions) if files[f] == got[f]] for f in MODEL_FILES}
        pytest.fail(f"the folder holds a mix or a damaged file (file -> versions it equals): {detail}")
    return matches[0]


@pytest.fixture(scope="module")
def models():
    return [m2v_native.StaticModel.from_pretrained(model_dir(A)), m2v_native.StaticModel.from_pretrained(model_dir(B))]


def test_sigkill_during_saves_leaves_the_old_or_the_new_model(tmp_path, models):
    model2vec = pytest.importorskip("model2vec")
    # Both versions as save_pretrained writes them into a folder named "target" (the card names
    # the folder), and the vectors each loads to.
    versions, vectors = [], []
    for v, m in enumerate(models):
        ref = tmp_path / f"ref{v}" / "target"
        m.save_pretrained(ref)
        versions.append(_files(ref))
        vectors.append(m2v_native.StaticModel.from_pretrained(ref).encode(TEXTS))
    assert versions[0]["model.safetensors"] != versions[1]["model.safetensors"]

    parent = tmp_path / "work"
    target = parent / "target"
    models[0].save_pretrained(target)
    for name, data in USER_FILES.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
    current = 0

    # How long one save takes here, to spread the kills over a few saves.
    t0 = time.perf_counter()
    for i in range(4):
        models[i % 2].save_pretrained(target)
    save_s = (time.perf_counter() - t0) / 4
    current = 1

    stats = dict(iterations=0, mid_save=0, mid_save_old=0, mid_save_new=0, between_saves=0, before_first_save=0,
                 stale_temporaries=0, survivors=[0, 0], saves_completed=0)
    start = time.monotonic()
    rng = random.Random(int(os.environ.get("M2V_CRASH_SEED", "14")))
    while stats["iterations"] < ITERATIONS and time.monotonic() - start < TIME_BUDGET_S:
        first = rng.randrange(2)
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(model_dir(A)), str(model_dir(B)), str(target),
                                  str(first)], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            assert child.stdout.readline() == "ready\n"
            # Over a few saves (at least 100 ms: fsync times vary a lot on a shared disk).
            time.sleep(rng.uniform(0, max(4 * save_s, 0.1)))
            child.send_signal(signal.SIGKILL)
            rest = child.stdout.read()
        finally:
            child.kill()
            child.wait()
        assert child.returncode == -signal.SIGKILL
        events = [line.split() for line in rest.splitlines()]
        completed = [e for e in events if e[0] == "E"]
        stats["saves_completed"] += len(completed)
        # The version of save i is (first + i) % 2.
        previous = (first + int(completed[-1][1])) % 2 if completed else current
        allowed = {previous}
        interrupted = None
        if events and events[-1][0] == "S":
            interrupted = int(events[-1][2])
            allowed.add(interrupted)
            stats["mid_save"] += 1
        elif events:
            stats["between_saves"] += 1
        else:
            stats["before_first_save"] += 1
        got = _version_of(target, versions)
        assert got in allowed, f"the folder holds version {got}, expected one of {allowed} after {events[-3:]}"
        if interrupted is not None and interrupted != previous:
            stats["mid_save_new" if got == interrupted else "mid_save_old"] += 1
        for name, data in USER_FILES.items():
            assert (target / name).read_bytes() == data, f"{name} lost or changed"
        assert not _temporaries(target), "temporary files inside the folder"
        stats["stale_temporaries"] += len(_temporaries(parent))
        assert m2v_native.StaticModel.from_pretrained(target).encode(TEXTS).tobytes() == vectors[got].tobytes()
        ref = model2vec.StaticModel.from_pretrained(str(target))
        assert ref.embedding.shape == versions_shape(models[got])
        current = got
        stats["survivors"][got] += 1
        stats["iterations"] += 1

    elapsed = time.monotonic() - start
    print(f"\ncrash test: {stats['iterations']} SIGKILLs in {elapsed:.1f} s (one save ~{save_s * 1e3:.1f} ms); "
          f"{stats['mid_save']} mid-save ({stats['mid_save_old']} left the old model, {stats['mid_save_new']} the new: "
          f"killed after the swap), {stats['between_saves']} between saves, "
          f"{stats['before_first_save']} before the first save; {stats['saves_completed']} saves completed; "
          f"survivors A/B {stats['survivors'][0]}/{stats['survivors'][1]}; "
          f"temporaries left by killed savers seen {stats['stale_temporaries']} times; no mix, no short file")
    assert stats["iterations"] >= min(ITERATIONS, 20)
    assert stats["mid_save"] >= stats["iterations"] // 3, stats
    # The next save removes what killed savers left beside the folder.
    models[0].save_pretrained(target)
    assert not _temporaries(parent), _temporaries(parent)
    assert sorted(p.name for p in parent.iterdir()) == ["target"]


def versions_shape(model) -> tuple[int, ...]:
    return tuple(np.asarray(model.embedding).shape)


def test_a_loaded_model_survives_a_save_over_its_folder(tmp_path, models):
    target = tmp_path / "model"
    models[0].save_pretrained(target)
    loaded = m2v_native.StaticModel.from_pretrained(target)
    before = loaded.encode(TEXTS)
    old_inode = (target / "model.safetensors").stat().st_ino
    models[1].save_pretrained(target)
    assert (target / "model.safetensors").stat().st_ino != old_inode
    assert loaded.encode(TEXTS).tobytes() == before.tobytes()
    assert m2v_native.StaticModel.from_pretrained(target).vocab_size == models[1].vocab_size


def test_subfolder_save_swaps_only_the_subfolder(tmp_path, models):
    repo = tmp_path / "repo"
    models[0].save_pretrained(repo)
    (repo / "user.txt").write_bytes(b"outer")
    outer = _files(repo)
    models[0].save_pretrained(repo, subfolder="sub")
    (repo / "sub" / "keep.txt").write_bytes(b"inner")
    sub_inode = (repo / "sub").stat().st_ino
    models[1].save_pretrained(repo, subfolder="sub")
    assert (repo / "sub").stat().st_ino != sub_inode
    assert _files(repo) == outer and (repo / "user.txt").read_bytes() == b"outer"
    assert (repo / "sub" / "keep.txt").read_bytes() == b"inner"
    assert m2v_native.StaticModel.from_pretrained(repo / "sub").vocab_size == models[1].vocab_size
    assert sorted(p.name for p in repo.iterdir() if ".m2v-tmp-" in p.name) == []


def test_failed_save_leaves_the_old_folder(tmp_path, models):
    target = tmp_path / "model"
    models[0].save_pretrained(target)
    old = _files(target)
    (target / "config.json").unlink()
    (target / "config.json").mkdir()  # a folder where the save writes a file
    with pytest.raises(m2v_native.FileAccessError, match="config.json: is a folder"):
        models[1].save_pretrained(target)
    assert {f: b for f, b in _files_except(target, "config.json").items()} == {
        f: b for f, b in old.items() if f != "config.json"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    blocker = tmp_path / "file"
    blocker.write_bytes(b"x")
    with pytest.raises(m2v_native.FileAccessError, match="not a folder"):
        models[1].save_pretrained(blocker)
    assert blocker.read_bytes() == b"x"


def _files_except(folder: Path, skip: str) -> dict[str, bytes]:
    return {f: (folder / f).read_bytes() for f in MODEL_FILES if f != skip}
