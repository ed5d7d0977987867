import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.preprocessing import RandomFlip


def _channels_first(x):
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


@pytest.mark.parametrize("mode", ["horizontal", "vertical",
                                  "horizontal_and_vertical"])
def test_harness(keras_ref, mode):
    run_layer_test(RandomFlip, {"mode": mode, "seed": 3},
                   input_shape=(2, 4, 5, 3),
                   expected_output_shape=(2, 4, 5, 3),
                   expected_num_trainable_weights=0, keras_reference=keras_ref)


@pytest.mark.parametrize("mode", ["horizontal", "vertical",
                                  "horizontal_and_vertical"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_each_image_is_kept_or_flipped_as_keras(keras_ref, mode,
                                                data_format):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (64, 5, 6, 2)).astype("float32")
    if data_format == "channels_first":
        x = _channels_first(x)
    # Keras's transform with every flip forced on is the reference.
    theirs = keras_ref.layers.RandomFlip(mode, data_format=data_format)
    forced = {"flips": torch.ones(64, 1, 1, 1, dtype=torch.bool)}
    flipped = keras_ref.ops.convert_to_numpy(theirs.transform_images(
        torch.tensor(x), forced, training=True))
    out = RandomFlip(mode, seed=1, data_format=data_format)(x).cpu().numpy()
    is_flipped = np.all(out == flipped, axis=(1, 2, 3))
    is_kept = np.all(out == x, axis=(1, 2, 3))
    assert np.all(is_flipped | is_kept)
    assert 16 < is_flipped.sum() < 48
    h, w = (1, 2) if data_format == "channels_last" else (2, 3)
    expected = np.flip(x, axis=tuple({"horizontal": (w,), "vertical": (h,),
                                      "horizontal_and_vertical": (h, w)}[
                                          mode]))
    np.testing.assert_array_equal(flipped, expected)


def test_inference_is_identity_and_training_default_augments():
    x = np.arange(2 * 4 * 4, dtype="float32").reshape(2, 4, 4, 1)
    layer = RandomFlip("horizontal", seed=0)
    np.testing.assert_array_equal(layer(x, training=False).cpu().numpy(), x)
    changed = [not np.array_equal(layer(x).cpu().numpy(), x)
               for _ in range(10)]
    assert any(changed)


def test_seeded_layers_repeat_and_unbatched_input():
    x = np.random.default_rng(1).uniform(size=(8, 4, 4, 3)).astype("float32")
    a = RandomFlip(seed=5)(x).cpu().numpy()
    b = RandomFlip(seed=5)(x).cpu().numpy()
    np.testing.assert_array_equal(a, b)
    single = RandomFlip(seed=5)(x[0]).cpu().numpy()
    assert single.shape == (4, 4, 3)


def test_in_sequential_fit_augments_predict_does_not():
    model = lamina.Sequential([lamina.Input((4, 4, 1)),
                               RandomFlip("horizontal", seed=0)])
    x = np.arange(2 * 16, dtype="float32").reshape(2, 4, 4, 1)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    outs = [model(x, training=True).cpu().numpy() for _ in range(8)]
    assert any(not np.array_equal(o, x) for o in outs)


def test_invalid_mode():
    with pytest.raises(ValueError, match="mode"):
        RandomFlip("diagonal")
    with pytest.raises(ValueError, match="rank 3"):
        RandomFlip()(torch.zeros(4, 4))
