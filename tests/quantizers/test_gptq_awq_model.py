"""`model.quantize("gptq" | "awq")` on a tiny token model (Embedding, then
two Dense blocks), against Keras 3.15 quantizing the same weights on the
same calibration data; and the quantized model through files, both ways.

Keras 3.15.1's calibration never sees an activation: its hooks wrap
`layer.call`, but a layer in "gptq"/"awq" mode is called through
`quantized_call`, so the Hessians (AWQ maxima) stay zero and both methods
reduce to plain rounding (`test_keras_calibrates_on_nothing` pins this).
Lamina's hooks are forward pre-hooks, which see every call. The reference
here is Keras with its hooks reaching the layers (`reach_keras_hooks` in
conftest): an uncalibrated layer's `quantized_call` goes through `call`,
where the hooks are, as the algorithm intends.

Tolerance: the quantized variables are compared exactly (same float32
operations in the same order as Keras on torch). Predictions are compared
at 1e-6: they dequantize the same integers with the same scales, and only
the order of the final float32 sums may differ (outputs are ~1e-2).
"""

import warnings

import numpy as np
import pytest
import torch

import lamina
from lamina.quantizers.awq_config import AWQConfig
from lamina.quantizers.gptq_config import GPTQConfig

TOKENS = np.array([[1, 7, 3, 9, 4, 4, 0, 12], [5, 2, 8, 8, 1, 3, 6, 2]])
DATA = [np.random.default_rng(0).integers(0, 50, size=(40,))
        for _ in range(4)]


def _model(lib, seed=0):
    lib.utils.set_random_seed(seed)
    inputs = lib.Input((None,), dtype="int32")
    embedding = lib.layers.Embedding(50, 16)
    first = lib.layers.Dense(12, activation="relu")
    second = lib.layers.Dense(8)
    model = lib.Model(inputs, second(first(embedding(inputs))))
    return model, {"pre_block_layers": [embedding],
                   "sequential_blocks": [first, second]}


def _config(lib_config_class, structure, **settings):
    return lib_config_class(dataset=DATA, tokenizer=lambda text: text,
                            num_samples=4, sequence_length=8,
                            quantization_layer_structure=structure,
                            **settings)


def _pair(keras, reach_hooks, mode, **settings):
    """The same model quantized by Keras (its hooks reaching the Dense
    layers) and by Lamina."""
    reference, structure_k = _model(keras)
    reach_hooks(reference.layers[2:], mode)
    model, structure = _model(lamina)
    model.set_weights(reference.get_weights())
    config_k = getattr(keras.quantizers, f"{mode.upper()}Config")
    config = GPTQConfig if mode == "gptq" else AWQConfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.quantize(mode, config=_config(config_k, structure_k,
                                                **settings))
        model.quantize(mode, config=_config(config, structure, **settings))
    return reference, model


def _quantized(mode, **settings):
    """A Lamina model quantized on its own."""
    model, structure = _model(lamina)
    config = GPTQConfig if mode == "gptq" else AWQConfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize(mode, config=_config(config, structure, **settings))
    return model


def _values(model):
    return [np.asarray(w.detach().cpu() if isinstance(w, torch.Tensor)
                       else w.value.detach().cpu()) for w in model.weights]


# Each GPTQ argument away from its default once (per-channel ranges
# with group_size=-1 are in test_gptq_core).
SETTINGS = [("gptq", dict(group_size=8)),
            ("gptq", dict(weight_bits=8, group_size=-1, symmetric=True,
                          activation_order=True, per_channel=False,
                          hessian_damping=0.1)),
            ("awq", dict(group_size=8, num_grid_points=5))]


@pytest.mark.parametrize("mode,settings", SETTINGS)
def test_quantize_matches_keras(keras_quantizing, reach_keras_hooks, mode,
                                settings):
    keras_ref = keras_quantizing
    reference, model = _pair(keras_ref, reach_keras_hooks, mode, **settings)
    assert [w.path for w in model.weights] == \
        [w.path for w in reference.weights]
    for ours, theirs in zip(_values(model), _values(reference)):
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    dense = model.layers[2]
    bits = settings.get("weight_bits", 4)
    group = settings["group_size"]
    assert dense.dtype_policy.name == \
        f"{mode}/{bits}/{group}_from_float32"
    np.testing.assert_allclose(
        model.predict(TOKENS, verbose=0),
        keras_ref.ops.convert_to_numpy(reference.predict(TOKENS, verbose=0)),
        rtol=0, atol=1e-6)


