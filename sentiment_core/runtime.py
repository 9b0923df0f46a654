"""The Keras backend, the device it trains on, and seeding."""

from __future__ import annotations

import os
import random

import numpy as np


def backend() -> str:
    import keras

    return keras.backend.backend()


def device_info() -> dict:
    """``{"backend": "tensorflow", "device": "GPU"|"CPU", "name": ..., "count": n}``."""
    name = backend()
    gpus: list[str] = []
    if name == "tensorflow":
        import tensorflow as tf

        gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    elif name == "jax":
        import jax

        gpus = [str(d) for d in jax.devices() if d.platform == "gpu"]
    elif name == "torch":
        import torch

        gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    if gpus:
        return {"backend": name, "device": "GPU", "name": gpus[0], "count": len(gpus)}
    return {"backend": name, "device": "CPU", "name": f"{os.cpu_count()} CPU cores", "count": 0}


def describe_device() -> str:
    info = device_info()
    return f"{info['device']} ({info['name']}, Keras backend {info['backend']})"


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and the backend so the same run gives the same model."""
    import keras

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
