import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lamina
from harness import assert_keras_parity
from lamina.layers.attention import MultiHeadAttention

# Keras warns that its EinsumDense projections drop the inputs' masks.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Layer .* was passed an input with a mask")

RNG = np.random.default_rng(0)
Q = RNG.standard_normal((2, 4, 6)).astype("float32")
V = RNG.standard_normal((2, 5, 6)).astype("float32")
K = RNG.standard_normal((2, 5, 3)).astype("float32")
# Row 1 of the query mask masks 3 of 4 queries: those rows are fully masked.
Q_MASK = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)
V_MASK = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 0]], bool)
K_MASK = np.array([[1, 0, 1, 1, 1], [0, 1, 1, 1, 1]], bool)
ATTN_MASK = RNG.random((2, 4, 5)) > 0.3
ATTN_MASK[:, :, 0] = True
BASE = {"num_heads": 2, "key_dim": 3}

# (init kwargs, inputs, masks, call kwargs)
CASES = {
    "cross": (BASE, "qv", {}, {}),
    "with_key": (BASE, "qvk", {}, {}),
    "value_dim_output_shape": (
        dict(BASE, value_dim=4, output_shape=7), "qv", {}, {}),
    "output_shape_2d": (dict(BASE, output_shape=(2, 3)), "qv", {}, {}),
    "no_bias": (dict(BASE, use_bias=False), "qvk", {}, {}),
    "gate": (dict(BASE, use_gate=True, value_dim=2), "qv", {}, {}),
    "query_mask": (BASE, "qv", {"query": Q_MASK}, {}),
    "value_mask": (BASE, "qv", {"value": V_MASK}, {}),
    "key_mask": (BASE, "qvk", {"key": K_MASK}, {}),
    "all_masks": (BASE, "qvk", {"query": Q_MASK, "value": V_MASK,
                                "key": K_MASK}, {}),
    "attention_mask": (BASE, "qv", {}, {"attention_mask": ATTN_MASK}),
    "attention_mask_and_masks": (
        BASE, "qv", {"query": Q_MASK, "value": V_MASK},
        {"attention_mask": ATTN_MASK}),
    "attention_mask_2d_broadcast": (
        BASE, "qv", {}, {"attention_mask": ATTN_MASK[0]}),
    "attention_mask_int": (
        BASE, "qv", {}, {"attention_mask": ATTN_MASK.astype("int32")}),
    "explicit_value_mask": (
        BASE, "qvk", {}, {"value_mask": V_MASK, "key_mask": K_MASK}),
    # Keras 3 ignores an explicit `query_mask` (it reads the query's mask).
    "explicit_query_mask_ignored": (BASE, "qv", {}, {"query_mask": Q_MASK}),
    "causal": (BASE, "qv", {}, {"use_causal_mask": True}),
    "causal_and_value_mask": (
        BASE, "qv", {"value": V_MASK}, {"use_causal_mask": True}),
    "causal_and_attention_mask": (
        BASE, "qv", {}, {"use_causal_mask": True,
                         "attention_mask": ATTN_MASK}),
    "sliding_window": (dict(BASE, sliding_window=2), "qv", {}, {}),
    "sliding_window_causal": (
        dict(BASE, sliding_window=2), "qv", {"query": Q_MASK},
        {"use_causal_mask": True}),
    "scores": (BASE, "qv", {}, {"return_attention_scores": True}),
    "scores_all_masks": (
        BASE, "qvk", {"query": Q_MASK, "value": V_MASK, "key": K_MASK},
        {"return_attention_scores": True, "attention_mask": ATTN_MASK}),
    "scores_causal": (
        BASE, "qv", {"query": Q_MASK},
        {"return_attention_scores": True, "use_causal_mask": True}),
    "scores_causal_only": (
        BASE, "qv", {}, {"return_attention_scores": True,
                         "use_causal_mask": True}),
    "dropout_inference": (dict(BASE, dropout=0.5), "qv", {}, {}),
    "dropout_inference_masks": (
        dict(BASE, dropout=0.5), "qvk",
        {"query": Q_MASK, "value": V_MASK, "key": K_MASK}, {}),
    "dropout_inference_causal": (
        dict(BASE, dropout=0.5), "qv", {}, {"use_causal_mask": True}),
    "dropout_inference_scores": (
        dict(BASE, dropout=0.5), "qv", {"value": V_MASK},
        {"return_attention_scores": True}),
}


