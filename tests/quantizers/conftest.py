"""Keras 3.15 as the GPTQ/AWQ reference, without its garbage collections.

Keras's `Layer.__delattr__` runs `gc.collect()` for every variable a layer
drops, and its `quantize` drops the float kernels (two or three per
model): ~0.5 s each on its own, 1-2 s each deep in the full suite, where
the heap is large. Collecting garbage changes no value, so these tests turn
it off while Keras quantizes or loads.
"""

import gc

import pytest


@pytest.fixture
def keras_quantizing(keras_ref, monkeypatch):
    """`keras_ref` with `gc.collect` a no-op for the test."""
    monkeypatch.setattr(gc, "collect", lambda generation=2: 0)
    return keras_ref


@pytest.fixture
def reach_keras_hooks():
    """Returns `reach(layers, mode)`: routes each uncalibrated Keras layer's
    `quantized_call` through its `call` (where Keras 3.15.1's calibration
    hooks sit, see test_gptq_awq_model) until it is calibrated."""
    def reach(layers, mode):
        for layer in layers:
            def routed(*args, layer=layer, **kwargs):
                if getattr(layer, f"is_{mode}_calibrated", False):
                    return type(layer).quantized_call(layer, *args,
                                                      **kwargs)
                return layer.call(*args, **kwargs)
            layer.quantized_call = routed
    return reach
