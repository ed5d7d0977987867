"""Helpers shared by the attention tests, as fixtures.

The shared harness feeds one positional input; MultiHeadAttention and
GroupedQueryAttention take `query, value(, key)`, so these helpers run the
same checks (symbolic shapes, config and state_dict round-trips, a gradient
step, Keras parity with Keras's weights) on two- or three-input calls, with
masks attached to the inputs as `_keras_mask` in both libraries.
"""

import copy

import numpy as np
import pytest
import torch

import lamina
from lamina.saving import deserialize_keras_object
from lamina.saving import serialize_keras_object
from lamina.utils import tree


def _tensors(arrays, masks):
    """Fresh torch tensors (Keras 3 deletes the masks of MultiHeadAttention's
    inputs, so each call needs its own) carrying `_keras_mask`."""
    out = {}
    for name, array in arrays.items():
        tensor = torch.tensor(array)
        if masks and masks.get(name) is not None:
            tensor._keras_mask = torch.tensor(masks[name])
        out[name] = tensor
    return out


def _call(layer, arrays, masks, call_kwargs, **extra):
    inputs = _tensors(arrays, masks)
    args = [inputs["query"], inputs["value"]]
    kwargs = dict(call_kwargs or {}, **extra)
    if "key" in inputs:
        kwargs["key"] = inputs["key"]
    return layer(*args, **kwargs)


def _numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def keras_parity(keras, lamina_cls, init_kwargs, arrays, masks=None,
                 call_kwargs=None, atol=1e-5, training=False):
    """Calls the Keras 3 and Lamina layers on the same inputs and masks with
    Keras's weights; returns `(lamina_layer, lamina_out, keras_out)`."""
    # Keras exports GroupedQueryAttention only as `GroupQueryAttention`.
    name = {"GroupedQueryAttention": "GroupQueryAttention"}.get(
        lamina_cls.__name__, lamina_cls.__name__)
    theirs = getattr(keras.layers, name)(**init_kwargs)
    keras_out = _call(theirs, arrays, masks, call_kwargs, training=training)
    ours = lamina_cls(**init_kwargs)
    _call(ours, arrays, masks, call_kwargs)
    keras_weights = [keras.ops.convert_to_numpy(w) for w in theirs.weights]
    assert [w.shape for w in keras_weights] == \
        [tuple(w.shape) for w in ours.weights], "weight shapes/order differ"
    assert [w.path.split("/", 1)[1] for w in theirs.weights] == \
        [w.path.split("/", 1)[1] for w in ours.weights]
    ours.set_weights(keras_weights)
    our_out = _call(ours, arrays, masks, call_kwargs, training=training)
    flat_ours, flat_theirs = tree.flatten(our_out), tree.flatten(keras_out)
    assert len(flat_ours) == len(flat_theirs)
    for o, k in zip(flat_ours, flat_theirs):
        assert o.shape == k.shape
        np.testing.assert_allclose(_numpy(o), keras.ops.convert_to_numpy(k),
                                   atol=atol, rtol=1e-5)
    return ours, our_out, keras_out


def layer_checks(lamina_cls, init_kwargs, arrays, call_kwargs=None,
                 expected_shapes=None):
    """The harness's checks for a `query, value(, key)` layer."""
    call_kwargs = dict(call_kwargs or {})
    names = [n for n in ("query", "value", "key") if n in arrays]
    symbolic = {n: lamina.Input(batch_shape=arrays[n].shape) for n in names}
    layer = lamina_cls(**init_kwargs)
    sym_out = layer(symbolic["query"], symbolic["value"],
                    **({"key": symbolic["key"]} if "key" in symbolic else {}),
                    **call_kwargs)
    sym_shapes = [t.shape for t in tree.flatten(sym_out)]
    if expected_shapes is not None:
        assert sym_shapes == list(expected_shapes)

    eager = lamina_cls(**init_kwargs)
    out = _call(eager, arrays, None, call_kwargs)
    eager_shapes = [tuple(t.shape) for t in tree.flatten(out)]
    assert len(eager_shapes) == len(sym_shapes)
    for e, s in zip(eager_shapes, sym_shapes):
        assert len(e) == len(s) and all(
            a == b or b is None for a, b in zip(e, s)), (e, s)

    config = eager.get_config()
    clone = lamina_cls.from_config(copy.deepcopy(config))
    assert clone.get_config() == config
    revived = deserialize_keras_object(serialize_keras_object(eager))
    assert type(revived) is lamina_cls

    _call(clone, arrays, None, call_kwargs)
    clone.load_state_dict(eager.state_dict())
    for a, b in zip(tree.flatten(_call(eager, arrays, None, call_kwargs)),
                    tree.flatten(_call(clone, arrays, None, call_kwargs))):
        np.testing.assert_allclose(_numpy(a), _numpy(b), atol=1e-6)

    outputs = _call(eager, arrays, None, call_kwargs, training=True)
    loss = sum(o.square().mean() for o in tree.flatten(outputs))
    loss.backward()
    for weight in eager.trainable_weights:
        assert weight.grad is not None, f"no gradient for {weight.path}"
    return eager


@pytest.fixture
def attention_parity():
    return keras_parity


@pytest.fixture
def attention_layer_checks():
    return layer_checks
