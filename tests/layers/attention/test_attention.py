import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.attention import AdditiveAttention
from lamina.layers.attention import Attention

RNG = np.random.default_rng(5)
Q = RNG.standard_normal((2, 3, 4)).astype("float32")
V = RNG.standard_normal((2, 5, 4)).astype("float32")
K = RNG.standard_normal((2, 5, 4)).astype("float32")
Q_MASK = np.array([[1, 1, 0], [1, 0, 0]], bool)
V_MASK = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 0]], bool)
QV = [(2, 3, 4), (2, 5, 4)]
QVK = QV + [(2, 5, 4)]


@pytest.mark.parametrize("cls,kwargs,shapes,call_kwargs,expected,weights", [
    (Attention, {}, QV, {}, (2, 3, 4), 0),
    (Attention, {"use_scale": True}, QVK, {}, (2, 3, 4), 1),
    (Attention, {"score_mode": "concat"}, QV, {}, (2, 3, 4), 1),
    (Attention, {"use_scale": True, "score_mode": "concat"}, QVK, {},
     (2, 3, 4), 2),
    (Attention, {"dropout": 0.5, "seed": 1}, QV, {}, (2, 3, 4), 0),
    (Attention, {"use_scale": True}, QV, {"use_causal_mask": True},
     (2, 3, 4), 1),
    (Attention, {"score_mode": "concat"}, QV,
     {"return_attention_scores": True}, ((2, 3, 4), (2, 3, 5)), 1),
    (AdditiveAttention, {}, QV, {}, (2, 3, 4), 1),
    (AdditiveAttention, {"use_scale": False}, QVK, {}, (2, 3, 4), 0),
    (AdditiveAttention, {"dropout": 0.2}, QVK,
     {"return_attention_scores": True, "use_causal_mask": True},
     ((2, 3, 4), (2, 3, 5)), 1),
])
def test_attention_harness_and_parity(keras_ref, cls, kwargs, shapes,
                                      call_kwargs, expected, weights):
    layer = run_layer_test(
        cls, kwargs, input_shape=shapes, expected_output_shape=expected,
        expected_num_trainable_weights=weights,
        expected_num_non_trainable_weights=0, supports_masking=True,
        call_kwargs=call_kwargs, keras_reference=keras_ref,
    )
    names = {"scale", "concat_score_weight"}
    assert {w.path.split("/")[-1] for w in layer.weights} <= names


def _masked(array, mask):
    tensor = torch.tensor(array)
    if mask is not None:
        tensor._keras_mask = torch.tensor(mask)
    return tensor


def _parity(keras, cls, kwargs, masks, call_kwargs, explicit_mask=False):
    """Compares Lamina and Keras with masks carried by the inputs (or passed
    as `mask=[...]`), Keras's weights copied."""
    def inputs():
        arrays = [Q, V, K][:len(masks)]
        if explicit_mask:
            return [torch.tensor(a) for a in arrays], {
                "mask": [None if m is None else torch.tensor(m)
                         for m in masks]}
        return [_masked(a, m) for a, m in zip(arrays, masks)], {}

    theirs = getattr(keras.layers, cls.__name__)(**kwargs)
    args, extra = inputs()
    expected = theirs(args, **extra, **call_kwargs)
    ours = cls(**kwargs)
    args, extra = inputs()
    ours(args, **extra, **call_kwargs)
    ours.set_weights([keras.ops.convert_to_numpy(w) for w in theirs.weights])
    args, extra = inputs()
    got = ours(args, **extra, **call_kwargs)
    pairs = zip(got, expected) if isinstance(got, tuple) else \
        [(got, expected)]
    for o, k in pairs:
        np.testing.assert_allclose(o.detach().cpu().numpy(),
                                   keras.ops.convert_to_numpy(k), atol=1e-5)
    return got


