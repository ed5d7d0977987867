import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.core.lambda_layer import Lambda
from lamina.saving import register_keras_serializable
from lamina.saving.serialization import SafeModeScope
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object


@pytest.fixture
def keras_ref():
    """The shared `keras_ref` fixture without its full garbage collection
    (`clear_session()` collects, ~0.8 s per test on this machine)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras


@register_keras_serializable(package="lamina_tests")
def double_plus_one(x):
    return x * 2 + 1


@register_keras_serializable(package="lamina_tests")
def scaled(x, scale=1.0):
    return x * scale


@register_keras_serializable(package="lamina_tests")
def first_two_features(x):
    return x[..., :2]


@register_keras_serializable(package="lamina_tests")
def drop_last_axis(input_shape):
    return tuple(input_shape[:-1])


@register_keras_serializable(package="lamina_tests")
def sum_last_axis(x):
    return x.sum(-1)


def unregistered(x):
    return x - 1


@pytest.mark.parametrize("kwargs,expected", [
    ({"function": double_plus_one}, (2, 3, 4)),
    ({"function": first_two_features}, (2, 3, 2)),
    ({"function": first_two_features, "output_shape": (3, 2)}, (2, 3, 2)),
    ({"function": sum_last_axis, "output_shape": drop_last_axis}, (2, 3)),
    ({"function": scaled, "arguments": {"scale": 3.0}}, (2, 3, 4)),
])
def test_lambda_harness_and_parity(keras_ref, kwargs, expected):
    run_layer_test(
        Lambda, kwargs, input_shape=(2, 3, 4), expected_output_shape=expected,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=False,
        keras_reference=keras_ref,
    )


def test_lambda_values():
    x = torch.tensor([[1.0, 2.0]])
    torch.testing.assert_close(Lambda(lambda t: t ** 2)(x),
                               torch.tensor([[1.0, 4.0]]))
    out = Lambda(scaled, arguments={"scale": -1.0})(x)
    torch.testing.assert_close(out, -x)


def test_lambda_output_shape_inferred_keeps_dtype():
    out = Lambda(lambda t: t.long())(lamina.Input((3,)))
    assert out.shape == (None, 3) and out.dtype == "int64"
    assert Lambda(lambda t: t[:, 0])(lamina.Input((5, 4))).shape == (None, 4)


def test_lambda_compute_output_shape_direct():
    assert Lambda(first_two_features).compute_output_shape((None, 5)) == \
        (None, 2)
    assert Lambda(unregistered, output_shape=(7,)).compute_output_shape(
        (None, 5)) == (None, 7)
    assert Lambda(sum_last_axis, output_shape=drop_last_axis) \
        .compute_output_shape((None, 5, 6)) == (None, 5)


def test_lambda_multiple_outputs():
    a, b = Lambda(lambda t: [t, t[:, :1]])(lamina.Input((3,)))
    assert a.shape == (None, 3) and b.shape == (None, 1)
    a, b = Lambda(lambda t: (t, t), output_shape=[(3,), (3,)])(
        lamina.Input((3,)))
    assert a.shape == b.shape == (None, 3)


def test_lambda_uninferable_output_shape_names_layer():
    layer = Lambda(lambda t: t.reshape(5, 7), name="bad_lambda")
    with pytest.raises(ValueError) as info:
        layer(lamina.Input((3,)))
    message = str(info.value)
    assert "bad_lambda" in message and "output_shape" in message
    with pytest.raises(ValueError, match="bad_lambda"):
        layer.compute_output_shape((None, 3))


def test_lambda_non_tensor_output_is_uninferable():
    layer = Lambda(lambda t: "not a tensor", name="str_lambda")
    with pytest.raises(ValueError, match="str_lambda.*output_shape"):
        layer(lamina.Input((3,)))


def test_lambda_given_output_shape_skips_tracing():
    # The function cannot run on placeholders, but its shape is given.
    layer = Lambda(lambda t: t.reshape(5, 7), output_shape=(7,))
    assert layer(lamina.Input((3,))).shape == (None, 7)


def test_lambda_passes_mask_and_training():
    seen = {}

    def fn(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x

    x = torch.ones(2, 3, 4)
    mask = torch.tensor([[True, False, True], [True, True, False]])
    Lambda(fn)(x, mask=mask, training=True)
    assert torch.equal(seen["mask"].cpu(), mask.cpu())
    assert seen["training"] is True


def test_lambda_mask_argument():
    x = torch.ones(2, 3)
    x._keras_mask = torch.tensor([True, False])
    dropped = Lambda(lambda t: t * 1)(x)
    assert getattr(dropped, "_keras_mask", None) is None
    layer = Lambda(lambda t: t * 1, mask=lambda t, m: ~m)
    assert layer.supports_masking
    assert torch.equal(layer(x)._keras_mask.cpu(),
                       torch.tensor([False, True]))
    fixed = Lambda(lambda t: t, mask=[True])
    assert fixed.compute_mask(x, None) == [True]


def test_lambda_config_for_named_function_matches_keras(keras_ref):
    ours = Lambda(unregistered, output_shape=(3,), name="l").get_config()
    theirs = keras_ref.layers.Lambda(
        unregistered, output_shape=(3,), name="l").get_config()
    assert ours == theirs
    assert ours["function"] == {
        "module": "builtins", "class_name": "function",
        "config": "unregistered", "registered_name": "function",
    }


def test_lambda_config_for_python_lambda_matches_keras_layout(keras_ref):
    fn = lambda t: t + 1  # noqa: E731
    ours = Lambda(fn, mask=[True], name="l").get_config()
    theirs = keras_ref.layers.Lambda(fn, mask=[True], name="l").get_config()
    assert ours.keys() == theirs.keys()
    assert ours["function"]["class_name"] == "__lambda__"
    assert ours["function"]["config"].keys() == \
        theirs["function"]["config"].keys() == {"code", "defaults", "closure"}
    # Same bytecode; Keras wraps its base64 text in lines.
    assert ours["function"]["config"]["code"] == \
        theirs["function"]["config"]["code"].replace("\n", "")
    assert ours["mask"] == theirs["mask"] == [True]


def test_lambda_from_config_refuses_lambda_in_safe_mode():
    config = Lambda(lambda t: t + 1).get_config()
    with pytest.raises(ValueError, match="safe_mode"):
        Lambda.from_config(config)
    with pytest.raises(ValueError, match="safe_mode"):
        deserialize_keras_object(serialize_keras_object(
            Lambda(lambda t: t + 1)))
    config = Lambda(double_plus_one, output_shape=lambda s: s).get_config()
    with pytest.raises(ValueError, match="safe_mode"):
        Lambda.from_config(config)


def test_lambda_from_config_loads_lambda_outside_safe_mode():
    offset = 3.0
    layer = Lambda(lambda t, k=2.0: t * k + offset,
                   output_shape=lambda s: s)
    config = layer.get_config()
    x = torch.randn(2, 3)
    revived = Lambda.from_config(config, safe_mode=False)
    torch.testing.assert_close(revived(x), x * 2.0 + 3.0)
    assert revived.compute_output_shape((None, 3)) == (None, 3)
    with SafeModeScope(safe_mode=False):
        revived = deserialize_keras_object(serialize_keras_object(layer))
    torch.testing.assert_close(revived(x), x * 2.0 + 3.0)


def test_lambda_arguments_with_arrays_round_trip():
    layer = Lambda(scaled, arguments={"scale": np.array([1.0, 2.0],
                                                        dtype="float32")})
    revived = Lambda.from_config(layer.get_config())
    x = torch.ones(1, 2)
    torch.testing.assert_close(revived(x), torch.tensor([[1.0, 2.0]]))


def test_lambda_requires_callable():
    with pytest.raises(ValueError, match="function"):
        Lambda(3)
