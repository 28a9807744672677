"""End-to-end colourising speed and peak memory on the CPU, against the lineage's way, in one run.

For greyscale JPEGs of 1, 4, 12 and 48 megapixels, time read JPEG -> colourise ->
write JPEG, and the peak resident memory, for:

- ``colourise``: Colourise's own path (``engine.batch.colourise_files``: network at
  working size, a/b upsampled onto the full-resolution L in bands);
- ``lineage``: what the study's notebooks did: skimage float64 ``rgb2lab`` of the
  whole photo, a full-resolution forward pass of the same network, ``lab2rgb``.

Both use the lineage model "alpha" with fixed random weights (speed does not depend
on training). A third way, ``default model``, is Colourise's own path with the shipped
default model (resources/models/default.safetensors): what users run, and the figure
the 1.5 s target for 12 MP is checked against. Every run is a fresh subprocess, so its peak RSS (``wait4``'s
``ru_maxrss``) is its own; the model load and a tiny warm-up pass are not timed.
Medians of ``--runs`` runs. The lineage run is skipped at sizes where its memory,
extrapolated from the largest size it ran at, would exceed ``--memory-budget-gb``.

    python bench/infer.py                  # table on stdout, bench/results/infer.json
    python bench/infer.py --sizes 1 12 --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGET_12MP_SECONDS = 1.5
TARGET_SPEEDUP = 3.0
TARGET_RSS_GB_LARGEST = 3.0


# --- the two ways, each run in its own process ---------------------------------------------


def _child_colourise(model: Path, source: Path, out_dir: Path) -> float:
    import numpy as np

    from engine.batch import colourise_files
    from engine.inference import Colouriser
    from engine.photo import Photo

    colouriser = Colouriser.from_name(model, device="cpu")
    colouriser.colourise(Photo(np.zeros((64, 64), np.uint8)))  # warm-up: first-call set-up is not the photo's cost
    start = time.perf_counter()
    result = colourise_files([source], out_dir, colouriser, overwrite=True)
    seconds = time.perf_counter() - start
    if result.succeeded != 1:
        raise SystemExit(f"colourise failed on {source}")
    return seconds


def _child_lineage(model: Path, source: Path, out_dir: Path) -> float:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from PIL import Image
    from skimage import color

    from engine.modelfile import load_model

    net, _ = load_model(model)
    with torch.no_grad():
        net(torch.zeros(1, 1, 64, 64))  # warm-up, as above
    start = time.perf_counter()
    rgb = np.asarray(Image.open(source).convert("RGB")) / 255.0  # float64, as skimage.io + img_as_float
    lab = color.rgb2lab(rgb)
    l = torch.from_numpy(lab[..., 0]).float()[None, None] / 50 - 1
    h, w = l.shape[-2:]
    s = net.stride
    l = F.pad(l, (0, -w % s, 0, -h % s), mode="replicate")
    with torch.no_grad():
        ab = net(l)[0, :, :h, :w] * 110
    lab[..., 1:] = ab.permute(1, 2, 0).double().numpy()
    out = (color.lab2rgb(lab) * 255).round().astype(np.uint8)
    Image.fromarray(out).save(out_dir / source.name, quality=95)
    return time.perf_counter() - start


def _run_child(mode: str, model: Path, source: Path, out_dir: Path, threads: int | None) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one run in a fresh process."""
    cmd = [sys.executable, __file__, "--child", mode, "--model", str(model), "--input", str(source), "--out-dir", str(out_dir)]
    cmd += ["--threads", str(threads)] if threads else []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} on {source.name} failed:\n{stderr.decode()[-2000:]}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    return result["seconds"], result["peak_rss_mb"]


def _child_main(args: argparse.Namespace) -> None:
    import resource

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    run = _child_colourise if args.child == "colourise" else _child_lineage
    seconds = run(Path(args.model), Path(args.input), Path(args.out_dir))
    # ru_maxrss of this process (KiB on Linux): its whole life, imports and model included.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb}))


# --- the parent -----------------------------------------------------------------------------------


