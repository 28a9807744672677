"""Does the window stay responsive while it colours a long queue? The whole window, offscreen.

    QT_QPA_PLATFORM=offscreen python bench/long_queue.py                 # 3,000 generated photos
    QT_QPA_PLATFORM=offscreen python bench/long_queue.py --folder ../shared/data/train-extra --seconds 20

Opens a folder in the Colourise page as a user would (generated small greyscale photos, or
``--folder``), lets it colour for ``--seconds`` with the default model, and meanwhile probes the
UI thread with a 5 ms timer (``bench/ui_latency.py``'s probe): the longest stall, the p99 gap,
and how many photos were coloured (medians of ``--repeats`` interleaved runs). The baseline, in
the same run: the photo list with rows sized to their text (Qt's default delegate), as it was
before its rows were made one height (``bench/queue_rows.py`` measures the list alone). Prints a
table and writes bench/results/long_queue.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench._results import write_results  # noqa: E402


def make_photos(folder: Path, count: int) -> Path:
    """``count`` small greyscale JPEGs, each a different gradient (quick to colour: the queue is what is measured)."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    ramp = np.linspace(0, 255, 96, dtype=np.float32)
    for index in range(count):
        grey = (np.outer(np.linspace(0.3, 1.0, 64), ramp) * (0.5 + 0.5 * ((index * 37) % 100) / 100)).astype(np.uint8)
        # Names of three lengths, as a folder of scans has: some wrap in the photo list.
        Image.fromarray(grey).save(folder / f"photo_{index:05d}{'_from_the_family_album' * (index % 3)}.jpg", quality=90)
    return folder


def offscreen_app(name: str, folder: Path | None, photos: int):
    """(the folder to open, the app, its UI-thread garbage collector): offscreen, with settings of its own
    in a new temporary folder, started as the app starts; the folder is ``photos`` generated ones unless given."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix=f"colourise-{name}-"))
    os.environ["COLOURISE_SETTINGS_DIR"] = str(work / "settings")
    folder = folder or make_photos(work / "photos", photos)
    from desktop.__main__ import make_application

    app, collector = make_application()
    return folder, app, collector


def measure(window, folder: Path, seconds: float, rows_sized_to_text: bool) -> dict:
    from PySide6.QtWidgets import QStyledItemDelegate
    from ui_latency import Probe, spin, spin_until

    page = window.colourise_page
    queue = page.queue
    if rows_sized_to_text:
        queue.setItemDelegate(QStyledItemDelegate(queue))
        queue.setUniformItemSizes(False)
    window.open_photos([folder])
    spin_until(lambda: queue.count() > 0, 120)
    spin(2)  # past the first thumbnails
    done_before = page.photos.counts()
    probe = Probe()
    probe.start()
    spin(seconds)
    result = probe.stop()
    done_after = page.photos.counts()
    result["coloured"] = sum(done_after[state] - done_before[state] for state in done_after if state.value in ("done", "failed"))
    return result | emptied(page)


def emptied(page) -> dict:
    """How many photos ``page`` held, once its queue is emptied for the next run."""
    from ui_latency import clear_queue_unasked, spin

    queued = page.queue.count()
    clear_queue_unasked(page)
    spin(1)
    return {"queued": queued}


def photo_folder_options(description: str, photos: int) -> argparse.ArgumentParser:
    """The options the window benches share: a folder (or how many photos to generate) and repeats."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--folder", type=Path, help="a folder of photos (default: generated)")
    parser.add_argument("--photos", type=int, default=photos, help="photos to generate when no --folder is given")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each, interleaved; the table shows medians")
    return parser


def interleaved(repeats: int) -> list[bool]:
    """True (the baseline) and False, ``repeats`` times each, each order as often: neither gains from running later."""
    return [first for repeat in range(repeats) for first in ((True, False) if repeat % 2 == 0 else (False, True))]


def main() -> int:
    parser = photo_folder_options(__doc__.splitlines()[0], 3000)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    folder, app, collector = offscreen_app("long-queue", args.folder, args.photos)  # noqa: F841 - app: kept alive
    from desktop.widgets.photo_queue import PhotoRowDelegate
    from ui_latency import median_of, warmed_window

    labels = {True: "rows sized to their text (before)", False: "rows of one height (now)"}
    runs: dict[bool, list[dict]] = {True: [], False: []}
    for sized_to_text in interleaved(args.repeats):
        window = warmed_window(collector)
        assert isinstance(window.colourise_page.queue.itemDelegate(), PhotoRowDelegate)
        runs[sized_to_text].append(measure(window, folder, args.seconds, sized_to_text))
        window.shut_down()
    rows = [{"rows": labels[sized], **median_of(results), "runs": results} for sized, results in runs.items()]
    print(f"{int(rows[0]['queued'])} photos queued, {args.seconds:g} s probed, medians of {args.repeats}")
    print(f"{'photo list':<36} {'coloured':>8} {'median':>8} {'p99':>8} {'longest':>9} {'>30ms':>6}")
    for row in rows:
        print(f"{row['rows']:<36} {row['coloured']:>8} {row['median_ms']:>6.1f}ms {row['p99_ms']:>6.1f}ms {row['max_ms']:>7.1f}ms {row['over_30ms']:>6}")
    write_results("long_queue", {"folder": str(folder), "seconds": args.seconds, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
