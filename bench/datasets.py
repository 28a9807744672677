"""Where the benches find ../shared/data and the dev split, from the main checkout or a worktree.

configs/dev-split.txt names its photos relative to itself (``../../shared/data/...``), which
only resolves from a checkout whose parent holds ``shared/``. ``dev_list()`` writes the same
list with absolute paths into bench/results/ so it works from anywhere, and checks that
every photo it names exists (a silently empty dev set, or an exclude that leaves nothing
out, would make every figure after it meaningless).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEV_SPLIT = REPO / "configs" / "dev-split.txt"


def shared_data() -> Path:
    """The ../shared/data folder beside this checkout (or beside the worktrees' parent); $COLOURISE_SHARED_DATA wins."""
    if os.environ.get("COLOURISE_SHARED_DATA"):
        return Path(os.environ["COLOURISE_SHARED_DATA"])
    for parent in (REPO.parent, *REPO.parents):
        candidate = parent / "shared" / "data"
        if (candidate / "val").is_dir():
            return candidate
    return REPO.parent / "shared" / "data"


def dev_list() -> Path:
    """A copy of the dev split with absolute paths (bench/results/dev-split-resolved.txt)."""
    data = shared_data()
    lines = []
    for line in DEV_SPLIT.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        rel = line.split("shared/data/", 1)[1] if "shared/data/" in line else line
        path = data / rel
        if not path.is_file():
            raise SystemExit(f"{DEV_SPLIT}: {path} is missing")
        lines.append(str(path))
    out = REPO / "bench" / "results" / "dev-split-resolved.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    return out
