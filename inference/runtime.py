"""Process-wide runtime setup: offline mode, torch threads, device and dtype."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

_threads_lock = threading.Lock()
_threads_configured: int | None = None


def enforce_offline() -> None:
    """Forbid Hugging Face hub downloads: every model comes from a package or a path.

    huggingface_hub reads HF_HUB_OFFLINE once at import, so the constant is patched too
    when something imported it before us.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        constants.HF_HUB_OFFLINE = True


def prefer_passive_openmp() -> None:
    """Let idle OpenMP threads sleep instead of spinning, unless OMP_WAIT_POLICY says otherwise.

    torch and llama.cpp run their threads under libgomp, which by default spins at
    every barrier of a graph. On a machine shared with the web server, the database
    or a second worker, a spinning thread waits for one that is not scheduled:
    measured here at load ~7 on 2 cores, MiniLM went from 27-30 to 15-16 texts/s and
    Gemma 3 270M on llama.cpp from 12 to 2.6 tokens/s. libgomp reads the variable
    once, when torch or llama.cpp first loads it, so this runs on import.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def available_cpus() -> int:
    # sched_getaffinity respects CPU pinning and cgroup cpusets; cpu_count does not.
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def cuda_device_count() -> int:
    """GPUs the CUDA driver sees, asked of the driver itself: importing torch to find out
    would cost seconds of a worker's start."""
    for name in ("libcuda.so.1", "libcuda.so"):
        try:
            driver = ctypes.CDLL(name)
        except OSError:
            continue
        count = ctypes.c_int(0)
        if driver.cuInit(0) != 0 or driver.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return count.value
    return 0


def configure_torch_threads(num_threads: int | None) -> int:
    """Set torch's intra-op threads once per process (it is a global setting)."""
    global _threads_configured
    import torch

    wanted = num_threads or _env_threads() or available_cpus()
    with _threads_lock:
        if _threads_configured != wanted:
            torch.set_num_threads(wanted)
            _threads_configured = wanted
    return wanted


def resolve_device(setting: str) -> torch.device:
    import torch

    from .errors import ModelLoadError

    if setting == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("device 'cuda' was requested but CUDA is not available on this machine")
    if setting == "cpu" or (setting == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    return torch.device("cuda")


def resolve_dtype(setting: str, device: torch.device) -> torch.dtype:
    """bf16 on CUDA (half the memory, tensor cores); fp32 on CPU, where bf16 speed and accuracy vary by CPU."""
    import torch

    if setting != "auto":
        return getattr(torch, setting)
    return torch.bfloat16 if device.type == "cuda" else torch.float32


def _env_threads() -> int | None:
    """TORCH_THREADS as the project's settings define it: unset or 0 means one per core."""
    value = os.environ.get("TORCH_THREADS", "").strip()
    if not value:
        return None
    try:
        count = int(value)
    except ValueError:
        raise ValueError(f"TORCH_THREADS must be a non-negative integer, got {value!r}") from None
    if count < 0:
        raise ValueError(f"TORCH_THREADS must be a non-negative integer, got {value!r}")
    return count or None
