"""The STFT initializer against Keras."""

import numpy as np
import pytest

from lamina import initializers

pytest.importorskip("scipy")


@pytest.mark.parametrize("kwargs", [
    {},
    {"side": "imag"},
    {"window": "hamming", "scaling": "spectrum", "periodic": True},
    {"window": None},
    {"window": "hann", "scaling": None},
], ids=str)
def test_values_and_config_equal_keras(keras_ref, kwargs):
    ours = initializers.STFT(**kwargs)
    theirs = keras_ref.initializers.STFT(**kwargs)
    np.testing.assert_allclose(
        ours((16, 1, 9)).cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs((16, 1, 9))),
        atol=1e-6,
    )
    assert initializers.serialize(ours) == \
        keras_ref.initializers.serialize(theirs)


def test_array_window():
    window = np.hanning(8)
    out = initializers.STFT(window=window, scaling=None)((8, 1, 5))
    unwindowed = initializers.STFT(window=None)((8, 1, 5))
    np.testing.assert_allclose(
        out.cpu().numpy(),
        unwindowed.cpu().numpy() * window.reshape(-1, 1, 1), atol=1e-6
    )
    with pytest.raises(ValueError, match="shape of `window`"):
        initializers.STFT(window=np.ones(3))((8, 1, 5))


def test_bad_arguments():
    with pytest.raises(ValueError, match="argument `side`"):
        initializers.STFT(side="both")
    with pytest.raises(ValueError, match="argument `scaling`"):
        initializers.STFT(scaling="power")
    with pytest.raises(ValueError):
        initializers.STFT(window="not_a_window")
    with pytest.raises(ValueError, match="frame_length"):
        initializers.STFT()((8, 5))
