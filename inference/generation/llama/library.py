"""The llama.cpp shared library through llama-cpp-python's ctypes bindings.

Only the low-level module is used: the high-level `Llama` class runs one sequence
at a time. llama.cpp's own log lines go to Python logging (warnings and errors
only), and the last errors are kept so that a failed load can say why.
"""

from __future__ import annotations

import collections
import ctypes
import importlib.util
import logging
import os
import threading
from types import ModuleType

logger = logging.getLogger("inference.llama_cpp")

# ggml_log_level: 1 debug, 2 info, 3 warn, 4 error, 5 continues the previous line.
_LEVELS = {3: logging.WARNING, 4: logging.ERROR}
_CONTINUE = 5
_recent_errors: collections.deque[str] = collections.deque(maxlen=8)
_init_lock = threading.Lock()
_library: ModuleType | None = None
_log_callback = None  # ctypes keeps only a weak hold on callbacks


def llama_cpp_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def library() -> ModuleType:
    """The low-level bindings, with the backend initialised and logging routed, once per process."""
    global _library, _log_callback
    if _library is not None:
        return _library
    with _init_lock:
        if _library is None:
            # ggml's tiled K-quant matmul serves 8+ rows and the classic dot products
            # fewer; one path for all keeps a draft's logits independent of its batch.
            os.environ.setdefault("GGML_CPU_TILED_MM", "0")
            import llama_cpp.llama_cpp as bindings

            pending = {"level": 0, "text": ""}

            @bindings.llama_log_callback
            def route(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
                if level != _CONTINUE:
                    pending["level"], pending["text"] = level, ""
                pending["text"] += text.decode("utf-8", "replace")
                if not pending["text"].endswith("\n"):
                    return  # llama.cpp writes some lines in pieces
                line, pending["text"] = pending["text"].strip(), ""
                python_level = _LEVELS.get(pending["level"])
                if python_level is None or not line:
                    return
                if python_level >= logging.ERROR:
                    _recent_errors.append(line)
                logger.log(python_level, "llama_cpp.%s", line)

            _log_callback = route
            bindings.llama_log_set(route, ctypes.c_void_p(0))
            bindings.llama_backend_init()
            _library = bindings
    return _library


def take_recent_errors() -> list[str]:
    """llama.cpp's error lines since the last call (why a load or decode failed)."""
    lines = list(_recent_errors)
    _recent_errors.clear()
    return lines


def gpu_offload_supported() -> bool:
    return bool(library().llama_supports_gpu_offload())
