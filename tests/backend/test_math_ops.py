"""Keras 2's `keras.backend` math: signatures, defaults and values, against
NumPy and Keras 3's equivalent `keras.ops`/`keras.losses` functions."""

import numpy as np
import pytest
import torch

from lamina import backend as K

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 3, 4)).astype("float32")
P = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]], "float32")
T = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], "float32")


def np_of(x):
    return x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)


@pytest.mark.parametrize("name,args,kwargs,expected", [
    ("sum", (X,), {}, X.sum()),
    ("sum", (X,), {"axis": 1, "keepdims": True}, X.sum(1, keepdims=True)),
    ("sum", (X,), {"axis": [0, 2]}, X.sum((0, 2))),
    ("mean", (X,), {"axis": -1}, X.mean(-1)),
    ("max", (X,), {"axis": 0}, X.max(0)),
    ("min", (X,), {"keepdims": True}, X.min(keepdims=True)),
    ("prod", (X,), {"axis": (1, 2)}, X.prod((1, 2))),
    ("std", (X,), {"axis": 1}, X.std(1)),
    ("var", (X,), {}, X.var()),
    ("argmax", (X,), {}, X.argmax(-1)),
    ("argmin", (X,), {"axis": 0}, X.argmin(0)),
    ("square", (X,), {}, X ** 2),
    ("sqrt", (X,), {}, np.sqrt(np.maximum(X, 0))),
    ("exp", (X,), {}, np.exp(X)),
    ("log", (np.abs(X),), {}, np.log(np.abs(X))),
    ("pow", (X, 2), {}, X ** 2),
    ("abs", (X,), {}, np.abs(X)),
    ("sign", (X,), {}, np.sign(X)),
    ("clip", (X, -0.5, 0.5), {}, np.clip(X, -0.5, 0.5)),
    ("clip", (X, 0.5, -0.5), {}, np.full_like(X, 0.5)),
    ("clip", (X, None, 0.0), {}, np.minimum(X, 0.0)),
    ("dot", (X, X[0].T), {}, np.tensordot(X, X[0].T, axes=([-1], [-2]))),
    ("dot", (X[0], X[0].T), {}, X[0] @ X[0].T),
    ("transpose", (X,), {}, X.transpose()),
    ("permute_dimensions", (X, (0, 2, 1)), {}, X.transpose(0, 2, 1)),
    ("concatenate", ([X, X],), {}, np.concatenate([X, X], axis=-1)),
    ("stack", ([X, X],), {}, np.stack([X, X])),
    ("reshape", (X, (4, -1)), {}, X.reshape(4, -1)),
    ("expand_dims", (X,), {}, X[..., None]),
    ("squeeze", (X[:, :1], 1), {}, X[:, 0]),
    ("flatten", (X,), {}, X.reshape(-1)),
    ("batch_flatten", (X,), {}, X.reshape(2, -1)),
    ("tile", (X[0], (2, 1)), {}, np.tile(X[0], (2, 1))),
    ("repeat", (X[:, 0],), {"n": 3}, np.repeat(X[:, None, 0], 3, axis=1)),
    ("repeat_elements", (X, 2, 1), {}, np.repeat(X, 2, axis=1)),
    ("reverse", (X, 1), {}, X[:, ::-1]),
    ("gather", (X, np.array([1, 0, 1])), {}, X[[1, 0, 1]]),
    ("equal", (X, X), {}, np.ones_like(X, bool)),
    ("maximum", (X, 0.0), {}, np.maximum(X, 0.0)),
    ("minimum", (X, 0.0), {}, np.minimum(X, 0.0)),
    ("one_hot", (np.array([0, 2]), 3), {}, np.eye(3)[[0, 2]]),
    ("cumsum", (X,), {}, X.cumsum(0)),
    ("hard_sigmoid", (X,), {}, np.clip(0.2 * X + 0.5, 0, 1)),
    ("l2_normalize", (X,), {"axis": -1},
     X / np.sqrt((X ** 2).sum(-1, keepdims=True))),
    ("l2_normalize", (X,), {}, X / np.sqrt((X ** 2).sum())),
    ("elu", (X, 0.5), {}, np.where(X > 0, X, 0.5 * np.expm1(X))),
    ("logsumexp", (X,), {"axis": 1}, np.log(np.exp(X).sum(1))),
])
def test_against_numpy(name, args, kwargs, expected):
    got = getattr(K, name)(*args, **kwargs)
    np.testing.assert_allclose(np_of(got), expected, rtol=1e-5, atol=1e-6)


def test_batch_dot_documented_examples():
    x = np.array([[1, 2], [3, 4]], "float32")
    y = np.array([[5, 6], [7, 8]], "float32")
    np.testing.assert_array_equal(np_of(K.batch_dot(x, y, axes=1)),
                                  [[17], [53]])
    a, b = np.ones((32, 20, 1), "float32"), np.ones((32, 30, 20), "float32")
    assert K.int_shape(K.batch_dot(a, b, axes=(1, 2))) == (32, 1, 30)
    u = RNG.normal(size=(4, 3, 5)).astype("float32")
    v = RNG.normal(size=(4, 5, 2)).astype("float32")
    np.testing.assert_allclose(np_of(K.batch_dot(u, v)), u @ v, rtol=1e-5)
    with pytest.raises(ValueError, match="rank >= 2"):
        K.batch_dot(np.ones(3), np.ones(3))


