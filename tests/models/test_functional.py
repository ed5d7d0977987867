import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina import ops


def test_functional_mlp_and_properties():
    inputs = lamina.Input(shape=(784,), name="pixels")
    x = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = lamina.Model(inputs=inputs, outputs=outputs, name="mlp")
    assert type(model).__name__ == "Functional"
    assert isinstance(model, lamina.Model)
    assert model.name == "mlp"
    assert model.count_params() == 784 * 64 + 64 + 64 * 10 + 10
    assert [layer.name for layer in model.layers] == ["pixels", "dense",
                                                      "dense_1"]
    assert model.input_shape == (None, 784)
    assert model.output_shape == (None, 10)
    assert model.inputs == [inputs] and model.outputs == [outputs]
    assert model.get_layer("dense") is model.layers[1]
    assert model.get_layer(index=2) is model.layers[2]
    y = model(np.random.rand(3, 784))
    assert isinstance(y, torch.Tensor) and y.shape == (3, 10)
    assert list(model.state_dict()) == ["dense.kernel", "dense.bias",
                                        "dense_1.kernel", "dense_1.bias"]


def test_multi_input_multi_output_lists_and_dicts():
    a = lamina.Input((4,), name="a")
    b = lamina.Input((6,), name="b")
    merged = ops.concatenate([layers.Dense(3)(a), layers.Dense(3)(b)], axis=-1)
    out1 = layers.Dense(1, name="out1")(merged)
    out2 = layers.Dense(2, name="out2")(merged)
    model = lamina.Model({"a": a, "b": b}, {"out1": out1, "out2": out2})
    result = model({"a": np.ones((2, 4)), "b": np.ones((2, 6))})
    assert set(result) == {"out1", "out2"}
    assert result["out2"].shape == (2, 2)
    listed = lamina.Model([a, b], [out1, out2])
    r1, r2 = listed([np.ones((2, 4)), np.ones((2, 6))])
    np.testing.assert_allclose(r1.detach(), result["out1"].detach())
    by_name = listed({"a": np.ones((2, 4)), "b": np.ones((2, 6))})
    assert by_name[1].shape == (2, 2)


def test_shared_layer_creates_one_node_per_call():
    shared = layers.Dense(5, name="shared")
    a, b = lamina.Input((3,)), lamina.Input((3,))
    model = lamina.Model([a, b], ops.add(shared(a), shared(b)))
    assert len(shared._inbound_nodes) == 2
    assert shared(a)._keras_history[1] == 2
    x = np.random.rand(2, 3).astype("float32")
    out = model([x, x])
    expected = 2 * (torch.as_tensor(x) @ shared.kernel + shared.bias)
    torch.testing.assert_close(out, expected)


def test_nested_model_and_calling_on_new_inputs():
    inner_in = lamina.Input((8,))
    inner = lamina.Model(inner_in, layers.Dense(4)(inner_in), name="inner")
    outer_in = lamina.Input((8,))
    features = inner(outer_in)
    assert features.shape == (None, 4)
    outer = lamina.Model(outer_in, layers.Dense(1)(features))
    assert outer.count_params() == 8 * 4 + 4 + 4 + 1
    assert outer.get_layer("inner") is inner
    assert outer(np.ones((2, 8))).shape == (2, 1)
    assert "inner.dense.kernel" in outer.state_dict()


def test_keras_tensor_operators_record_nodes():
    x = lamina.Input((4,))
    y = (x * 2.0 + 1.0) - x / 4.0
    z = -(y @ ops.ones((4, 2)))
    w = z[:, :1]
    model = lamina.Model(x, [z, w])
    data = torch.arange(8.0).reshape(2, 4)
    out_z, out_w = model(data)
    expected = -(((data * 2 + 1) - data / 4) @ torch.ones(4, 2))
    torch.testing.assert_close(out_z, expected)
    assert w.shape == (None, 1) and out_w.shape == (2, 1)


def test_graph_disconnected_error():
    a, b = lamina.Input((3,), name="a"), lamina.Input((3,), name="b")
    out = ops.add(layers.Dense(2)(a), layers.Dense(2)(b))
    with pytest.raises(ValueError, match="Graph disconnected"):
        lamina.Model(a, out)


def test_duplicate_layer_names_error():
    a = lamina.Input((3,))
    x = layers.Dense(2, name="same")(a)
    y = layers.Dense(2, name="same")(x)
    with pytest.raises(ValueError, match='"same" is used 2 times'):
        lamina.Model(a, y)


def test_non_symbolic_outputs_error():
    a = lamina.Input((3,))
    with pytest.raises(ValueError, match="symbolic tensors.*Received"):
        lamina.Model(a, torch.ones(2))


def test_shared_layer_fed_incompatible_shapes():
    shared = layers.Dense(2, name="shared_fc")
    shared(lamina.Input((3,)))
    with pytest.raises(ValueError, match='"shared_fc".*axis -1.*value 3'):
        shared(lamina.Input((5,)))


def test_wrong_number_of_inputs_and_missing_key():
    a, b = lamina.Input((3,), name="a"), lamina.Input((3,), name="b")
    model = lamina.Model([a, b], ops.add(a, b))
    with pytest.raises(ValueError, match="expects 2 input"):
        model([np.ones((1, 3))])
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        model({"a": np.ones((1, 3))})


def test_input_validation():
    with pytest.raises(ValueError, match="shape.*batch_shape"):
        lamina.Input(shape=(3,), batch_shape=(None, 3))
    with pytest.raises(ValueError, match="non-negative.*-2"):
        lamina.Input(shape=(-2, 3))
    with pytest.raises(ValueError, match="must pass a `shape`"):
        lamina.Input()


def test_get_layer_errors():
    a = lamina.Input((3,))
    model = lamina.Model(a, layers.Dense(2)(a))
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 7.*2 layers"):
        model.get_layer(index=7)


def test_int_inputs_are_cast_to_input_dtype():
    tokens = lamina.Input((5,), dtype="int32")
    model = lamina.Model(tokens, ops.cast(tokens, "float32") * 1.0)
    out = model(np.arange(10).reshape(2, 5))
    assert out.dtype == torch.float32


def test_functional_subclass_passing_inputs_outputs():
    class Wrapped(lamina.Model):
        def __init__(self):
            inputs = lamina.Input((3,))
            super().__init__(inputs, layers.Dense(2)(inputs), name="wrapped")

    model = Wrapped()
    assert model.output_shape == (None, 2)
    assert model(np.ones((4, 3))).shape == (4, 2)


def test_single_output_in_a_list_is_returned_bare_as_in_keras():
    a = lamina.Input((4,))
    model = lamina.Model(a, [layers.Dense(1)(a)])
    out = model(np.ones((2, 4)))
    assert isinstance(out, torch.Tensor) and out.shape == (2, 1)
    assert model.output_shape == (None, 1)
    model.compile("sgd", "mse")
    assert model.predict(np.ones((2, 4)), verbose=0).shape == (2, 1)
