"""Where the benches' JSON goes, with the machine it was measured on."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"


def write_results(name: str, payload: dict) -> Path:
    """Write ``payload`` and the machine to ``bench/results/<name>.json``; say where, and return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    out.write_text(json.dumps({"machine": machine, **payload}, indent=2))
    print(f"wrote {out.relative_to(REPO)}")
    return out