def _make_photo(megapixels: float, path: Path) -> tuple[int, int]:
    """A greyscale 4:3 JPEG of a real photo (skimage's astronaut) scaled to ``megapixels``."""
    from PIL import Image
    from skimage import data

    width = round((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = round(width * 3 / 4)
    grey = Image.fromarray(data.astronaut()).convert("L").resize((width, height), Image.BICUBIC)
    grey.save(path, quality=90)
    return width, height


def _memory_available_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 8.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 12, 48], help="megapixels")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lineage-runs", type=int, default=None, help="runs of the (slow) lineage way (default: --runs)")
    parser.add_argument("--memory-budget-gb", type=float, default=None, help="skip a lineage run that would need more (default: half the memory available)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads in both ways (default: torch's own choice)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "infer.json")
    parser.add_argument("--child", choices=("colourise", "lineage"), help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child_main(args)
        return 0

    import torch

    from engine.modelfile import save_model
    from engine.models import create_model

    budget_gb = args.memory_budget_gb or _memory_available_gb() / 2
    lineage_runs = args.lineage_runs or args.runs
    load_before = os.getloadavg()
    cases = []
    with tempfile.TemporaryDirectory(prefix="bench-infer-") as tmp:
        tmp = Path(tmp)
        torch.manual_seed(0)
        model = save_model(tmp / "alpha.safetensors", create_model("alpha"))
        shipped = REPO / "resources" / "models" / "default.safetensors"
        ways = [("colourise", args.runs, model), ("lineage", lineage_runs, model)]
        ways += [("default model", args.runs, shipped)] if shipped.is_file() else []
        rss_per_mp = None  # the lineage's memory growth, to decide whether a bigger size fits
        for mp in args.sizes:
            source = tmp / f"photo_{mp:g}mp.jpg"
            width, height = _make_photo(mp, source)
            for mode, runs, way_model in ways:
                case = {"megapixels": mp, "width": width, "height": height, "way": mode}
                if mode == "lineage" and rss_per_mp and rss_per_mp * mp / 1024 > budget_gb:
                    case["skipped"] = f"needs about {rss_per_mp * mp / 1024:.1f} GB (budget {budget_gb:.1f} GB)"
                    cases.append(case)
                    print(f"{mp:g} MP {mode}: skipped, {case['skipped']}", flush=True)
                    continue
                out_dir = tmp / f"out_{mode.replace(' ', '_')}"
                out_dir.mkdir(exist_ok=True)
                times, rss = [], []
                for _ in range(runs):
                    seconds, peak = _run_child("lineage" if mode == "lineage" else "colourise", way_model, source, out_dir, args.threads)
                    times.append(seconds)
                    rss.append(peak)
                case.update(seconds=times, median_seconds=statistics.median(times), peak_rss_mb=rss, median_peak_rss_mb=statistics.median(rss))
                cases.append(case)
                print(f"{mp:g} MP {mode}: {case['median_seconds']:.2f} s, {case['median_peak_rss_mb']:.0f} MB", flush=True)
                if mode == "lineage":
                    rss_per_mp = case["median_peak_rss_mb"] / mp
    report = {
        "benchmark": "infer",
        "what": "read greyscale JPEG -> colourise -> write JPEG, CPU, lineage model 'alpha' (random weights) both ways, "
                "and Colourise's way with the shipped default model",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torch_threads": args.threads or torch.get_num_threads(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "runs": args.runs,
        "lineage_runs": lineage_runs,
        "cases": cases,
    }
    report["targets"] = _targets(cases)
    print()
    print(format_table(cases))
    print()
    for line in report["targets"]["lines"]:
        print(line)
    print(f"(load average before/after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")
    return 0


def _case(cases: list[dict], mp: float, way: str) -> dict | None:
    return next((c for c in cases if c["megapixels"] == mp and c["way"] == way), None)


def _targets(cases: list[dict]) -> dict:
    lines, met = [], {}
    ours12, lineage12 = _case(cases, 12, "colourise"), _case(cases, 12, "lineage")
    if ours12:
        met["12mp_seconds"] = ours12["median_seconds"] < TARGET_12MP_SECONDS
        lines.append(f"12 MP in and out: {ours12['median_seconds']:.2f} s (target < {TARGET_12MP_SECONDS} s): {'met' if met['12mp_seconds'] else 'NOT met'}")
        if lineage12 and "median_seconds" in lineage12:
            speedup = lineage12["median_seconds"] / ours12["median_seconds"]
            met["12mp_speedup"] = speedup >= TARGET_SPEEDUP
            lines.append(f"12 MP speed-up over the lineage: {speedup:.1f}x (target >= {TARGET_SPEEDUP:g}x): {'met' if met['12mp_speedup'] else 'NOT met'}")
    shipped12 = _case(cases, 12, "default model")
    if shipped12:
        met["12mp_seconds_default_model"] = shipped12["median_seconds"] < TARGET_12MP_SECONDS
        lines.append(f"12 MP in and out with the shipped default model: {shipped12['median_seconds']:.2f} s "
                     f"(target < {TARGET_12MP_SECONDS} s): {'met' if met['12mp_seconds_default_model'] else 'NOT met'}")
    largest = max((c for c in cases if c["way"] == "colourise"), key=lambda c: c["megapixels"], default=None)
    if largest:
        gb = largest["median_peak_rss_mb"] / 1024
        met["largest_rss"] = gb < TARGET_RSS_GB_LARGEST
        lines.append(f"{largest['megapixels']:g} MP peak memory: {gb:.2f} GB (target < ~{TARGET_RSS_GB_LARGEST:g} GB at 50 MP): {'met' if met['largest_rss'] else 'NOT met'}")
    return {"met": met, "lines": lines}


def format_table(cases: list[dict]) -> str:
    header = ("size", "colourise s", "colourise RSS", "lineage s", "lineage RSS", "speed-up", "default model s", "default model RSS")
    rows = []
    for mp in sorted({c["megapixels"] for c in cases}):
        ours, old, shipped = _case(cases, mp, "colourise"), _case(cases, mp, "lineage"), _case(cases, mp, "default model")
        row = [f"{mp:g} MP ({ours['width']}x{ours['height']})" if ours else f"{mp:g} MP"]
        row += [f"{ours['median_seconds']:.2f}", f"{ours['median_peak_rss_mb']:.0f} MB"] if ours else ["-", "-"]
        if old and "median_seconds" in old:
            row += [f"{old['median_seconds']:.2f}", f"{old['median_peak_rss_mb']:.0f} MB"]
            row.append(f"{old['median_seconds'] / ours['median_seconds']:.1f}x" if ours else "-")
        else:
            row += ["skipped", old["skipped"] if old else "-", "-"]
        row += [f"{shipped['median_seconds']:.2f}", f"{shipped['median_peak_rss_mb']:.0f} MB"] if shipped else ["-", "-"]
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n(medians; RSS = peak resident memory of the whole process)"


if __name__ == "__main__":
    sys.exit(main())
