import numpy as np
import pytest
import torch

import lamina
from lamina.layers.attention import GroupedQueryAttention
from lamina.layers.attention import GroupQueryAttention

# Keras warns that its EinsumDense projections drop the inputs' masks.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Layer .* was passed an input with a mask")

RNG = np.random.default_rng(3)
Q = RNG.standard_normal((2, 4, 8)).astype("float32")
V = RNG.standard_normal((2, 5, 8)).astype("float32")
K = RNG.standard_normal((2, 5, 3)).astype("float32")
Q_MASK = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)
V_MASK = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 0]], bool)
K_MASK = np.array([[1, 0, 1, 1, 1], [0, 1, 1, 1, 1]], bool)
ATTN_MASK = RNG.random((2, 4, 5)) > 0.3
ATTN_MASK[:, :, 0] = True
BASE = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}

CASES = {
    "cross": (BASE, "qv", {}, {}),
    "with_key": (BASE, "qvk", {}, {}),
    "multi_query": (dict(BASE, num_key_value_heads=1), "qv", {}, {}),
    "as_many_kv_heads": (dict(BASE, num_key_value_heads=4), "qv", {}, {}),
    "no_bias": (dict(BASE, use_bias=False), "qvk", {}, {}),
    "gate": (dict(BASE, use_gate=True), "qv", {}, {}),
    "query_mask": (BASE, "qv", {"query": Q_MASK}, {}),
    "all_masks": (BASE, "qvk", {"query": Q_MASK, "value": V_MASK,
                                "key": K_MASK}, {}),
    "explicit_masks": (BASE, "qvk", {}, {"query_mask": Q_MASK,
                                         "value_mask": V_MASK}),
    "attention_mask": (BASE, "qv", {"value": V_MASK},
                       {"attention_mask": ATTN_MASK}),
    "causal": (BASE, "qv", {}, {"use_causal_mask": True}),
    "causal_and_masks": (BASE, "qv", {"query": Q_MASK},
                         {"use_causal_mask": True}),
    "sliding_window": (dict(BASE, sliding_window=2), "qv", {},
                       {"use_causal_mask": True}),
    "scores": (BASE, "qv", {"value": V_MASK},
               {"return_attention_scores": True}),
    "scores_causal_only": (BASE, "qv", {}, {"return_attention_scores": True,
                                            "use_causal_mask": True}),
    "dropout_inference_masks": (dict(BASE, dropout=0.5), "qvk",
                                {"query": Q_MASK, "value": V_MASK}, {}),
}


def _arrays(which):
    arrays = {"query": Q, "value": V}
    if "k" in which:
        arrays["key"] = K
    return arrays


@pytest.mark.parametrize("case", sorted(CASES))
def test_gqa_matches_keras(keras_ref, attention_parity, case):
    init, which, masks, call_kwargs = CASES[case]
    attention_parity(keras_ref, GroupedQueryAttention, init, _arrays(which),
                     masks, call_kwargs)


@pytest.mark.parametrize("init,call_kwargs,expected", [
    (BASE, {}, [(2, 4, 8)]),
    (BASE, {"return_attention_scores": True}, [(2, 4, 8), (2, 4, 4, 5)]),
    (dict(BASE, dropout=0.2, use_gate=True, kernel_regularizer="l2",
          activity_regularizer="l1"), {"use_causal_mask": True},
     [(2, 4, 8)]),
])
def test_gqa_layer_contract(attention_layer_checks, init, call_kwargs,
                            expected):
    layer = attention_layer_checks(GroupedQueryAttention, init,
                                   _arrays("qvk"), call_kwargs, expected)
    assert [tuple(w.shape) for w in layer.weights][:6:2] == \
        [(8, 4, 3), (3, 2, 3), (8, 2, 3) if not init.get("use_gate")
         else (8, 4, 3)]


def test_gqa_alias_and_config_match_keras(keras_ref):
    assert GroupQueryAttention is GroupedQueryAttention
    kwargs = dict(BASE, dropout=0.1, sliding_window=4, use_gate=True,
                  bias_regularizer="l1", seed=3, name="gqa")
    ours = GroupedQueryAttention(**kwargs)
    theirs = keras_ref.layers.GroupQueryAttention(**kwargs)
    assert ours.get_config() == theirs.get_config()
    # Keras writes the exported name; both names read back.
    serialized = lamina.saving.serialize_keras_object(ours)
    assert serialized["class_name"] == keras_ref.saving.serialize_keras_object(
        theirs)["class_name"] == "GroupQueryAttention"
    for class_name in ("GroupQueryAttention", "GroupedQueryAttention"):
        revived = lamina.saving.deserialize_keras_object(
            {**serialized, "class_name": class_name})
        assert isinstance(revived, GroupedQueryAttention)


def test_gqa_repeats_key_value_heads():
    # With identical key/value heads, GQA equals MHA whose key/value
    # kernels repeat each head `num_repeats` times.
    layer = GroupedQueryAttention(3, 4, 2, use_bias=False)
    query, value = torch.tensor(Q), torch.tensor(V)
    out, scores = layer(query, value, return_attention_scores=True)
    q = torch.einsum("bqm,muh->bquh", query, layer._query_dense.kernel)
    k = torch.einsum("bkm,mvh->bkvh", value, layer._key_dense.kernel)
    k = k.repeat_interleave(2, dim=2)
    expected = torch.softmax(
        torch.einsum("bquh,bkuh->buqk", q, k) / np.sqrt(3.0), dim=-1)
    torch.testing.assert_close(scores, expected, atol=1e-5, rtol=1e-5)
    assert tuple(out.shape) == (2, 4, 8)


@pytest.mark.parametrize("kwargs,message", [
    (dict(BASE, num_key_value_heads=3),
     "`num_query_heads` must be divisible by `num_key_value_heads`"),
    (dict(BASE, head_dim=0), "`head_dim`"),
    (dict(BASE, dropout=-0.1), "`dropout`"),
    (dict(BASE, flash_attention=True, dropout=0.1), "flash attention"),
])
def test_gqa_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=f"Layer 'bad'.*{message}"):
        GroupedQueryAttention(**kwargs, name="bad")


def test_gqa_bad_inputs():
    layer = GroupedQueryAttention(**BASE, name="gqa_bad")
    query, value = torch.tensor(Q), torch.tensor(V)
    with pytest.raises(ValueError, match="'gqa_bad'.*last dimension"):
        layer(query, torch.ones(2, 5, 6))
    layer(query, value)
    with pytest.raises(ValueError, match="'gqa_bad'.*`value` and `key`"):
        layer(query, value, key=torch.ones(2, 6, 8))
    with pytest.raises(ValueError, match="'gqa_bad'.*broadcastable"):
        layer(query, value, attention_mask=torch.ones(2, 5, 5, dtype=bool))
