import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.preprocessing import RandomCrop


def _windows(x, height, width):
    """Every (height, width) window of a channels-last batch."""
    return [x[:, i:i + height, j:j + width]
            for i in range(x.shape[1] - height + 1)
            for j in range(x.shape[2] - width + 1)]


def test_training_crop_is_a_window_of_the_batch(images):
    layer = RandomCrop(5, 7, seed=0)
    seen = set()
    for _ in range(20):
        out = layer(images).cpu().numpy()
        matches = [k for k, w in enumerate(_windows(images, 5, 7))
                   if np.array_equal(w, out)]
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) > 3


def test_training_on_small_images_matches_keras(keras_compare, images):
    keras_compare("RandomCrop", {"height": 12, "width": 12, "seed": 1},
                  images[:, :5, :6])
    keras_compare("RandomCrop", {"height": 9, "width": 12, "seed": 1},
                  images)
    keras_compare("RandomCrop", {"height": 9, "width": 6, "seed": 1,
                                 "data_format": "channels_first"},
                  np.ascontiguousarray(images.transpose(0, 3, 1, 2)))


@pytest.mark.parametrize("size", [(5, 7), (9, 12), (12, 12), (4, 3)])
def test_inference_is_keras_smart_resize(keras_ref, images, size):
    out = RandomCrop(*size, seed=0)(images, training=False).cpu().numpy()
    expected = keras_ref.preprocessing.image.smart_resize(images, size)
    np.testing.assert_allclose(out, expected, atol=1e-4)


def test_harness_and_config(keras_ref):
    # No inference parity: Keras 3.15 returns RandomCrop's input uncropped
    # at inference (see test_inference_is_keras_smart_resize).
    run_layer_test(RandomCrop, {"height": 3, "width": 4, "seed": 2},
                   input_shape=(2, 6, 7, 3),
                   expected_output_shape=(2, 3, 4, 3),
                   keras_reference=None)
    ours = RandomCrop(3, 4, seed=2, name="crop").get_config()
    assert ours == keras_ref.layers.RandomCrop(3, 4, seed=2,
                                               name="crop").get_config()
    assert isinstance(RandomCrop(3, 4).get_config()["seed"], int)


def test_model_predict_gives_target_shape():
    import lamina

    model = lamina.Sequential([lamina.Input((8, 10, 3)), RandomCrop(4, 4)])
    x = np.random.default_rng(0).uniform(size=(3, 8, 10, 3)).astype("float32")
    assert model.predict(x, verbose=0).shape == (3, 4, 4, 3)


def test_bad_size():
    with pytest.raises(ValueError, match="`height`"):
        RandomCrop(None, 4)
    with pytest.raises(ValueError, match="rank 3"):
        RandomCrop(2, 2)(torch.zeros(4, 4))
