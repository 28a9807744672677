"""How long the queue's bookkeeping holds the UI thread as each photo finishes, by queue length.

As each photo finishes, the Colourise page asks its queue (``desktop.colourise_queue``) for the
next photo to colour, the progress counts (twice) and whether Save All has anything to save.
Measured without widgets, per finished photo, at ten points spread through the queue (a few photos
each), for queues of ``--sizes`` photos:

- ``walking the queue``: the baseline, the queue as it was: counts and the next photo found by
  walking every photo, from the first, each time;
- ``kept as states change``: what ships: counts kept up to date and a heap of waiting photos.

    python bench/queue_bookkeeping.py                  # table, bench/results/queue_bookkeeping.json
    python bench/queue_bookkeeping.py --sizes 1000,100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import write_results  # noqa: E402

from desktop.colourise_queue import ColouriseQueue, QueueItem, QueueState  # noqa: E402
from engine.batch import PhotoSource  # noqa: E402

POINTS = 10  # places in the queue where photos are timed
PHOTOS_AT_EACH = 5


class WalkingQueue(ColouriseQueue):
    """The baseline: the queue as it was, walking every photo for the counts and the next photo."""

    def counts(self) -> dict[QueueState, int]:
        out = {state: 0 for state in QueueState}
        for item in self.items.values():
            out[item.state] += 1
        return out

    def next_to_colour(self) -> QueueItem | None:
        if self.working is not None or self.paused or self.model is None:
            return None
        for item in self.items.values():
            if item.state != QueueState.WAITING:
                continue
            if self.model in item.thumbs:
                self._set(item, QueueState.DONE)
                continue
            self.working = item.key
            self._set(item, QueueState.WORKING)
            return item
        return None

    def any_saveable(self) -> bool:
        return any(item.state != QueueState.FAILED for item in self.items.values())


def one_photo_finishing(queue: ColouriseQueue) -> float:
    """Seconds of the queue's work for one photo, as the page does it: start it, finish it, ask again."""
    start = time.perf_counter()
    item = queue.next_to_colour()
    queue.colouring_progress()
    queue.coloured(item.key, "model", "thumb")
    queue.job_ended()
    queue.any_saveable()
    queue.can_save(item.key)
    queue.colouring_progress()
    return time.perf_counter() - start


def timed(kind: type[ColouriseQueue], size: int) -> list[float]:
    queue = kind()
    keys = [queue.add(PhotoSource.file(Path(f"/photos/{i:06d}.jpg"))) for i in range(size)]
    queue.set_model("model")
    times = []
    for point in range(POINTS):
        first = size * point // POINTS
        for key in keys[:first]:  # the photos before this point are done (untimed; none is working between photos)
            if queue.items[key].state != QueueState.DONE:
                queue._set(queue.items[key], QueueState.DONE)
        times += [one_photo_finishing(queue) for _ in range(min(PHOTOS_AT_EACH, size - first))]
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,6334,50000")
    args = parser.parse_args()
    rows = []
    print(f"{'queued':>8} {'walking the queue (before)':>28} {'kept as states change (now)':>29}")
    for size in (int(s) for s in args.sizes.split(",")):
        before, now = timed(WalkingQueue, size), timed(ColouriseQueue, size)
        row = {"queued": size, "before_ms": statistics.median(before) * 1e3, "now_ms": statistics.median(now) * 1e3,
               "before_worst_ms": max(before) * 1e3, "now_worst_ms": max(now) * 1e3}
        rows.append(row)
        print(f"{size:>8,} {row['before_ms']:>22.3f} ms {row['now_ms']:>23.3f} ms")
    print(f"medians of {POINTS * PHOTOS_AT_EACH} photos spread through each queue")
    write_results("queue_bookkeeping", {"rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
