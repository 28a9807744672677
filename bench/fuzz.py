"""Photo fuzzer: thousands of damaged JPEG/PNG/TIFF/BMP/WebP files through ``colourise images``.

From one generated greyscale photo, saved in every format and mode Colourise reads
(8-bit, 16-bit, grey + alpha), it makes seeded mutations: bit flips, truncation,
header damage, splices of two files, cut-out ranges and lying dimensions (width and
height in the header rewritten, small or beyond any limit). All go through the real
command line in a fresh process, and the run is judged as a user would:

- no traceback, and exactly one stderr line per failed file, naming it;
- the summary adds up (coloured + failed = files);
- every original byte-identical afterwards;
- the process's peak memory under ``--max-rss-gb``.

    python bench/fuzz.py                       # 10,000 files: table on stdout, bench/results/fuzz.json
    python bench/fuzz.py --count 500 --seed 3

``tests/engine/test_photo_fuzz.py`` runs the same at a few hundred files in CI.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.cli.images import IN_COLOUR_NOTE  # noqa: E402  (a note the CLI prints for photos in colour; not a failure)
MUTATIONS = ("intact", "bitflip", "truncate", "header", "splice", "cutout", "lying-size")
# Lying sizes: tiny, a little larger than the photo, and far beyond any photo (the pixel limit refuses those).
LYING_SIZES = ((0, 0), (1, 1), (3, 2), (65535, 65535), (60000, 1), (1, 60000), (40000, 40000))


def seed_photos(height: int = 48, width: int = 64, seed: int = 0) -> dict[str, bytes]:
    """One generated photo, encoded as each kind of file Colourise reads: name -> bytes."""
    import tifffile
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    grey = np.clip(40 + 150 * x / width + 40 * y / height + rng.normal(0, 6, (height, width)), 0, 255).astype(np.uint8)
    grey16 = grey.astype(np.uint16) * 257
    alpha = np.full_like(grey, 200)
    files: dict[str, bytes] = {}

    def pillow(name: str, image, fmt: str, **options) -> None:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        files[name] = buffer.getvalue()

    pillow("grey.jpg", Image.fromarray(grey), "JPEG", quality=90)
    pillow("progressive.jpg", Image.fromarray(grey), "JPEG", progressive=True)
    pillow("grey.png", Image.fromarray(grey), "PNG")
    pillow("la.png", Image.fromarray(np.dstack((grey, alpha)), "LA"), "PNG")
    pillow("grey16.png", Image.fromarray(grey16), "PNG")
    pillow("grey.bmp", Image.fromarray(grey), "BMP")
    pillow("rgb.bmp", Image.fromarray(np.dstack([grey] * 3)), "BMP")
    pillow("grey.webp", Image.fromarray(np.dstack([grey] * 3)), "WEBP", quality=80)
    pillow("lossless.webp", Image.fromarray(np.dstack([grey] * 3)), "WEBP", lossless=True)
    pillow("grey.tif", Image.fromarray(grey), "TIFF", compression="tiff_adobe_deflate")
    for name, data, extra in (
        ("grey16.tif", grey16, {}),
        ("la16.tif", np.dstack((grey16, grey16)), {"extrasamples": ["unassalpha"]}),
        ("rgb16.tif", np.dstack([grey16] * 3), {"photometric": "rgb"}),
    ):
        buffer = io.BytesIO()
        tifffile.imwrite(buffer, data, **{"photometric": "minisblack", "compression": "zlib", **extra})
        files[name] = buffer.getvalue()
    return files


# --- mutations ----------------------------------------------------------------------------------
def _bitflip(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    head = rng.random() < 0.5  # half the time in the headers, where most parsing happens
    for _ in range(int(rng.integers(1, 24))):
        i = int(rng.integers(0, min(len(out), 512) if head else len(out)))
        out[i] ^= 1 << int(rng.integers(0, 8))
    return bytes(out)


def _truncate(data: bytes, rng: np.random.Generator) -> bytes:
    return data[: int(rng.integers(0, len(data)))]


def _header(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    start = int(rng.integers(0, min(len(out), 64)))
    length = int(rng.integers(1, 16))
    out[start : start + length] = rng.integers(0, 256, length, dtype=np.uint8).tobytes()
    return bytes(out)


def _splice(data: bytes, other: bytes, rng: np.random.Generator) -> bytes:
    return data[: int(rng.integers(1, len(data)))] + other[int(rng.integers(0, len(other))) :]


def _cutout(data: bytes, rng: np.random.Generator) -> bytes:
    start = int(rng.integers(0, len(data)))
    return data[:start] + data[start + int(rng.integers(1, max(2, len(data) // 4))) :]


def _lying_size(name: str, data: bytes, rng: np.random.Generator) -> bytes:
    """The header's width and height rewritten (the pixel data left as it is)."""
    width, height = LYING_SIZES[int(rng.integers(0, len(LYING_SIZES)))]
    if rng.random() < 0.3:
        width, height = int(rng.integers(1, 2000)), int(rng.integers(1, 2000))
    out = bytearray(data)
    suffix = name.rsplit(".", 1)[1]
    if suffix == "png":  # IHDR at 16, then its CRC
        ihdr = struct.pack(">II", width, height) + bytes(out[24:29])
        out[16:29] = ihdr
        out[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    elif suffix == "jpg":  # the first start-of-frame marker: height, width
        for marker in (b"\xff\xc0", b"\xff\xc2"):
            at = out.find(marker)
            if at > 0:
                out[at + 5 : at + 9] = struct.pack(">HH", min(height, 65535), min(width, 65535))
                break
    elif suffix == "bmp":  # BITMAPINFOHEADER width, height (signed)
        out[18:26] = struct.pack("<ii", min(width, 2**31 - 1), min(height, 2**31 - 1) * (1 if rng.random() < 0.7 else -1))
    elif suffix == "webp":
        at = out.find(b"VP8 ")
        if at > 0:  # lossy: the frame header's 14-bit sizes
            out[at + 14 : at + 18] = struct.pack("<HH", width & 0x3FFF, height & 0x3FFF)
        at = out.find(b"VP8L")
        if at > 0:  # lossless: 14-bit sizes minus one, packed after the signature byte
            bits = ((width - 1) & 0x3FFF) | (((height - 1) & 0x3FFF) << 14)
            out[at + 9 : at + 13] = struct.pack("<I", bits | (struct.unpack_from("<I", out, at + 9)[0] & ~0xFFFFFFF))
    elif suffix == "tif" and out[:4] == b"II*\x00":
        ifd = struct.unpack_from("<I", out, 4)[0]
        if ifd + 2 <= len(out):
            for i in range(struct.unpack_from("<H", out, ifd)[0]):
                entry = ifd + 2 + 12 * i
                if entry + 12 > len(out):
                    break
                tag, kind = struct.unpack_from("<HH", out, entry)
                if tag in (256, 257):
                    value = width if tag == 256 else height
                    struct.pack_into("<H" if kind == 3 else "<I", out, entry + 8, min(value, 65535) if kind == 3 else value)
    return bytes(out)


def make_cases(folder: Path, count: int, seed: int = 0) -> dict[str, str]:
    """Write ``count`` mutated photos into ``folder`` (made if missing); returns file name -> mutation."""
    rng = np.random.default_rng(seed)
    seeds = seed_photos(seed=seed)
    names = sorted(seeds)
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, str] = {}
    for i in range(count):
        name = names[int(rng.integers(0, len(names)))]
        kind = MUTATIONS[int(rng.integers(0, len(MUTATIONS)))]
        data = seeds[name]
        if kind == "bitflip":
            data = _bitflip(data, rng)
        elif kind == "truncate":
            data = _truncate(data, rng)
        elif kind == "header":
            data = _header(data, rng)
        elif kind == "splice":
            data = _splice(data, seeds[names[int(rng.integers(0, len(names)))]], rng)
        elif kind == "cutout":
            data = _cutout(data, rng)
        elif kind == "lying-size":
            data = _lying_size(name, data, rng)
        file_name = f"case-{i:05d}-{kind}-{name}"
        (folder / file_name).write_bytes(data)
        cases[file_name] = kind
    return cases


