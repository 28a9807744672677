"""Write ``configs/dev-split.txt``: the dev set, photos no training recipe may use.

    .venv/bin/python scripts/make_dev_split.py [--data ../shared/data/train-extra] [--count 300]

``../shared/data/val`` is CBSD68 (BSDS500, the same collection as much of ``train/``) plus
McMaster: photos the model has nearly seen. The dev set is drawn instead from every folder of
``train-extra/`` (scenes, animals, food, flowers, faces, clothes, insects, very colourful
photos), the same number from each folder, seeded, greyscale photos left out. Recipes name the
file in ``exclude``; ``colourise evaluate`` and ``bench/quality.py`` take it as a photo set.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from engine.data import list_images, load_photo

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "train-extra"))
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=str(ROOT / "configs" / "dev-split.txt"))
    args = parser.parse_args(argv)

    folders = sorted(p for p in Path(args.data).iterdir() if p.is_dir())
    rng = np.random.default_rng(args.seed)
    per_folder = args.count // len(folders)
    extra = args.count - per_folder * len(folders)
    chosen: list[Path] = []
    for i, folder in enumerate(folders):
        want = per_folder + (1 if i < extra else 0)
        candidates = list_images([folder])
        picked = []
        for index in rng.permutation(len(candidates)):
            path = candidates[index]
            photo = load_photo(path, 64)
            if photo.pixels is None or photo.grey:  # unreadable or greyscale: nothing to score
                continue
            picked.append(path)
            if len(picked) == want:
                break
        chosen += picked
    out = Path(args.out)
    lines = [
        "# The dev set: photos no training recipe may use (recipes name this file in `exclude`).",
        f"# {len(chosen)} photos, {per_folder} or so from each folder of train-extra, seed {args.seed};",
        "# written by scripts/make_dev_split.py. Paths are relative to this file.",
    ]
    lines += [Path(os.path.relpath(p, out.parent)).as_posix() for p in sorted(chosen)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(chosen)} photos written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
