"""`lora_rank` / `enable_lora` give Keras's LoRA: frozen base weight,
`lora_*_a`/`lora_*_b` weights with Keras's names, shapes and init, the
`lora_alpha / lora_rank` scale, and a `kernel` that reads merged."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import layers


def _cases(lib):
    L = lib.layers
    return [
        (lambda: L.Dense(3, lora_rank=2), (2, 4), "float32"),
        (lambda: L.Embedding(5, 3, lora_rank=2), (2, 4), "int32"),
        (lambda: L.EinsumDense("ab,bc->ac", 3, bias_axes="c", lora_rank=2,
                               lora_alpha=8), (2, 4), "float32"),
        (lambda: L.Conv1D(3, 2, lora_rank=2), (2, 5, 4), "float32"),
        (lambda: L.Conv2D(3, 2, lora_rank=2, lora_alpha=4), (2, 5, 5, 4),
         "float32"),
    ]


def _leaf(weight):
    return weight.path.split("/")[-1]


def test_matches_keras(keras_ref):
    rng = np.random.default_rng(0)
    for (ours_fn, shape, dtype), (ref_fn, _, _) in zip(_cases(keras),
                                                       _cases(keras_ref)):
        x = (rng.integers(0, 5, shape) if dtype == "int32"
             else rng.normal(size=shape)).astype(dtype)
        ours, ref = ours_fn(), ref_fn()
        ours(x)
        ref(x)
        assert [(_leaf(w), tuple(w.shape), w.trainable)
                for w in ours.weights] == [
            (_leaf(w), tuple(w.shape), w.trainable) for w in ref.weights]
        assert [_leaf(w) for w in ours.trainable_weights] == [
            _leaf(w) for w in ref.trainable_weights]
        assert ours.lora_alpha == ref.lora_alpha
        assert ours.get_config()["lora_rank"] == 2
        # The B factor starts at zero: outputs are the base layer's.
        assert not np.any(ours.get_weights()[-1])
        values = [rng.normal(size=tuple(w.shape)).astype("float32")
                  for w in ref.weights]
        ours.set_weights(values)
        ref.set_weights(values)
        np.testing.assert_allclose(
            ours(x).detach().cpu().numpy(),
            keras_ref.ops.convert_to_numpy(ref(x)), atol=1e-5)
        name = "embeddings" if "Embedding" in type(ours).__name__ else \
            "kernel"
        np.testing.assert_allclose(
            getattr(ours, name).detach().cpu().numpy(),
            keras_ref.ops.convert_to_numpy(getattr(ref, name)), atol=1e-6)


def test_enable_lora_on_a_built_layer_scales_by_alpha_over_rank():
    layer = layers.Dense(3, use_bias=False)
    layer.build((None, 4))
    base = layer.get_weights()[0]
    layer.enable_lora(2, lora_alpha=6, a_initializer="ones",
                      b_initializer="ones")
    assert layer.lora_enabled and layer.lora_rank == 2
    expected = base + (6 / 2) * np.ones((4, 2)) @ np.ones((2, 3))
    np.testing.assert_allclose(layer.kernel.detach().cpu().numpy(), expected,
                               rtol=1e-6)
    x = np.ones((1, 4), "float32")
    np.testing.assert_allclose(layer(x).detach().cpu().numpy(), x @ expected,
                               rtol=1e-5)
    assert [p for p in layer.state_dict()] == [
        "kernel", "lora_kernel_a", "lora_kernel_b"]


def test_training_updates_only_the_low_rank_factors():
    model = keras.Sequential([keras.Input((4,)),
                              layers.Dense(3, lora_rank=2)])
    dense = model.layers[0]
    base_before = dense.get_weights()[0]
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    model.fit(x, np.ones((16, 3), "float32"), epochs=2, verbose=0)
    weights = dense.get_weights()
    np.testing.assert_array_equal(weights[0], base_before)
    assert np.any(weights[3])  # lora_kernel_b moved off zero
    # Turning the layer (or the model) trainable again keeps the base frozen.
    model.trainable = False
    model.trainable = True
    assert [_leaf(w) for w in model.trainable_weights] == [
        "bias", "lora_kernel_a", "lora_kernel_b"]


def test_saved_file_holds_the_merged_kernel(tmp_path, keras_ref):
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)),
                              layers.Dense(3, lora_rank=2)])
    dense = model.layers[0]
    with torch.no_grad():
        dense.lora_kernel_b.normal_()
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "lora.weights.h5")
    model.save_weights(path)

    plain = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    plain.load_weights(path)
    np.testing.assert_allclose(plain.predict(x, verbose=0), expected,
                               atol=1e-6)
    reference = keras_ref.Sequential([keras_ref.Input((4,)),
                                      keras_ref.layers.Dense(3)])
    reference.load_weights(path)
    np.testing.assert_allclose(reference.predict(x, verbose=0), expected,
                               atol=1e-6)

    # Loading into a LoRA model puts the merged kernel in the base and
    # restarts the update at zero, as Keras does.
    again = keras.Sequential([keras.Input((4,)),
                              layers.Dense(3, lora_rank=2)])
    again.load_weights(path)
    assert not np.any(again.layers[0].get_weights()[3])
    np.testing.assert_allclose(again.predict(x, verbose=0), expected,
                               atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: layers.Dense(2, lora_rank=0),
    lambda: layers.Embedding(4, 2, lora_rank=1.5),
    lambda: layers.Conv2D(2, 2, lora_rank=-1),
])
def test_invalid_lora_rank(make):
    with pytest.raises(ValueError, match="lora_rank"):
        make()


def test_lora_errors():
    layer = layers.Dense(2)
    with pytest.raises(ValueError, match="isn't yet built"):
        layer.enable_lora(2)
    layer.build((None, 3))
    layer.enable_lora(1)
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(1)
    constrained = layers.Dense(2, kernel_constraint="non_neg")
    constrained.build((None, 3))
    with pytest.raises(ValueError, match="kernel constraints"):
        constrained.enable_lora(1)


def test_enable_lora_after_the_model_build_keeps_the_model_scope():
    # Keras 3.15.1 (torch): "sequential/dense/lora_kernel_a", as the
    # layer's other weights; quantized layers too.
    second = layers.Dense(2)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), second],
                             name="seq")
    model.quantize("int8", filters=lambda layer: layer is second)
    for layer in model.layers:
        layer.enable_lora(2)
    scopes = {w.path.rpartition("/")[0] for w in model.layers[0].weights}
    assert scopes == {f"seq/{model.layers[0].name}"}
    paths = [w.path for w in model.layers[1].weights]
    assert f"seq/{model.layers[1].name}/lora_kernel_a" in paths
    assert len({p.rpartition("/")[0] for p in paths}) == 1
