"""Keras and TensorFlow without their start-up noise on machines that have no GPU.

TensorFlow's C++ side prints, before its logging is even set up, lines such as "Could not find
cuda drivers on your machine", "oneDNN custom operations are on" and, at the first operation,
"failed call to cuInit: ... UNKNOWN ERROR (303)". On a CPU machine they are expected and
harmless, yet they read like failures. :func:`import_keras_quietly` imports Keras and runs
one tiny operation with the process's standard error captured, then passes on every line except
those known lines. Later in the run, TensorFlow's C++ side writes INFO lines too (the first
training batch: "generator_dataset_op.cc:213] Memory patch applied: M_TRIM_THRESHOLD=128 kb was
set."): on such a machine the process starts TensorFlow with ``TF_CPP_MIN_LOG_LEVEL=1`` unless it
is set already, so its warnings and errors still show and its notes do not. With an NVIDIA device
present nothing is hidden: there a CUDA message matters.

On every machine, TensorFlow's Python warning that a compiled step "triggered tf.function
retracing" is dropped: predictions batched by length (:func:`~sentiment_core.buckets.predict_bucketed`)
compile the step once per padded length, by design, and a worker does so for model after model;
the warning reads like a fault.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager

# Only these lines are dropped, and only on a machine without an NVIDIA device.
HARMLESS = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|oneDNN custom operations are on"
    r"|Could not find cuda drivers on your machine"
    r"|This TensorFlow binary is optimized to use available CPU instructions"
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags"
    r"|failed call to cuInit: .*(UNKNOWN ERROR \(303\)|CUDA_ERROR_NO_DEVICE)"
)
RETRACING = "triggered tf.function retracing"
_lock = threading.Lock()
_done: list[bool] = []


def has_nvidia_device() -> bool:
    return os.path.exists("/dev/nvidiactl") or bool(glob.glob("/dev/nvidia[0-9]*"))


@contextmanager
def filtered_stderr(harmless: re.Pattern = HARMLESS):
    """Capture file descriptor 2 (C++ writes there too) and pass on the lines ``harmless`` does not match."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            kept = [line for line in text.splitlines(keepends=True) if not harmless.search(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class _DropRetracingNotes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return RETRACING not in record.getMessage()


def import_keras_quietly() -> None:
    """Import Keras and start its device once per process, without the harmless CPU-only start-up lines."""
    with _lock:
        if _done:
            return
        logging.getLogger("tensorflow").addFilter(_DropRetracingNotes())
        if has_nvidia_device() or os.environ.get("SENTIMENT_SHOW_TF_LOGS"):
            import keras  # noqa: F401
        else:
            # Read by TensorFlow's C++ logging when it starts: warnings and errors pass, INFO notes do not.
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
            with filtered_stderr():
                import keras

                # The first operation initialises the devices: that is where "failed call to cuInit" appears.
                keras.ops.convert_to_numpy(keras.ops.zeros((1,)))
        _done.append(True)