def _arrays(which, query=Q, value=V, key=K):
    arrays = {"query": query, "value": value}
    if "k" in which:
        arrays["key"] = key
    return arrays


@pytest.mark.parametrize("case", sorted(CASES))
def test_mha_matches_keras(keras_ref, attention_parity, case):
    init, which, masks, call_kwargs = CASES[case]
    layer, out, _ = attention_parity(
        keras_ref, MultiHeadAttention, init, _arrays(which), masks,
        call_kwargs)
    output = out[0] if call_kwargs.get("return_attention_scores") else out
    # The output carries the query's mask, as in Keras.
    if masks.get("query") is not None:
        np.testing.assert_array_equal(output._keras_mask.cpu().numpy(), Q_MASK)


def test_mha_fully_masked_values_match_keras(keras_ref, attention_parity):
    # Every key of batch 1 masked: Keras's fused path averages all values,
    # its explicit softmax path (scores, or dropout configured) gives zeros.
    v_mask = V_MASK.copy()
    v_mask[1] = False
    for init, call_kwargs in ((BASE, {}),
                              (BASE, {"return_attention_scores": True}),
                              (dict(BASE, dropout=0.2), {})):
        attention_parity(keras_ref, MultiHeadAttention, init,
                         _arrays("qv"), {"value": v_mask}, call_kwargs)


def test_mha_scores_respect_masks():
    layer = MultiHeadAttention(2, 3)
    query, value = torch.tensor(Q), torch.tensor(V)
    query._keras_mask = torch.tensor(Q_MASK)
    value._keras_mask = torch.tensor(V_MASK)
    out, scores = layer(query, value, return_attention_scores=True)
    allowed = (torch.tensor(Q_MASK)[:, None, :, None]
               & torch.tensor(V_MASK)[:, None, None, :]).expand_as(scores)
    assert torch.all(scores[~allowed] == 0)
    # Rows of valid queries sum to 1; fully masked rows are all zeros.
    row_sums = scores.sum(-1).detach()
    expected = torch.tensor(Q_MASK, dtype=torch.float32)[:, None, :]
    torch.testing.assert_close(row_sums, expected.expand_as(row_sums))
    unmasked = layer(torch.tensor(Q), torch.tensor(V))
    assert not torch.allclose(out, unmasked)


@pytest.mark.parametrize("init,call_kwargs", [
    ({"attention_axes": (1, 2)}, {}),
    ({"attention_axes": (1, 2)}, {"return_attention_scores": True}),
    ({"attention_axes": (1, 2), "output_shape": (2, 3)}, {}),
    ({"attention_axes": 2}, {"return_attention_scores": True}),
    ({"attention_axes": (-3, -2), "value_dim": 2}, {}),
    ({"attention_axes": (1, 2)}, {"attention_mask": "5d"}),
    ({"attention_axes": (1, 2), "dropout": 0.3},
     {"attention_mask": "5d", "return_attention_scores": True}),
])
def test_mha_attention_axes_on_4d_inputs(keras_ref, attention_parity, init,
                                         call_kwargs):
    rng = np.random.default_rng(1)
    query = rng.standard_normal((2, 3, 4, 6)).astype("float32")
    value = rng.standard_normal((2, 3, 5, 6)).astype("float32")
    call_kwargs = dict(call_kwargs)
    if call_kwargs.get("attention_mask") == "5d":
        mask = rng.random((2, 3, 4, 3, 5)) > 0.4
        mask[..., 0, 0] = True
        call_kwargs["attention_mask"] = mask
    attention_parity(keras_ref, MultiHeadAttention, dict(BASE, **init),
                     {"query": query, "value": value}, None, call_kwargs)