def test_against_keras3_ops(keras_ref):
    ops = keras_ref.ops
    pairs = [
        (K.softmax(X), ops.softmax(X)),
        (K.softmax(X, axis=1), ops.softmax(X, axis=1)),
        (K.relu(X, alpha=0.1, max_value=1.0),
         keras_ref.activations.relu(X, negative_slope=0.1, max_value=1.0)),
        (K.relu(X, threshold=0.5), keras_ref.activations.relu(X, threshold=0.5)),
        (K.sigmoid(X), ops.sigmoid(X)),
        (K.tanh(X), ops.tanh(X)),
        (K.softplus(X), ops.softplus(X)),
        (K.softsign(X), ops.softsign(X)),
        (K.elu(X), ops.elu(X)),
        (K.categorical_crossentropy(T, P),
         keras_ref.losses.categorical_crossentropy(T, P)),
        (K.categorical_crossentropy(T, np.log(P), from_logits=True),
         keras_ref.losses.categorical_crossentropy(T, np.log(P),
                                                   from_logits=True)),
        (K.sparse_categorical_crossentropy(np.array([1, 0]), P),
         keras_ref.losses.sparse_categorical_crossentropy(np.array([1, 0]), P)),
        (K.sparse_categorical_crossentropy(np.array([[1], [0]]), np.log(P),
                                           from_logits=True),
         keras_ref.losses.sparse_categorical_crossentropy(
             np.array([[1], [0]]), np.log(P), from_logits=True)),
        (K.binary_crossentropy(T, P),
         keras_ref.ops.binary_crossentropy(T, P)),
        (K.binary_crossentropy(T, X[0, :2, :3], from_logits=True),
         keras_ref.ops.binary_crossentropy(T, X[0, :2, :3], from_logits=True)),
    ]
    for got, expected in pairs:
        np.testing.assert_allclose(np_of(got), np_of(expected), rtol=1e-4,
                                   atol=1e-6)


def test_crossentropy_argument_order_is_target_then_output():
    # Keras 2: categorical_crossentropy(target, output); swapping them gives
    # a different value, so the order is checked by value.
    got = np_of(K.categorical_crossentropy(T, P))
    np.testing.assert_allclose(got, -np.log([0.7, 0.5]), rtol=1e-6)


def test_softmax_rejects_1d():
    with pytest.raises(ValueError, match="rank >= 2"):
        K.softmax(np.ones(3, "float32"))


def test_switch():
    then, other = np.ones((2, 3), "float32"), np.zeros((2, 3), "float32")
    np.testing.assert_array_equal(
        np_of(K.switch(np.array([True, False]), then, other)),
        [[1, 1, 1], [0, 0, 0]])
    assert K.switch(torch.tensor(True), lambda: "a", lambda: "b") == "a"


def test_bias_add_both_layouts():
    x = np.zeros((2, 3, 4, 4), "float32")
    bias = np.arange(3, dtype="float32")
    first = np_of(K.bias_add(x, bias, data_format="channels_first"))
    np.testing.assert_array_equal(first[0, :, 0, 0], bias)
    last = np_of(K.bias_add(np.zeros((2, 4, 3), "float32"), bias))
    np.testing.assert_array_equal(last[1, 2], bias)


def test_random_draws_follow_seed_and_arguments():
    a = K.random_uniform((1000,), 2.0, 3.0, seed=1)
    assert float(a.min()) >= 2.0 and float(a.max()) < 3.0
    np.testing.assert_array_equal(np_of(a),
                                  np_of(K.random_uniform((1000,), 2.0, 3.0,
                                                         seed=1)))
    normal = np_of(K.random_normal((4000,), mean=5.0, stddev=0.5, seed=2))
    assert abs(normal.mean() - 5.0) < 0.05 and abs(normal.std() - 0.5) < 0.05
    bits = np_of(K.random_bernoulli((4000,), p=0.25, seed=3))
    assert set(np.unique(bits)) <= {0.0, 1.0} and abs(bits.mean() - 0.25) < 0.03
    kept = np_of(K.dropout(np.ones(4000, "float32"), 0.5, seed=4))
    assert set(np.unique(kept)) <= {0.0, 2.0}


def test_functions_on_symbolic_tensors_build_a_model():
    """Keras 2 programs call `K.*` on the tensors of a functional model."""
    import lamina

    inputs = lamina.Input((4, 3))
    outputs = [K.sum(inputs, axis=1), K.batch_dot(inputs, inputs, axes=2),
               K.concatenate([inputs, inputs]), K.argmax(inputs),
               K.expand_dims(K.cast(inputs, "float32")),
               K.categorical_crossentropy(K.softmax(inputs),
                                          K.softmax(inputs))]
    assert [tuple(o.shape) for o in outputs] == [
        (None, 3), (None, 4, 4), (None, 4, 6), (None, 4), (None, 4, 3, 1),
        (None, 4)]
    model = lamina.Model(inputs, outputs)
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    got = model.predict(x, verbose=0)
    np.testing.assert_allclose(got[0], x.sum(1), rtol=1e-5)
    np.testing.assert_allclose(got[1], x @ x.transpose(0, 2, 1), rtol=1e-5)
    np.testing.assert_array_equal(got[3], x.argmax(-1))
