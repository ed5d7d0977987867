"""GPTQ and AWQ on EinsumDense, attention-style 3D kernels included (a
query-like projection `(dim, heads, head_dim)` and an output projection
`(heads, head_dim, dim)`), against Keras 3.15 on the same weights and
calibration data (hooks reaching the layers, see test_gptq_awq_model)."""

import warnings

import numpy as np
import pytest

import lamina
from lamina.quantizers import AWQConfig
from lamina.quantizers import GPTQConfig

TOKENS = np.array([[1, 7, 3, 9, 4, 4], [5, 2, 8, 8, 1, 3]])
DATA = [np.random.default_rng(1).integers(0, 30, size=(30,))
        for _ in range(3)]


def _model(lib):
    lib.utils.set_random_seed(0)
    inputs = lib.Input((None,), dtype="int32")
    embedding = lib.layers.Embedding(30, 16)
    project = lib.layers.EinsumDense("abc,cde->abde", (None, 2, 4),
                                     bias_axes="de")
    merge = lib.layers.EinsumDense("abcd,cde->abe", (None, 16),
                                   bias_axes="e", activation="relu")
    block = lib.Sequential([project, merge])
    head = lib.layers.EinsumDense("abc,cd->abd", (None, 6))
    model = lib.Model(inputs, head(block(embedding(inputs))))
    return model, {"pre_block_layers": [embedding],
                   "sequential_blocks": [block, head]}


@pytest.mark.parametrize("mode,settings", [
    ("gptq", dict(group_size=4, activation_order=True)),
    ("awq", dict(group_size=-1))])
def test_einsum_dense_matches_keras(keras_quantizing, reach_keras_hooks,
                                    tmp_path, mode, settings):
    keras_ref = keras_quantizing
    reference, structure_k = _model(keras_ref)
    model, structure = _model(lamina)
    model.set_weights(reference.get_weights())
    leaves = structure_k["sequential_blocks"][0].layers + \
        [structure_k["sequential_blocks"][1]]
    reach_keras_hooks(leaves, mode)
    common = dict(dataset=DATA, tokenizer=len, num_samples=3,
                  sequence_length=6, **settings)
    config_k = getattr(keras_ref.quantizers, f"{mode.upper()}Config")
    config = GPTQConfig if mode == "gptq" else AWQConfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.quantize(mode, config=config_k(
            quantization_layer_structure=structure_k, **common))
        model.quantize(mode, config=config(
            quantization_layer_structure=structure, **common))
    assert [w.path for w in model.weights] == \
        [w.path for w in reference.weights]
    for ours, theirs in zip(model.weights, reference.weights):
        np.testing.assert_array_equal(ours.detach().cpu().numpy(),
                                      keras_ref.ops.convert_to_numpy(theirs))
    expected = keras_ref.ops.convert_to_numpy(
        reference.predict(TOKENS, verbose=0))
    np.testing.assert_allclose(model.predict(TOKENS, verbose=0), expected,
                               rtol=0, atol=1e-6)
    path = str(tmp_path / "einsum.keras")
    model.save(path)
    restored = lamina.saving.load_model(path)
    np.testing.assert_allclose(restored.predict(TOKENS, verbose=0),
                               expected, rtol=0, atol=1e-6)
