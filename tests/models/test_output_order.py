"""Functional models order outputs, layers and weights as Keras 3 (torch
backend) does: the outermost dict of an output structure is walked in
sorted key order, dicts below it and lists in their own order. So weights
move with `set_weights(keras_model.get_weights())` for every shape."""

import numpy as np
import pytest


def _build(lib, kind):
    L = lib.layers
    x = lib.Input((4,), name="x")
    trunk = L.Dense(5, name="trunk")(x)
    zeta = L.Dense(2, name="zeta")(trunk)
    alpha = L.Dense(3, name="alpha")(trunk)
    mid = L.Dense(1, name="mid")(x)
    inputs = x
    if kind == "dict":
        outputs = {"z_out": zeta, "a_out": alpha, "m_out": mid}
    elif kind == "nested_dict":
        outputs = {"z": {"q": zeta, "b": mid}, "a": alpha}
    elif kind == "dicts_in_list":
        outputs = [{"q": zeta, "b": mid}, alpha]
    elif kind == "list":
        outputs = [zeta, alpha, mid]
    else:  # dict inputs and outputs
        w = lib.Input((4,), name="w")
        inputs = {"zz": x, "aa": w}
        outputs = {"z_out": zeta, "a_out": L.Dense(3, name="alpha2")(w)}
    return lib.Model(inputs, outputs)


def _flat(value):
    if isinstance(value, dict):
        return [(k, v) for key in value for k, v in
                [(key + "/" + k2, v2) for k2, v2 in _flat(value[key])]]
    if isinstance(value, (list, tuple)):
        return [(str(i) + "/" + k, v) for i, item in enumerate(value)
                for k, v in _flat(item)]
    return [("", value)]


@pytest.mark.parametrize("kind", ["dict", "nested_dict", "dicts_in_list",
                                  "list", "dict_io"])
def test_layers_weights_and_outputs_follow_keras(keras_ref, kind):
    import lamina

    ref = _build(keras_ref, kind)
    ours = _build(lamina, kind)
    assert [layer.name for layer in ours.layers] == [
        layer.name for layer in ref.layers]
    assert [w.path for w in ours.weights] == [w.path for w in ref.weights]
    assert [t.shape for t in ours.outputs] == [
        tuple(t.shape) for t in ref.outputs]
    ours.set_weights(ref.get_weights())
    rng = np.random.default_rng(0)
    if kind == "dict_io":
        x = {"zz": rng.normal(size=(2, 4)).astype("float32"),
             "aa": rng.normal(size=(2, 4)).astype("float32")}
    else:
        x = rng.normal(size=(2, 4)).astype("float32")
    got, expected = ours.predict(x, verbose=0), ref.predict(x, verbose=0)
    got, expected = _flat(got), _flat(expected)
    # Same structure, same key order, same values.
    assert [k for k, _ in got] == [k for k, _ in expected]
    for (_, a), (_, b) in zip(got, expected):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_dict_inputs_flatten_in_keras_order(keras_ref):
    import lamina

    def build(lib):
        x = lib.Input((4,), name="x")
        w = lib.Input((2,), name="w")
        return lib.Model({"zz": x, "aa": w},
                         lib.layers.Concatenate()([x, w]))

    ours, ref = build(lamina), build(keras_ref)
    assert [t.name for t in ours.inputs] == [t.name for t in ref.inputs] == [
        "w", "x"]
    x = {"zz": np.ones((1, 4), "float32"), "aa": np.zeros((1, 2), "float32")}
    np.testing.assert_array_equal(ours.predict(x, verbose=0),
                                  ref.predict(x, verbose=0))