@pytest.mark.parametrize("init,arrays,call_kwargs,expected", [
    (BASE, "qv", {}, [(2, 4, 6)]),
    (BASE, "qvk", {"return_attention_scores": True},
     [(2, 4, 6), (2, 2, 4, 5)]),
    (dict(BASE, value_dim=4, output_shape=(2, 5)), "qv", {},
     [(2, 4, 2, 5)]),
    (dict(BASE, use_gate=True, dropout=0.1, kernel_regularizer="l2",
          activity_regularizer="l1", bias_constraint="non_neg"), "qv",
     {"use_causal_mask": True}, [(2, 4, 6)]),
])
def test_mha_layer_contract(attention_layer_checks, init, arrays,
                            call_kwargs, expected):
    layer = attention_layer_checks(
        MultiHeadAttention, init, _arrays(arrays), call_kwargs, expected)
    assert layer.supports_masking
    assert tuple(layer.query_dense.kernel.shape) == (6, 2, 3)
    assert layer._query_dense is layer.query_dense


def test_mha_harness_parity_without_masks(keras_ref):
    # The shared harness, with `value` passed by keyword as an array.
    assert_keras_parity(keras_ref, "MultiHeadAttention", BASE, Q,
                        {"value": V}, lamina_cls=MultiHeadAttention)


def test_mha_attention_axes_scores_shape_symbolic():
    query = lamina.Input(batch_shape=(2, 3, 4, 6))
    value = lamina.Input(batch_shape=(2, 3, 5, 6))
    layer = MultiHeadAttention(2, 3, attention_axes=(1, 2))
    out, scores = layer(query, value, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 6)
    assert scores.shape == (2, 2, 3, 4, 3, 5)
    eager_out, eager_scores = layer(
        torch.ones(2, 3, 4, 6), torch.ones(2, 3, 5, 6),
        return_attention_scores=True)
    assert tuple(eager_scores.shape) == scores.shape


def test_mha_config_matches_keras(keras_ref):
    kwargs = dict(num_heads=2, key_dim=3, value_dim=5, dropout=0.1,
                  output_shape=(4,), attention_axes=[1], sliding_window=3,
                  kernel_regularizer="l2", bias_initializer="ones",
                  use_gate=True, seed=7, name="mha")
    ours, theirs = MultiHeadAttention(**kwargs), \
        keras_ref.layers.MultiHeadAttention(**kwargs)
    assert ours.get_config() == theirs.get_config()
    ours(Q, V)
    theirs(Q, V)
    assert ours.get_config() == theirs.get_config()
    assert ours.get_config()["attention_axes"] == (1,)


def test_mha_fast_path_uses_sdpa(monkeypatch):
    calls = []
    original = F.scaled_dot_product_attention

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(F, "scaled_dot_product_attention", spy)
    layer = MultiHeadAttention(2, 3, dropout=0.2)
    query, value = torch.tensor(Q), torch.tensor(V)
    mask = torch.tensor(ATTN_MASK)
    fast = layer(query, value, attention_mask=mask)
    assert len(calls) == 1
    fast_causal = layer(query, value, use_causal_mask=True)
    assert calls[-1]["is_causal"] and calls[-1]["attn_mask"] is None
    # Scores requested: the explicit softmax path, same numbers.
    slow, _ = layer(query, value, attention_mask=mask,
                    return_attention_scores=True)
    slow_causal, _ = layer(query, value, use_causal_mask=True,
                           return_attention_scores=True)
    assert len(calls) == 2
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(fast_causal, slow_causal, atol=1e-5,
                               rtol=1e-5)
    # Dropout active in training: explicit path with dropout on the scores.
    layer(query, value, training=True)
    assert len(calls) == 2


def test_mha_dropout_only_in_training():
    layer = MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    query, value = torch.tensor(Q), torch.tensor(V)
    infer, infer_scores = layer(query, value, return_attention_scores=True)
    again = layer(query, value)
    torch.testing.assert_close(infer, again, atol=1e-5, rtol=1e-5)
    train, train_scores = layer(query, value, return_attention_scores=True,
                                training=True)
    # Scores are returned before dropout; the output uses dropped scores.
    torch.testing.assert_close(train_scores, infer_scores)
    assert not torch.allclose(train, infer)


