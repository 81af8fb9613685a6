"""The pure file helpers: PNG, contact sheets, COCO RLE, the EXR reader, atomic writes, digests."""
from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from worldsmith.dataset import coco
from worldsmith.files import atomic, digest, exr, images


@pytest.mark.parametrize("case", ["empty", "full", "first", "last", "random"])
def test_rle_round_trip(case):
    rng = np.random.default_rng(3)
    m = np.zeros((7, 11), bool)
    if case == "full":
        m[:] = True
    elif case == "first":
        m[0, 0] = True
    elif case == "last":
        m[-1, -1] = True
    elif case == "random":
        m = rng.random((37, 53)) > 0.6
    rle = coco.rle_encode(m)
    assert rle["size"] == list(m.shape)
    assert all(33 <= ord(c) < 128 for c in rle["counts"])
    assert (coco.rle_decode(rle) == m).all()


def test_rle_matches_coco_encoding():
    # counts are column-major: a 2x3 mask whose middle column is set -> runs 2, 2, 2
    m = np.array([[0, 1, 0], [0, 1, 0]], bool)
    assert coco.rle_encode(m)["counts"] == "222"   # chr(48 + 2) each: pycocotools' rleToString


@pytest.mark.parametrize("dtype,shape", [(np.uint8, (5, 9)), (np.uint16, (4, 3)), (np.uint8, (6, 4, 3))])
def test_png_round_trip(tmp_path, dtype, shape):
    img = (np.arange(np.prod(shape)) * 977 % np.iinfo(dtype).max).astype(dtype).reshape(shape)
    images.write_png(tmp_path / "x.png", img)
    back = images.read_png(tmp_path / "x.png")
    assert back.dtype == dtype and (back == img).all()


def test_sheet_grid():
    thumbs = [np.full((9, 16, 3), i * 40, np.uint8) for i in range(5)]
    out = images.contact_sheet(thumbs, columns=3, pad=2)
    assert out.shape == (2 * 11 + 2, 3 * 18 + 2, 3)
    assert (out[2:11, 2:18] == 0).all() and (out[13:22, 20:36] == 160).all()


def test_categories_are_catalog_kinds_and_composite():
    from worldsmith.scene_dsl import catalog
    cats = coco.categories()
    assert [c["name"] for c in cats] == [*catalog.KINDS, "composite"]   # composite entities share one
    assert [c["id"] for c in cats] == list(range(1, len(cats) + 1))


def test_exr_reader_rejects_other_files(tmp_path):
    p = tmp_path / "x.exr"
    p.write_bytes(b"not an exr")
    with pytest.raises(exr.ExrError):
        exr.read_exr_part(p)


def test_thumbnail_and_labels():
    img = np.zeros((90, 160, 3), np.uint8)
    img[:, 80:] = 200
    t = images.thumbnail(img, 40)
    assert t.shape == (22, 40, 3) and (t[:, :20] == 0).all() and (t[:, 20:] == 200).all()
    sheet = images.contact_sheet([t, t], columns=2, labels=["ab", "12"])
    assert sheet.shape == (26, 86, 3)
    assert (sheet[-4:, :] != 24).any()   # the caption band is drawn on the tiles


def test_write_atomic_replaces_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    atomic.write_atomic(target, "old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["report.json"]
    atomic.write_atomic(target, b"new")
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["report.json"]
    a, b = atomic.temp_name(target), atomic.temp_name(target)
    assert a != b and a.parent == b.parent == tmp_path and a.name.startswith(".report.json.")


def test_sha256_file(tmp_path):
    p = tmp_path / "x.bin"
    data = os.urandom(3 << 20)
    p.write_bytes(data)
    assert digest.sha256_file(p) == hashlib.sha256(data).hexdigest()


OWNED = ("scene.json", "scene.blend", "render.png")


def _run(out, files, owned=OWNED):
    with atomic.staged_dir(out, owned=owned) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text)


def test_staged_outputs_replace_as_a_unit_and_leave_no_stale_file(tmp_path):
    out = tmp_path / "out"
    _run(out, {"scene.json": "1", "scene.blend": "1", "render.png": "1"})
    (out / "notes.txt").write_text("mine")                    # the user's own file
    _run(out, {"scene.json": "2", "scene.blend": "2"})         # a --no-render run
    assert sorted(os.listdir(out)) == ["notes.txt", "scene.blend", "scene.json"]
    assert (out / "scene.json").read_text() == "2" and (out / "notes.txt").read_text() == "mine"
    with pytest.raises(RuntimeError):
        with atomic.staged_dir(out, owned=OWNED) as tmp:
            (tmp / "scene.json").write_text("3")
            raise RuntimeError("the render failed")
    assert (out / "scene.json").read_text() == "2" and (out / "scene.blend").read_text() == "2"
    assert sorted(os.listdir(out)) == ["notes.txt", "scene.blend", "scene.json"]   # no temporary or lock file
    assert os.listdir(tmp_path) == ["out"]                     # nothing written beside the folder


def test_a_killed_runs_temporary_folders_are_removed(tmp_path):
    import subprocess
    import sys
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    out = tmp_path / "out"
    out.mkdir()
    for suffix in ("tmp", "old"):
        leftover = out / f".worldsmith.{dead}-0a1b2c3d.{suffix}"
        leftover.mkdir()
        (leftover / "render.png").write_text("half")
    live = out / f".worldsmith.{os.getpid()}-deadbeef.tmp"      # a run still going: never touched
    live.mkdir()
    _run(out, {"scene.json": "1"})
    assert sorted(os.listdir(out)) == sorted([live.name, "scene.json"])


def test_a_second_writer_of_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    with atomic.folder_lock(out):
        with pytest.raises(atomic.FolderBusy, match="another Worldsmith run is writing"):
            _run(out, {"scene.json": "2"})
    _run(out, {"scene.json": "3"})                               # free again once the first is done
    assert (out / "scene.json").read_text() == "3"
