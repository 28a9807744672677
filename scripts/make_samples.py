"""Write the licence-clean greyscale sample photos shipped in resources/samples/.

    .venv/bin/python scripts/make_samples.py

The sources are photos inside the scikit-image wheel (public domain or CC0, see
SOURCES below), so nothing is downloaded and the samples may ship with the app.
Each is turned grey with Pillow's luma conversion and saved as a small JPEG.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
MAX_BYTES = 300_000

# name -> (skimage.data function, credit and licence as skimage documents them)
SOURCES = {
    "astronaut": ("astronaut", "Eileen Collins, NASA Great Images database; public domain"),
    "chelsea": ("chelsea", "Chelsea the cat by Stefan van der Walt; CC0"),
    "coffee": ("coffee", "Coffee cup, courtesy of Pikolo Espresso Bar, by Rachel Michetti; CC0"),
    "rocket": ("rocket", "DSCOVR launch on Falcon 9, SpaceX; released into the public domain"),
}


def main() -> int:
    import skimage.data

    SAMPLES.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Sample photos",
        "",
        "Greyscale versions of photos shipped inside scikit-image (`skimage.data`), written by",
        "`scripts/make_samples.py`. Free to ship: public domain or CC0, as credited below.",
        "",
        "| file | source | credit and licence |",
        "|---|---|---|",
    ]
    for name, (function, credit) in SOURCES.items():
        rgb = getattr(skimage.data, function)()
        path = SAMPLES / f"{name}-grey.jpg"
        Image.fromarray(rgb).convert("L").save(path, quality=90, optimize=True)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SystemExit(f"{path.name}: {size} bytes, more than the {MAX_BYTES} allowed")
        lines.append(f"| `{path.name}` | `skimage.data.{function}()` | {credit} |")
        print(f"{path.name}: {rgb.shape[1]}x{rgb.shape[0]}, {size // 1024} KB")
    (SAMPLES / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
