"""The Colourise page's queue model, without widgets: states, what runs next, cancel, model switches, save plans."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from pathlib import Path

import pytest

from desktop.colourise_queue import ColouriseQueue, QueueState, save_name, saved_summary
from engine.batch import PhotoSource
from engine.events import BatchFinished


def queue_of(*names: str, folder: Path = Path("/photos")) -> tuple[ColouriseQueue, list[int], list[int]]:
    changes: list[int] = []
    queue = ColouriseQueue(on_changed=changes.append)
    keys = [queue.add(PhotoSource.file(folder / name)) for name in names]
    return queue, keys, changes


def test_photos_are_coloured_in_order_one_at_a_time():
    queue, (a, b), changes = queue_of("a.jpg", "b.jpg")
    assert queue.next_to_colour() is None  # no model yet
    queue.set_model("m1")
    first = queue.next_to_colour()
    assert first.key == a and queue.state(a) == QueueState.WORKING and queue.next_to_colour() is None  # one at a time
    assert queue.coloured(a, "m1", "thumb-a") and queue.state(a) == QueueState.DONE
    queue.job_ended()
    assert queue.next_to_colour().key == b
    assert a in changes and b in changes


def test_a_failure_keeps_its_reason_and_the_rest_go_on():
    queue, (a, b), _ = queue_of("a.jpg", "b.jpg")
    queue.set_model("m1")
    queue.next_to_colour()
    assert queue.failed(a, "a.jpg: truncated or corrupt")
    assert queue.items[a].reason == "truncated or corrupt" and queue.saveable() == [b]
    assert not queue.can_save(a) and queue.can_save(b) and not queue.can_save(None) and queue.any_saveable()
    queue.job_ended()
    assert queue.next_to_colour().key == b
    queue.failed(b, "b.jpg: not an image")
    assert not queue.any_saveable()  # Save All has nothing to save


def test_cancel_pauses_until_a_photo_is_added_or_the_model_changes():
    queue, (a, b), _ = queue_of("a.jpg", "b.jpg")
    queue.set_model("m1")
    queue.next_to_colour()
    queue.cancel()
    queue.job_ended()  # the stopped job ends without finishing a
    assert queue.state(a) == QueueState.WAITING and queue.next_to_colour() is None
    queue.add(PhotoSource.file("/photos/c.jpg"))
    assert queue.next_to_colour().key == a
    queue.job_ended()
    queue.cancel()
    queue.set_model("m2")
    assert queue.next_to_colour() is not None


def test_a_photo_passed_over_stays_waiting_until_it_is_coloured_elsewhere_or_no_longer_passed_over():
    """The photo on screen, coloured with its hints for the view, is not coloured again for the queue without them."""
    queue, (a, b, c), _ = queue_of("a.jpg", "b.jpg", "c.jpg")
    queue.set_model("m1")
    assert queue.next_to_colour(passed_over={a}).key == b
    assert queue.state(a) == QueueState.WAITING and queue.colouring_progress() == (0, 3)
    queue.coloured(b, "m1", "thumb-b")
    queue.job_ended()
    assert queue.next_to_colour(passed_over={a}).key == c
    queue.coloured(c, "m1", "thumb-c")
    queue.job_ended()
    assert queue.next_to_colour(passed_over={a}) is None and queue.state(a) == QueueState.WAITING
    assert queue.next_to_colour().key == a  # shown no longer, say: the queue's again
    queue.job_ended()
    assert queue.coloured(a, "m1", "thumb-a") and queue.state(a) == QueueState.DONE  # its hinted colours shown, say
    assert queue.next_to_colour() is None


def test_switching_models_back_reuses_the_thumbnails():
    queue, (a,), _ = queue_of("a.jpg")
    queue.set_model("m1")
    queue.next_to_colour()
    queue.coloured(a, "m1", "thumb-1")
    queue.job_ended()
    queue.set_model("m2")
    assert queue.state(a) == QueueState.WAITING
    queue.set_model("m1")
    assert queue.state(a) == QueueState.DONE and queue.next_to_colour() is None


def test_a_photo_keeps_its_own_strength_and_a_new_one_drops_thumbnails_of_other_models():
    queue, (a, b), changes = queue_of("a.jpg", "b.jpg")
    c = queue.add(PhotoSource.file("/photos/c.jpg"), strength=1.4)
    assert [queue.items[k].strength for k in (a, b, c)] == [1.0, 1.0, 1.4]
    queue.set_model("m1")
    queue.coloured(a, "m1", "thumb-1")
    queue.set_model("m2")
    queue.coloured(a, "m2", "thumb-2")
    changes.clear()
    assert queue.set_strength([a, b, c], 1.4) == [a, b] and changes == [a, b]  # c had it already
    assert queue.items[a].thumbs == {"m2": "thumb-2"}  # the page colours the current one anew; m1's would show 100 %
    queue.set_model("m1")
    assert queue.state(a) == QueueState.WAITING  # to be coloured at 140 % with m1


def test_a_result_for_another_model_does_not_finish_the_photo():
    queue, (a,), _ = queue_of("a.jpg")
    queue.set_model("m1")
    queue.next_to_colour()
    queue.set_model("m2")  # while a is being coloured with m1
    assert not queue.coloured(a, "m1", "thumb-1") and queue.state(a) == QueueState.WORKING
    queue.job_ended()
    assert queue.next_to_colour().key == a  # now with m2


def test_progress_counts_the_batch_until_it_is_idle():
    queue, keys, _ = queue_of("a.jpg", "b.jpg", "c.jpg")
    queue.set_model("m1")
    assert queue.colouring_progress() is None
    queue.next_to_colour()
    assert queue.colouring_progress() == (0, 3)
    queue.coloured(keys[0], "m1", "t")
    queue.job_ended()
    queue.next_to_colour()
    assert queue.colouring_progress() == (1, 3)


@pytest.mark.parametrize("seed", range(5))
def test_counts_and_the_next_photo_stay_right_through_any_sequence_of_changes(seed):
    # The queue keeps its counts and a heap of waiting photos as states change (a photo finishing
    # must not walk a queue of thousands); checked here against walking it, after every step.
    rng = random.Random(seed)
    queue, _, _ = queue_of(*(f"{i}.jpg" for i in range(8)))
    added = itertools.count(8)
    for _ in range(600):
        step = rng.choice(["add", "remove", "model", "next", "next", "coloured", "failed", "ended", "cancel"])
        working = queue.working
        if step == "add":
            queue.add(PhotoSource.file(Path(f"/photos/{next(added)}.jpg")))
        elif step == "remove" and queue.items:
            queue.remove([rng.choice(queue.keys())])
        elif step == "model":
            queue.set_model(rng.choice(["m1", "m2"]))
        elif step == "next":
            blocked = working is not None or queue.paused or queue.model is None
            waiting = [item for item in queue.items.values() if item.state == QueueState.WAITING]
            expected = None if blocked else next((item.key for item in waiting if queue.model not in item.thumbs), None)
            item = queue.next_to_colour()
            assert (item.key if item else None) == expected
        elif step == "coloured" and working is not None:
            queue.coloured(working, queue.model, "thumb")
        elif step == "failed" and working is not None:
            queue.failed(working, "x.jpg: not an image")
        elif step == "ended":
            queue.job_ended()
        elif step == "cancel":
            queue.cancel()
        walked = Counter(item.state for item in queue.items.values())
        assert queue.counts() == {state: walked[state] for state in QueueState}
        assert queue.any_saveable() == bool(queue.saveable())


def test_known_files_are_not_queued_twice_and_removed_photos_are_gone():
    queue, (a, b), _ = queue_of("a.jpg", "b.jpg")
    assert [s.name for s in queue.new_files([Path("/photos/a.jpg"), Path("/photos/z.jpg")])] == ["z.jpg"]
    assert [item.key for item in queue.remove([a, 99])] == [a] and queue.keys() == [b]
    assert queue.pasted_name() == "pasted-1.png" and queue.pasted_name() == "pasted-2.png"


def test_save_plan_names_avoid_each_other_originals_and_existing_files(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    queue = ColouriseQueue()
    queue.add(PhotoSource.file(tmp_path / "x" / "same.jpg"))
    queue.add(PhotoSource.file(tmp_path / "y" / "same.jpg"))
    queue.add(PhotoSource("pasted-1.png", pasted=object()))
    out = tmp_path / "out"
    out.mkdir()
    (out / "same-colourised.jpg").write_bytes(b"there")
    _keys, targets = queue.plan_save(out, "same")
    assert [t.name for t in targets] == ["same-colourised.jpg", "same-colourised-2.jpg", "pasted-1-colourised.png"]
    _keys, kept = queue.plan_save(out, "webp", keep_existing=True)
    assert [t.name for t in kept] == ["same-colourised.webp", "same-colourised-2.webp", "pasted-1-colourised.webp"]
    _keys, kept = queue.plan_save(out, "same", keep_existing=True)
    assert kept[0].name == "same-colourised-2.jpg" and kept[1].name == "same-colourised-3.jpg"


def test_names_and_summaries():
    assert save_name(PhotoSource.file("/p/IMG_1.tif"), "same") == "IMG_1-colourised.tif"
    assert save_name(PhotoSource("photo.jpg", pasted=object()), "same") == "photo-colourised.png"
    assert saved_summary(BatchFinished(1, 0, 0)) == "Saved 1 photo."
    assert saved_summary(BatchFinished(2, 1, 0, cancelled=True)) == "Saved 2 photos; 1 failed; cancelled."
    assert saved_summary(BatchFinished(1, 0, 0), hint_files=1) == "Saved 1 photo, with its colour hints beside it (.hints.json)."
    assert saved_summary(BatchFinished(3, 0, 0), hint_files=2) == "Saved 3 photos, the colour hints of 2 beside them (.hints.json)."


def test_the_save_summary_names_the_folder_the_photos_went_to_whole():
    """"Saved 4 photos, the colour hints of 1 beside it" did not say where (found by QA); the window shortens the folder
    to the status bar's room (it was cut to 32 characters, at any width)."""
    coloured = Path("/home/ann/Pictures/scans from the attic/1950s/the family album/coloured")
    assert saved_summary(BatchFinished(4, 0, 0), hint_files=1, folders=[coloured] * 4) == (
        f"Saved 4 photos to {coloured}, the colour hints of 1 beside it (.hints.json)."
    )
    assert saved_summary(BatchFinished(2, 1, 0), folders=[coloured, Path("/elsewhere")]) == "Saved 2 photos into 2 folders; 1 failed."