@pytest.mark.parametrize("cls,kwargs", [
    (Attention, {}),
    (Attention, {"use_scale": True, "score_mode": "concat"}),
    (AdditiveAttention, {}),
])
@pytest.mark.parametrize("masks,call_kwargs", [
    ([Q_MASK, None], {}),
    ([None, V_MASK], {}),
    ([Q_MASK, V_MASK], {"return_attention_scores": True}),
    ([Q_MASK, V_MASK, None], {"use_causal_mask": True}),
    ([None, V_MASK], {"use_causal_mask": True,
                      "return_attention_scores": True}),
])
@pytest.mark.parametrize("explicit_mask", [False, True])
def test_attention_masks_match_keras(keras_ref, cls, kwargs, masks,
                                     call_kwargs, explicit_mask):
    got = _parity(keras_ref, cls, kwargs, masks, call_kwargs, explicit_mask)
    output = got[0] if isinstance(got, tuple) else got
    if masks[0] is not None:
        np.testing.assert_array_equal(output._keras_mask.cpu().numpy(),
                                      masks[0])
        assert float(output[1, 2].detach().abs().sum()) == 0.0
    else:
        assert getattr(output, "_keras_mask", None) is None


def test_attention_config_matches_keras(keras_ref):
    kwargs = {"use_scale": True, "score_mode": "concat", "dropout": 0.2,
              "seed": 4, "name": "att"}
    assert Attention(**kwargs).get_config() == \
        keras_ref.layers.Attention(**kwargs).get_config()
    kwargs = {"use_scale": False, "dropout": 0.1, "seed": 2, "name": "add"}
    assert AdditiveAttention(**kwargs).get_config() == \
        keras_ref.layers.AdditiveAttention(**kwargs).get_config()


def test_attention_dropout_only_in_training():
    layer = Attention(dropout=0.5, seed=3)
    inputs = [torch.tensor(Q), torch.tensor(V)]
    infer = layer(inputs)
    torch.testing.assert_close(layer(inputs), infer)
    out, weights = layer(inputs, training=True, return_attention_scores=True)
    assert not torch.allclose(out, infer)
    # Dropped weights are zero, kept ones scaled by 1 / (1 - rate).
    _, clean = layer(inputs, return_attention_scores=True)
    kept = weights != 0
    torch.testing.assert_close(weights[kept], clean[kept] * 2.0)


def test_attention_in_functional_model_with_masks(keras_ref):
    def build(lib, attention_cls):
        ids = lib.Input((5,), dtype="int32")
        embedded = lib.layers.Embedding(9, 4, mask_zero=True)(ids)
        attended = attention_cls(use_scale=True)([embedded, embedded])
        return lib.Model(ids, attended)

    ids = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 0]], "int32")
    theirs = build(keras_ref, keras_ref.layers.Attention)
    ours = build(lamina, Attention)
    ours.set_weights(theirs.get_weights())
    got = ours(ids)
    np.testing.assert_allclose(
        got.detach().cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(ids)), atol=1e-5)
    np.testing.assert_array_equal(got._keras_mask.cpu().numpy(), ids != 0)


@pytest.mark.parametrize("make,call,message", [
    (lambda: Attention(score_mode="add", name="bad"), None,
     "Layer 'bad'.*`score_mode`.*Received: score_mode='add'"),
    (lambda: Attention(dropout=2.0, name="bad"), None,
     "Layer 'bad'.*`dropout`"),
    (lambda: Attention(name="bad"), lambda layer: layer(torch.tensor(Q)),
     "Layer 'bad'.*must be called on a list of inputs"),
    (lambda: Attention(name="bad"),
     lambda layer: layer([torch.tensor(Q)]),
     "Layer 'bad'.*length 2 or 3.*Received length: 1"),
    (lambda: AdditiveAttention(name="bad"),
     lambda layer: layer([torch.tensor(Q)] * 4),
     "Layer 'bad'.*length 2 or 3.*Received length: 4"),
    (lambda: Attention(name="bad"),
     lambda layer: layer([torch.tensor(Q), torch.tensor(V)],
                         mask=torch.tensor(V_MASK)),
     "Layer 'bad'.*mask must be a list"),
    (lambda: Attention(name="bad"),
     lambda layer: layer([torch.tensor(Q), torch.tensor(V)],
                         mask=[torch.tensor(Q_MASK)]),
     "Layer 'bad'.*mask list of length 2 or 3"),
    (lambda: Attention(name="bad"),
     lambda layer: layer([lamina.Input((3, 4))] * 4),
     "Layer 'bad'.*Received length: 4"),
])
def test_attention_bad_inputs(make, call, message):
    with pytest.raises(ValueError, match=message):
        layer = make()
        call(layer)
