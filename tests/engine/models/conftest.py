"""Model tests run torch on one thread.

Their tensors are tiny, so a second thread saves nothing, while on a busy 2-core
machine (a training job beside the tests) OpenMP threads waiting on each other
made the same steps 3 to 40 times slower.
"""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
