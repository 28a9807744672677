"""How long a photo's final hint render takes, and how long it freezes the window, by solver ordering.

A photo with hints is coloured at working size by the network and then by a sparse
solve that spreads the hints (``engine.propagation``). Its factorization dominates the
time, and its fill-reducing ordering decides both the time and how long the GIL is held
(while the GIL is held on the worker, the window cannot run Python: its timers and slots
wait). For each licence-clean sample photo and 1, 3 and 10 hints (seeded places and
colours), the hinted prediction of the shipped default model runs on a worker thread as
the window runs it, with

- ``COLAMD``: SuperLU's default ordering (the baseline, measured in the same run),
- ``MMD_AT_PLUS_A``: minimum degree on A^T + A, for symmetric systems (what ships),

while the main thread ticks every 5 ms; the longest gap between ticks is the freeze.
Runs are interleaved; medians of ``--runs``. Also checked: both orderings give the same
colours (largest a/b difference).

    python bench/hint_solve.py            # table on stdout, bench/results/hint_solve.json
    python bench/hint_solve.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine import propagation  # noqa: E402
from engine.hints import Hint  # noqa: E402
from engine.inference import Colouriser  # noqa: E402
from engine.photo import read_photo  # noqa: E402

ORDERINGS = ("COLAMD", "MMD_AT_PLUS_A")
HINT_COUNTS = (1, 3, 10)
TICK_S = 0.005


def seeded_hints(photo, count: int, seed: int) -> list[Hint]:
    rng = np.random.default_rng(seed)
    return [
        Hint(float(rng.uniform(0.1, 0.9) * photo.width), float(rng.uniform(0.1, 0.9) * photo.height), tuple(int(v) for v in rng.integers(0, 256, 3)))
        for _ in range(count)
    ]


def timed_on_worker(work) -> tuple[float, float, object]:
    """Run ``work`` on a thread while this thread ticks: (seconds, longest tick gap in ms, its result)."""
    result, done = [], threading.Event()
    worker = threading.Thread(target=lambda: (result.append(work()), done.set()))
    ticks = [time.perf_counter()]
    worker.start()
    while not done.is_set():
        time.sleep(TICK_S)
        ticks.append(time.perf_counter())
    worker.join()
    return ticks[-1] - ticks[0], 1000 * max(np.diff(ticks)), result[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default="default")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "hint_solve.json")
    args = parser.parse_args()

    colouriser = Colouriser.from_name(args.model, device="cpu")
    photos = sorted((REPO / "resources" / "samples").glob("*.jpg"))
    rows = []
    for path in photos:
        photo = read_photo(path)
        colouriser.predict(photo)  # warm-up: the model's first pass
        for count in HINT_COUNTS:
            hints = seeded_hints(photo, count, seed=count)
            seconds = {name: [] for name in ORDERINGS}
            freeze = {name: [] for name in ORDERINGS}
            colours = {}
            for _ in range(args.runs):
                for name in ORDERINGS:  # interleaved: a burst of load elsewhere hits both alike
                    propagation.ORDERING = name
                    took, gap, prediction = timed_on_worker(lambda: colouriser.predict(photo, hints=hints))
                    seconds[name].append(took)
                    freeze[name].append(gap)
                    colours[name] = prediction.ab.numpy()
            rows.append({
                "photo": path.name,
                "hints": count,
                "grid": list(colours[ORDERINGS[0]].shape[1:]),
                **{f"{name} s": round(statistics.median(seconds[name]), 3) for name in ORDERINGS},
                **{f"{name} freeze ms": round(statistics.median(freeze[name]), 1) for name in ORDERINGS},
                "largest a/b difference": float(np.abs(colours[ORDERINGS[0]] - colours[ORDERINGS[1]]).max()),
                "runs": {"seconds": seconds, "freeze_ms": freeze},
            })
            row = rows[-1]
            print(
                f"{path.name:22s} {count:3d} hints  grid {row['grid'][0]}x{row['grid'][1]}  "
                + "  ".join(f"{name} {row[f'{name} s']:.2f} s / {row[f'{name} freeze ms']:.0f} ms" for name in ORDERINGS)
                + f"  a/b diff {row['largest a/b difference']:.1e}",
                flush=True,
            )
    propagation.ORDERING = ORDERINGS[-1]
    summary = {
        name: {
            "median_seconds": round(statistics.median(r[f"{name} s"] for r in rows), 3),
            "median_freeze_ms": round(statistics.median(r[f"{name} freeze ms"] for r in rows), 1),
            "max_freeze_ms": round(max(r[f"{name} freeze ms"] for r in rows), 1),
        }
        for name in ORDERINGS
    }
    print()
    print(f"{'ordering':16s} {'median time':>12s} {'median freeze':>14s} {'worst freeze':>13s}")
    for name, s in summary.items():
        print(f"{name:16s} {s['median_seconds']:>10.2f} s {s['median_freeze_ms']:>11.0f} ms {s['max_freeze_ms']:>10.0f} ms")
    base, new = summary[ORDERINGS[0]]["median_seconds"], summary[ORDERINGS[1]]["median_seconds"]
    print(f"{ORDERINGS[1]} takes {new / base:.0%} of {ORDERINGS[0]}'s time (median over photos and hint counts)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "model": args.model, "runs": args.runs, "statistic": "median over runs", "tick_ms": 1000 * TICK_S,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "summary": summary, "rows": rows,
    }, indent=1))
    print(f"wrote {args.out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