def test_keras_calibrates_on_nothing(keras_quantizing):
    keras_ref = keras_quantizing
    # Unpatched Keras 3.15.1: GPTQ on a zero Hessian, i.e. per-group
    # rounding of the float kernel (see the module docstring).
    from lamina.quantizers import gptq_core

    reference, structure = _model(keras_ref)
    kernel = torch.as_tensor(
        keras_ref.ops.convert_to_numpy(reference.layers[2].kernel))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.quantize("gptq", config=_config(
            keras_ref.quantizers.GPTQConfig, structure, weight_bits=8,
            group_size=8))
    levels = gptq_core.gptq_quantize_weights(
        kernel, torch.zeros(16, 16), weight_bits=8, group_size=8)[0]
    np.testing.assert_array_equal(
        keras_ref.ops.convert_to_numpy(
            reference.layers[2].quantized_kernel), levels.cpu().numpy())


def test_quantized_model_stays_close_to_float():
    model, structure = _model(lamina)
    before = model.predict(TOKENS, verbose=0)
    model.quantize("gptq", config=_config(GPTQConfig, structure,
                                          weight_bits=8, group_size=-1))
    after = model.predict(TOKENS, verbose=0)
    assert np.abs(after - before).max() < 0.05 * np.abs(before).max()
    assert not np.array_equal(after, before)


@pytest.mark.parametrize("mode,settings", [SETTINGS[0], SETTINGS[2]])
def test_save_and_reload(tmp_path, keras_quantizing, mode, settings):
    keras_ref = keras_quantizing
    model = _quantized(mode, **settings)
    expected = model.predict(TOKENS, verbose=0)
    path = str(tmp_path / "quantized.keras")
    model.save(path)
    restored = lamina.saving.load_model(path)
    assert restored.layers[2].dtype_policy.name == \
        model.layers[2].dtype_policy.name
    np.testing.assert_array_equal(restored.predict(TOKENS, verbose=0),
                                  expected)
    # Keras 3.15.1 reads Lamina's file (it holds every variable,
    # kernel_zero included) and predicts the same.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        in_keras = keras_ref.saving.load_model(path)
    np.testing.assert_allclose(
        keras_ref.ops.convert_to_numpy(in_keras.predict(TOKENS, verbose=0)),
        expected, rtol=0, atol=1e-6)


def test_weights_file_round_trip(tmp_path):
    model = _quantized("gptq", group_size=8)
    path = str(tmp_path / "quantized.weights.h5")
    model.save_weights(path)
    # Built from the config: the Dense layers come with "gptq/4/8" policies
    # and zero-filled quantized variables, which the file then fills.
    fresh = lamina.Model.from_config(model.get_config())
    assert fresh.layers[2].dtype_policy.name == "gptq/4/8_from_float32"
    assert not fresh.layers[2].quantized_kernel.any()
    fresh.load_weights(path)
    assert fresh.layers[2].is_gptq_calibrated
    np.testing.assert_array_equal(fresh.predict(TOKENS, verbose=0),
                                  model.predict(TOKENS, verbose=0))


