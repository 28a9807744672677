"""A seeded photo fuzzer through ``colourise images``: damaged files fail one line each, nothing else happens.

A few hundred mutated JPEG/PNG/TIFF/BMP/WebP files (bit flips, truncation, header
damage, splices, cut-outs, lying dimensions) made from one generated photo; the
same generator as ``bench/fuzz.py``, which runs 10,000.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fuzz():
    spec = importlib.util.spec_from_file_location("colourise_bench_fuzz", REPO / "bench" / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_mutations_are_seeded_and_varied(fuzz, tmp_path):
    first = fuzz.make_cases(tmp_path / "a", 60, seed=5)
    again = fuzz.make_cases(tmp_path / "b", 60, seed=5)
    assert first == again
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in first)
    assert set(first.values()) == set(fuzz.MUTATIONS)
    assert {n.rsplit(".", 1)[1] for n in first} == {"jpg", "png", "tif", "bmp", "webp"}


@pytest.mark.slow
def test_fuzzed_photos_fail_one_line_each_without_tracebacks_and_leave_the_originals(fuzz, tmp_path, alpha_model_file):
    cases = fuzz.make_cases(tmp_path / "photos", 300, seed=2026)
    result = fuzz.run_fuzz(tmp_path / "photos", cases, tmp_path / "out", alpha_model_file, max_rss_gb=2.0, timeout=300)
    assert result.problems == []
    assert result.failed > 0 and result.coloured > 0  # the fuzz damaged some and left others readable
    assert result.by_mutation["intact"]["failed"] == 0