# --- one run through the command line, judged ---------------------------------------------------
@dataclass
class FuzzResult:
    files: int
    coloured: int = 0
    failed: int = 0
    exit_code: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    problems: list[str] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)
    by_mutation: dict[str, Counter] = field(default_factory=dict)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _model_file(folder: Path) -> Path:
    """The lineage model "alpha" with fixed random weights: decoding, not colour, is on trial."""
    import torch

    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(0)
    return save_model(folder / "fuzz-alpha.safetensors", create_model("alpha"))


def run_fuzz(folder: Path, cases: dict[str, str], output: Path, model: Path, max_rss_gb: float = 3.0, timeout: float = 3600) -> FuzzResult:
    """``colourise images folder --output output`` in a fresh process, then every check; see the module's list."""
    before = _hashes(folder)
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLOURISE_MODEL_DIR": str(output.parent / "no-library")}
    env.pop("COLOURISE_DEBUG", None)
    command = [sys.executable, "-m", "engine.cli.main", "images", str(folder), "--output", str(output), "--model", str(model), "--size", "64", "--device", "cpu"]
    result = FuzzResult(files=len(cases))
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, text=True)
        deadline = start + timeout
        while True:  # wait4: this child's own peak memory
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                result.problems.append(f"still running after {timeout:.0f} s: killed (a hang)")
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        result.seconds = time.perf_counter() - start
        result.peak_rss_mb = usage.ru_maxrss / 1024
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    result.exit_code = process.returncode
    _judge(result, cases, stdout, stderr, max_rss_gb)
    if _hashes(folder) != before:
        changed = [name for name, digest in _hashes(folder).items() if before.get(name) != digest]
        result.problems.append(f"originals changed: {changed[:5]}")
    return result