def test_keras_written_file_loads(tmp_path, keras_quantizing):
    keras_ref = keras_quantizing
    # Keras 3.15.1 leaves `kernel_zero` out of its GPTQ files (and cannot
    # read them back itself); with symmetric quantization the zero points
    # are implied and the model predicts exactly what Keras's did.
    reference, structure = _model(keras_ref)
    config = _config(keras_ref.quantizers.GPTQConfig, structure,
                     group_size=8, symmetric=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.quantize("gptq", config=config)
    config.quantization_layer_structure = None  # layers are not JSON
    path = str(tmp_path / "keras_gptq.keras")
    reference.save(path)
    model = lamina.saving.load_model(path)
    np.testing.assert_allclose(
        model.predict(TOKENS, verbose=0),
        keras_ref.ops.convert_to_numpy(reference.predict(TOKENS, verbose=0)),
        rtol=0, atol=1e-6)


def test_keras_written_asymmetric_file_warns(tmp_path, keras_quantizing):
    keras_ref = keras_quantizing
    reference, structure = _model(keras_ref)
    config = _config(keras_ref.quantizers.AWQConfig, structure,
                     group_size=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.quantize("awq", config=config)
    config.quantization_layer_structure = None
    path = str(tmp_path / "keras_awq.keras")
    reference.save(path)
    with pytest.warns(UserWarning, match="holds no `kernel_zero`"):
        lamina.saving.load_model(path)


def test_calibration_windows_match_keras(keras_ref):
    from keras.src.quantizers.gptq_core import get_dataloader as keras_cut

    from lamina.quantizers.gptq import get_dataloader

    class Tokenizer:
        def tokenize(self, text):
            return np.array([ord(c) % 50 for c in text])

    texts = ["the quick brown fox", "jumps over", "the lazy dog"]
    for strategy in ("strided", "linspace", "random"):
        for dataset, tokenizer in ((texts, Tokenizer()), (DATA, None)):
            ours = get_dataloader(tokenizer, 6, dataset, num_samples=5,
                                  strategy=strategy, eos_id=0)
            theirs = keras_cut(tokenizer, 6, dataset, num_samples=5,
                               strategy=strategy, eos_id=0)
            np.testing.assert_array_equal(ours, theirs)
            assert ours.shape == (5, 1, 6) and ours.dtype == np.int32


def test_missing_pieces_raise_clear_errors():
    model, structure = _model(lamina)
    with pytest.raises(ValueError, match="requires a dataset and a tokenizer"):
        model.quantize("gptq", config=GPTQConfig(
            dataset=None, tokenizer=None,
            quantization_layer_structure=structure))
    model, _ = _model(lamina)
    with pytest.raises(ValueError, match="get_quantization_layer_structure"):
        model.quantize("gptq", config=_config(GPTQConfig, None))
    model, _ = _model(lamina)
    with pytest.raises(ValueError, match="No sequential blocks"):
        model.quantize("awq", config=_config(
            AWQConfig, {"pre_block_layers": [], "sequential_blocks": []}))
    with pytest.raises(ValueError, match="`config` argument"):
        _model(lamina)[0].quantize("gptq")


def test_filters_leave_other_layers_float():
    model, structure = _model(lamina)
    first_kernel = model.layers[2].kernel.detach().clone()
    model.quantize("awq", config=_config(AWQConfig, structure,
                                         group_size=-1),
                   filters="dense_1")
    first, second = model.layers[2], model.layers[3]
    assert first.quantization_mode is None
    torch.testing.assert_close(first.kernel, first_kernel)
    assert second.dtype_policy.name == "awq/4/-1_from_float32"
    assert second.is_awq_calibrated
    assert list(second.state_dict()) == [
        "bias", "kernel", "kernel_scale", "kernel_zero", "awq_scales",
        "g_idx"]


def test_uncalibrated_layer_runs_on_its_float_kernel():
    layer = lamina.layers.Dense(4)
    x = torch.randn(3, 6)
    expected = layer(x)
    layer.quantize("gptq", config=GPTQConfig(dataset=None, tokenizer=None,
                                             group_size=-1))
    assert layer.quantization_mode == "gptq"
    assert not layer.is_gptq_calibrated
    torch.testing.assert_close(layer(x), expected)
    assert [w.name for w in layer.weights] == [
        "bias", "kernel", "kernel_scale", "kernel_zero", "g_idx"]


def test_structure_from_the_model_hook():
    # Without a structure in the config, the model names its blocks.
    class Blocks(lamina.Model):
        def __init__(self):
            super().__init__()
            self.embedding = lamina.layers.Embedding(50, 16)
            self.first = lamina.layers.Dense(16)
            self.second = lamina.layers.Dense(4)

        def call(self, tokens):
            return self.second(self.first(self.embedding(tokens)))

        def get_quantization_layer_structure(self, mode):
            assert mode == "awq"
            return {"pre_block_layers": [self.embedding],
                    "sequential_blocks": [self.first, self.second]}

    model = Blocks()
    model(TOKENS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("awq", config=_config(AWQConfig, None,
                                             group_size=-1))
    assert model.first.is_awq_calibrated and model.second.is_awq_calibrated
    assert model.second.dtype_policy.name == "awq/4/-1_from_float32"
