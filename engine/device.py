"""The one place that turns a user's device choice into a torch device."""

from __future__ import annotations

import torch

from engine.errors import DeviceError

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(choice: str = "auto") -> torch.device:
    """``auto`` -> CUDA when present, else CPU; ``cuda`` without a GPU raises a readable error."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was asked for, but no CUDA GPU is available; use --device cpu")
    return torch.device(choice)


def describe_devices() -> list[tuple[str, str]]:
    """(choice, label) pairs for pickers: auto, each CUDA GPU by name, CPU."""
    out = [("auto", "Automatic")]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            out.append((f"cuda:{i}", f"CUDA: {torch.cuda.get_device_name(i)}"))
    out.append(("cpu", "CPU"))
    return out
