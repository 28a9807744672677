"""How long the window freezes as a photo in a long queue finishes, by how the photo list sizes its rows.

Each finished photo changes its row twice (Working, then Done with its thumbnail), and the
list lays itself out again before it paints. Measured offscreen on the UI thread, for
queues of ``--sizes`` photos, over ``--photos`` photos finishing one after another:

- ``rows sized to their text``: the baseline, Qt's default delegate with word-wrapped rows
  of their own height (``setUniformItemSizes(False)``), as the list was before;
- ``rows of one height``: what ships (``desktop.widgets.photo_queue.PhotoRowDelegate``:
  one row height, the name kept to one line, the state wrapped on up to two).

The time is from the first state change to the end of the repaint that follows the
second (two ``processEvents`` calls); medians and the worst photo.

    QT_QPA_PLATFORM=offscreen python bench/queue_rows.py                # table, bench/results/queue_rows.json
    QT_QPA_PLATFORM=offscreen python bench/queue_rows.py --sizes 100,6334 --photos 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import write_results  # noqa: E402


def make_queue(size: int, shipped: bool):
    from PySide6.QtWidgets import QStyledItemDelegate

    from desktop.widgets.photo_queue import PhotoQueue

    queue = PhotoQueue()
    if not shipped:
        queue.setItemDelegate(QStyledItemDelegate(queue))
        queue.setUniformItemSizes(False)
    queue.resize(260, 800)
    for key in range(size):
        # Names of three lengths, as a folder of scans has: some wrap at this width.
        queue.add(key, f"photo_{key:05d}{'_from_the_family_album' * (key % 3)}.jpg", f"/photos/{key}.jpg")
    queue.show()
    return queue


def finish_photos(app, queue, photos: int) -> list[float]:
    """Seconds each photo's two row changes take, relayout and repaint included."""
    from PySide6.QtGui import QColor, QImage

    from desktop.widgets.photo_queue import QueueState

    app.processEvents()
    thumb = QImage(96, 64, QImage.Format.Format_RGB32)
    thumb.fill(QColor("darkgreen"))
    times = []
    for key in range(photos):
        start = time.perf_counter()
        queue.set_state(key, QueueState.WORKING)
        app.processEvents()
        queue.set_state(key, QueueState.DONE)
        queue.set_thumbnail(key, thumb)
        app.processEvents()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,6334", help="queue lengths, comma-separated")
    parser.add_argument("--photos", type=int, default=30, help="photos finishing in each queue")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for shipped, label in ((False, "rows sized to their text"), (True, "rows of one height")):
            queue = make_queue(size, shipped)
            times = finish_photos(app, queue, min(args.photos, size))
            queue.close()
            queue.deleteLater()
            rows.append(
                {"queued": size, "rows": label, "shipped": shipped, "median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000, "photos": len(times)}
            )
    print(f"{'queued':>7}  {'rows':<26} {'median':>10} {'worst':>10}")
    for row in rows:
        print(f"{row['queued']:>7}  {row['rows']:<26} {row['median_ms']:>8.1f}ms {row['max_ms']:>8.1f}ms")
    write_results("queue_rows", {"photos_per_queue": args.photos, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
