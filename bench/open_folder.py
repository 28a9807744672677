"""Does the window stay responsive while it opens a folder of thousands of photos? The whole window, offscreen.

    QT_QPA_PLATFORM=offscreen python bench/open_folder.py                  # 30,000 generated photos
    QT_QPA_PLATFORM=offscreen python bench/open_folder.py --folder ../shared/data/train-extra

Opens the folder in the Colourise page as a user would and probes the UI thread with a 5 ms
timer (``bench/ui_latency.py``'s probe) until every photo is queued: the seconds that took, the
longest stall and the p99 gap. The folder is searched on a worker; the photos found are then
queued ``desktop.colourise_page.QUEUED_A_TURN`` at a time, the window answering between turns.
The baseline, in the same run: every photo queued in one turn, as before. Medians of
``--repeats`` interleaved runs; prints a table and writes bench/results/open_folder.json.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench._results import write_results  # noqa: E402
from bench.long_queue import emptied, interleaved, offscreen_app, photo_folder_options  # noqa: E402


def measure(window, folder: Path, expected: int) -> dict:
    from ui_latency import Probe, spin_until

    page = window.colourise_page
    probe = Probe()
    probe.start()
    start = time.perf_counter()
    window.open_photos([folder])
    spin_until(lambda: page.queue.count() >= expected, 600)
    result = probe.stop()
    result["queued_s"] = time.perf_counter() - start
    return result | emptied(page)


def main() -> int:
    args = photo_folder_options(__doc__.splitlines()[0], 30_000).parse_args()
    folder, app, collector = offscreen_app("open-folder", args.folder, args.photos)  # noqa: F841 - app: kept alive
    import desktop.colourise_page
    from engine.photo import find_photos, sort_found
    from ui_latency import median_of, warmed_window

    expected = len(sort_found(find_photos([folder])).photos)
    in_turns = desktop.colourise_page.QUEUED_A_TURN
    labels = {True: "all in one turn (before)", False: f"{in_turns} a turn (now)"}
    runs: dict[bool, list[dict]] = {True: [], False: []}
    for at_once in interleaved(args.repeats):
        desktop.colourise_page.QUEUED_A_TURN = expected + 1 if at_once else in_turns
        window = warmed_window(collector)
        runs[at_once].append(measure(window, folder, expected))
        window.shut_down()
    desktop.colourise_page.QUEUED_A_TURN = in_turns
    rows = [{"queueing": labels[at_once], **median_of(results), "runs": results} for at_once, results in runs.items()]
    print(f"{expected:,} photos, medians of {args.repeats}")
    print(f"{'queueing':<28} {'all queued':>10} {'p99':>8} {'longest':>9} {'>30ms':>6}")
    for row in rows:
        print(f"{row['queueing']:<28} {row['queued_s']:>8.1f} s {row['p99_ms']:>6.1f}ms {row['max_ms']:>7.1f}ms {row['over_30ms']:>6}")
    write_results("open_folder", {"folder": str(folder), "photos": expected, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
