import numpy as np
import pytest

from harness import run_layer_test
from lamina.layers.preprocessing import Rescaling


@pytest.mark.parametrize("kwargs", [
    {"scale": 1 / 255.0},
    {"scale": 1 / 127.5, "offset": -1.0},
    {"scale": [0.5, 2.0, 3.0], "offset": [1.0, 0.0, -1.0]},
])
def test_harness_and_parity(keras_ref, kwargs):
    run_layer_test(Rescaling, kwargs, input_shape=(2, 4, 3),
                   expected_output_shape=(2, 4, 3), supports_masking=True,
                   keras_reference=keras_ref)


def test_integer_input_gives_floats_like_keras(keras_compare, images):
    out = keras_compare("Rescaling", {"scale": 1 / 255.0},
                        images.astype("uint8"))
    assert out.dtype == np.float32 and out.max() <= 1.0


def test_config_round_trip_with_array_scale():
    layer = Rescaling(scale=np.array([1.0, 2.0]), offset=0.5)
    clone = Rescaling.from_config(layer.get_config())
    np.testing.assert_allclose(clone.scale, [1.0, 2.0])
    x = np.ones((1, 2), "float32")
    np.testing.assert_allclose(clone(x).cpu().numpy(), [[1.5, 2.5]])
