"""Helpers for the preprocessing layer tests: Keras comparisons."""

import numpy as np
import pytest
import torch


def _numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


@pytest.fixture
def keras_compare(keras_ref):
    """Returns `compare(name, kwargs, x, training=True, atol=1e-5)`: calls
    the Keras 3 layer and Lamina's on the same input and checks outputs
    (shape, dtype and values) and configs agree."""
    from lamina.layers import preprocessing

    def compare(name, kwargs, x, training=True, atol=1e-5):
        theirs = getattr(keras_ref.layers, name)(**kwargs)
        ours = getattr(preprocessing, name)(**kwargs)
        expected = keras_ref.ops.convert_to_numpy(theirs(x, training=training))
        got = _numpy(ours(x, training=training))
        assert got.shape == expected.shape
        assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
        np.testing.assert_allclose(got, expected, atol=atol, rtol=1e-5)
        config, keras_config = ours.get_config(), theirs.get_config()
        for c in (config, keras_config):
            c.pop("name")
        assert config == keras_config
        return got

    return compare


@pytest.fixture
def images():
    """A float32 batch `(2, 9, 12, 3)` of values in [0, 255)."""
    rng = np.random.default_rng(0)
    return rng.uniform(0, 255, (2, 9, 12, 3)).astype("float32")
