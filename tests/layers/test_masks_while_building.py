"""Masks during functional construction and `compute_mask`'s defaults,
as in Keras."""

import inspect

import numpy as np
import torch

import lamina as keras
from lamina import layers


def _spy_class(lib, seen):
    class MaskSpy(lib.layers.Layer):
        def call(self, inputs, mask=None):
            seen.append(None if mask is None else tuple(mask.shape))
            return inputs

        def compute_mask(self, inputs, mask=None):
            return mask

    return MaskSpy


def _build(lib, seen):
    inputs = lib.Input((5,), dtype="int32")
    embedded = lib.layers.Embedding(10, 4, mask_zero=True)(inputs)
    spied = _spy_class(lib, seen)()(embedded)
    dense = lib.layers.Dense(3)(spied)
    return inputs, embedded, spied, dense


def test_symbolic_outputs_carry_masks_as_in_keras(keras_ref):
    ours_seen, ref_seen = [], []
    ours = _build(keras, ours_seen)
    ref = _build(keras_ref, ref_seen)
    for mine, theirs in zip(ours, ref):
        mask, ref_mask = (getattr(mine, "_keras_mask", None),
                          getattr(theirs, "_keras_mask", None))
        assert (mask is None) == (ref_mask is None)
        if mask is not None:
            assert mask.shape == ref_mask.shape == (None, 5)
            assert mask.dtype == ref_mask.dtype == "bool"
    # `call` received the mask while the graph was built, as in Keras.
    assert ours_seen and ours_seen == ref_seen
    assert all(shape is not None for shape in ours_seen)


def test_masks_still_flow_at_run_time():
    seen = []
    inputs, _, _, dense = _build(keras, seen)
    model = keras.Model(inputs, layers.LSTM(2)(dense))
    seen.clear()
    x = np.array([[1, 2, 0, 0, 0], [3, 0, 0, 0, 0]])
    model.predict(x, verbose=0)
    assert seen == [(2, 5)]
    # The masked LSTM output equals the one on the unpadded sequence.
    first = model.predict(x[:1, :2], verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0)[:1], first,
                               atol=1e-6)


def test_layers_without_masking_drop_the_mask():
    inputs = keras.Input((5,), dtype="int32")
    embedded = layers.Embedding(10, 4, mask_zero=True)(inputs)
    flat = layers.Flatten()(embedded)
    assert getattr(flat, "_keras_mask", None) is None


def _layer_classes():
    found = set()
    for name in dir(layers):
        value = getattr(layers, name)
        if inspect.isclass(value) and issubclass(value, torch.nn.Module) \
                and hasattr(value, "compute_mask"):
            found.add(value)
    return sorted(found, key=lambda c: c.__name__)


def test_compute_mask_has_a_mask_default_on_every_layer():
    classes = _layer_classes()
    assert len(classes) > 50
    for cls in classes:
        params = list(inspect.signature(cls.compute_mask).parameters.values())
        assert params[2].default is None, (cls.__name__, params)


def test_compute_mask_called_without_mask():
    x = torch.tensor([[1, 0, 2]])
    np.testing.assert_array_equal(
        layers.Embedding(4, 2, mask_zero=True).compute_mask(x).cpu().numpy(),
        [[True, False, True]])
    assert layers.Dense(2).compute_mask(x) is None
    masking = layers.Masking(0.0)
    values = torch.tensor([[[1.0], [0.0]]])
    np.testing.assert_array_equal(masking.compute_mask(values).cpu().numpy(),
                                  [[True, False]])
    assert layers.Lambda(lambda t: t).compute_mask(x) is None