def test_mha_self_attention_model_trains_with_fit():
    from lamina.layers import Dense
    from lamina.layers import Flatten

    lamina.random.set_random_seed(0)
    inputs = lamina.Input((6, 8))
    x = MultiHeadAttention(2, 8)(inputs, inputs)
    outputs = Dense(1)(Flatten()(x))
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    data = rng.standard_normal((64, 6, 8)).astype("float32")
    target = data.mean(axis=(1, 2), keepdims=False)[:, None] * 3
    history = model.fit(data, target, epochs=8, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert len(model.layers[1].trainable_weights) == 8


def test_mha_masked_functional_model_matches_keras(keras_ref):
    def build(lib, mha_cls):
        ids = lib.Input((6,), dtype="int32")
        x = lib.layers.Embedding(10, 8, mask_zero=True)(ids)
        x = mha_cls(2, 4)(x, x)
        return lib.Model(ids, x)

    ours = build(lamina, MultiHeadAttention)
    theirs = build(keras_ref, keras_ref.layers.MultiHeadAttention)
    ours.set_weights(theirs.get_weights())
    ids = np.array([[3, 4, 0, 0, 0, 0], [1, 2, 3, 4, 5, 0]], "int32")
    expected = keras_ref.ops.convert_to_numpy(theirs(ids))
    got = ours(ids)
    np.testing.assert_allclose(got.detach().cpu().numpy(), expected, atol=1e-5)
    np.testing.assert_array_equal(got._keras_mask.cpu().numpy(), ids != 0)


def test_mha_bad_inputs():
    layer = MultiHeadAttention(2, 3, name="mha_bad")
    query, value = torch.tensor(Q), torch.tensor(V)
    with pytest.raises(ValueError, match="'mha_bad'.*`value` and `key`"):
        layer(query, value, key=torch.ones(2, 7, 6))
    layer = MultiHeadAttention(2, 3, name="mha_bad2")
    layer(query, value)
    with pytest.raises(ValueError, match="'mha_bad2'.*`value` and `key`"):
        layer(query, value, key=torch.ones(2, 7, 6))
    with pytest.raises(ValueError, match="'mha_bad2'.*broadcastable"):
        layer(query, value, attention_mask=torch.ones(2, 4, 3, dtype=bool))
    with pytest.raises(ValueError, match="'mha_bad2'.*broadcastable"):
        layer(query, value, attention_mask=torch.ones(2, 4, 3, dtype=bool),
              return_attention_scores=True)
    with pytest.raises(ValueError, match="'mha_bad2'.*cannot be combined"):
        value_masked = torch.tensor(V)
        value_masked._keras_mask = torch.tensor(V_MASK)
        layer(query, value_masked,
              attention_mask=torch.ones(2, 4, 3, dtype=bool))
    with pytest.raises(ValueError, match="'mha_sym'.*`value` and `key`"):
        MultiHeadAttention(2, 3, name="mha_sym")(
            lamina.Input((4, 6)), lamina.Input((5, 6)),
            key=lamina.Input((7, 6)))


@pytest.mark.parametrize("kwargs,message", [
    ({"num_heads": 0, "key_dim": 3}, "`num_heads`.*Received: num_heads=0"),
    ({"num_heads": 2, "key_dim": 2.5}, "`key_dim`"),
    ({"num_heads": 2, "key_dim": 3, "value_dim": -1}, "`value_dim`"),
    ({"num_heads": 2, "key_dim": 3, "dropout": 1.5}, "`dropout`"),
    ({"num_heads": 2, "key_dim": 3, "attention_axes": "1"},
     "`attention_axes`"),
    ({"num_heads": 2, "key_dim": 3, "sliding_window": 0},
     "`sliding_window`"),
    ({"num_heads": 2, "key_dim": 3, "flash_attention": True,
      "dropout": 0.1}, "flash attention"),
])
def test_mha_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=f"Layer 'bad'.*{message}"):
        MultiHeadAttention(**kwargs, name="bad")


def test_mha_flash_attention():
    layer = MultiHeadAttention(2, 3, flash_attention=True, name="flash")
    query, value = torch.tensor(Q), torch.tensor(V)
    with pytest.raises(ValueError, match="'flash'.*scores"):
        layer(query, value, return_attention_scores=True)
    # Torch has a CPU flash kernel too: same numbers as the default path.
    plain = MultiHeadAttention(2, 3)
    plain(query, value)
    out = layer(query, value, use_causal_mask=True)
    plain.set_weights(layer.get_weights())
    torch.testing.assert_close(out, plain(query, value, use_causal_mask=True),
                               atol=1e-5, rtol=1e-5)