_LINE = re.compile(r"^(?:.*[/\\])?(case-\d{5}-([\w-]+?)-[\w]+\.\w+): (.+)$")  # (each named by its path)


def _judge(result: FuzzResult, cases: dict[str, str], stdout: str, stderr: str, max_rss_gb: float) -> None:
    if "Traceback" in stderr or "Traceback" in stdout:
        result.problems.append("a traceback: " + stderr[stderr.find("Traceback") :][:300])
    summary = re.search(r"^(\d+) coloured(?: \(\d+ \w+ in colour already\))?(?:, (\d+) failed)?(?:, (\d+) skipped)?", stdout, re.M)
    if summary is None:
        result.problems.append(f"no summary line (exit {result.exit_code}): {stdout[-200:]!r} {stderr[-300:]!r}")
        return
    result.coloured, result.failed = int(summary.group(1)), int(summary.group(2) or 0)
    if result.coloured + result.failed != len(cases):
        result.problems.append(f"{result.coloured} coloured + {result.failed} failed != {len(cases)} files")
    lines = [line for line in stderr.splitlines() if not line.endswith(IN_COLOUR_NOTE)]  # (notes, not failures)
    if len(lines) != result.failed:
        extra = [line for line in lines if not _LINE.match(line)]
        result.problems.append(f"{len(lines)} stderr lines for {result.failed} failed files; not failure lines: {extra[:3]}")
    failed_names = set()
    for line in lines:
        match = _LINE.match(line)
        if match is None or match.group(1) not in cases:
            continue
        failed_names.add(match.group(1))
        reason = re.sub(r"\d+(\.\d+)?", "N", match.group(3).split(" (")[0])
        result.reasons[reason] += 1
    if len(failed_names) != result.failed:
        result.problems.append(f"{len(failed_names)} distinct files named for {result.failed} failures")
    for name, kind in cases.items():
        counts = result.by_mutation.setdefault(kind, Counter())
        counts["failed" if name in failed_names else "coloured"] += 1
    if result.exit_code != (1 if result.failed else 0):
        result.problems.append(f"exit code {result.exit_code} with {result.failed} failed")
    if result.peak_rss_mb > max_rss_gb * 1024:
        result.problems.append(f"peak memory {result.peak_rss_mb:.0f} MB over {max_rss_gb:g} GB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="files to make (default: 10,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rss-gb", type=float, default=3.0, help="fail when the run's peak memory is above this")
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "fuzz.json")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="colourise-fuzz-") as work:
        work = Path(work)
        t0 = time.perf_counter()
        cases = make_cases(work / "photos", args.count, args.seed)
        made = time.perf_counter() - t0
        result = run_fuzz(work / "photos", cases, work / "out", _model_file(work), args.max_rss_gb)
    print(f"{args.count:,} fuzzed photos (seed {args.seed}), made in {made:.1f} s, through `colourise images` in {result.seconds:.1f} s")
    print(f"{'mutation':<12} {'files':>7} {'coloured':>9} {'failed':>7}")
    for kind in MUTATIONS:
        counts = result.by_mutation.get(kind, Counter())
        print(f"{kind:<12} {sum(counts.values()):>7} {counts['coloured']:>9} {counts['failed']:>7}")
    print(f"{'all':<12} {result.files:>7} {result.coloured:>9} {result.failed:>7}")
    print(f"peak memory {result.peak_rss_mb:,.0f} MB; exit code {result.exit_code}")
    print("most common reasons: " + "; ".join(f"{n} x {r}" for r, n in result.reasons.most_common(6)))
    print("problems: " + ("none" if not result.problems else " | ".join(result.problems)))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "count": args.count, "seed": args.seed, "seconds": round(result.seconds, 1), "make_seconds": round(made, 1),
        "coloured": result.coloured, "failed": result.failed, "exit_code": result.exit_code,
        "peak_rss_mb": round(result.peak_rss_mb), "problems": result.problems,
        "by_mutation": {k: dict(v) for k, v in result.by_mutation.items()}, "reasons": dict(result.reasons.most_common()),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "note": "shared machine, nice 10"},
    }  # fmt: skip
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
