"""The shared layer-test harness: one call checks a layer end to end.

`run_layer_test` builds the layer symbolically and eagerly, compares output
shapes, counts weights, round-trips `get_config` and `state_dict`, takes one
gradient step and, when a Keras reference is given, checks outputs against
Keras 3 with identical weights.
"""

import copy

import numpy as np
import torch

import lamina
from lamina.saving import deserialize_keras_object
from lamina.saving import serialize_keras_object
from lamina.utils import tree


def random_input(shape, dtype="float32", seed=0, low=0, high=10):
    rng = np.random.default_rng(seed)
    if dtype.startswith(("int", "uint")):
        return rng.integers(low, high, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    return rng.standard_normal(shape).astype(dtype)


def _concrete(shape, batch=2):
    return tuple(batch if d is None else d for d in shape)


def _as_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().float().numpy() if x.is_floating_point() \
            else x.detach().cpu().numpy()
    return np.asarray(x)


def run_layer_test(layer_cls, init_kwargs=None, input_shape=None,
                   input_dtype="float32", input_data=None,
                   expected_output_shape=None,
                   expected_num_trainable_weights=None,
                   expected_num_non_trainable_weights=None,
                   expected_num_losses=None, supports_masking=None,
                   call_kwargs=None, run_training_check=True,
                   keras_reference=None, keras_layer_name=None,
                   parity_training=False, atol=1e-5, rtol=1e-5):
    init_kwargs = dict(init_kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    multi_input = isinstance(input_shape, list) and input_shape and \
        isinstance(input_shape[0], (tuple, list))
    if input_data is None:
        shapes = input_shape if multi_input else [input_shape]
        dtypes = input_dtype if isinstance(input_dtype, list) else \
            [input_dtype] * len(shapes)
        assert len(dtypes) == len(shapes), (
            f"{len(shapes)} input shapes but {len(dtypes)} input dtypes"
        )
        arrays = [random_input(_concrete(s), d, seed=i)
                  for i, (s, d) in enumerate(zip(shapes, dtypes))]
        input_data = arrays if multi_input else arrays[0]
    else:
        dtypes = [str(np.asarray(x).dtype) for x in tree.flatten(input_data)]
        input_shape = tree.map_structure(lambda x: x, [
            tuple(np.asarray(x).shape) for x in tree.flatten(input_data)
        ]) if isinstance(input_data, list) else tuple(np.asarray(
            input_data).shape)
        multi_input = isinstance(input_data, list)

    # 1. Symbolic call: output shape inferred without data.
    layer = layer_cls(**init_kwargs)
    if multi_input:
        symbolic_in = [lamina.Input(batch_shape=tuple(s), dtype=d)
                       for s, d in zip(input_shape, dtypes)]
    else:
        symbolic_in = lamina.Input(batch_shape=tuple(input_shape),
                                   dtype=dtypes[0])
    symbolic_out = layer(symbolic_in, **call_kwargs)
    if expected_output_shape is not None:
        got = tree.map_structure(lambda t: t.shape, symbolic_out)
        assert _same_shapes(got, expected_output_shape), (
            f"symbolic output shape {got} != expected {expected_output_shape}"
        )
    if supports_masking is not None:
        assert layer.supports_masking == supports_masking

    # 2. Eager call on data matches the symbolic shape.
    eager_layer = layer_cls(**init_kwargs)
    eager_out = eager_layer(input_data, **call_kwargs)
    eager_shapes = tree.map_structure(lambda t: tuple(t.shape), eager_out)
    symbolic_shapes = tree.map_structure(lambda t: t.shape, symbolic_out)
    assert _same_shapes(eager_shapes, symbolic_shapes, allow_none=True), (
        f"eager shape {eager_shapes} != symbolic shape {symbolic_shapes}"
    )

    # 3. Weight counts.
    if expected_num_trainable_weights is not None:
        assert len(eager_layer.trainable_weights) == \
            expected_num_trainable_weights
    if expected_num_non_trainable_weights is not None:
        assert len(eager_layer.non_trainable_weights) == \
            expected_num_non_trainable_weights
    if expected_num_losses is not None:
        assert len(eager_layer.losses) == expected_num_losses

    # 4. Config round-trip (plain and through the serializer).
    config = eager_layer.get_config()
    clone = layer_cls.from_config(copy.deepcopy(config))
    assert clone.get_config() == config, (clone.get_config(), config)
    revived = deserialize_keras_object(serialize_keras_object(eager_layer))
    assert type(revived) is layer_cls

    # 5. state_dict round-trip gives identical outputs.
    clone(input_data, **call_kwargs)
    clone.load_state_dict(eager_layer.state_dict())
    for a, b in _pairs(eager_layer(input_data, **call_kwargs),
                       clone(input_data, **call_kwargs), "outputs",
                       "the layer", "its state_dict clone"):
        np.testing.assert_allclose(_as_numpy(a), _as_numpy(b), atol=1e-6)

    # 6. One gradient step reaches every trainable weight.
    if run_training_check and eager_layer.trainable_weights:
        outputs = eager_layer(input_data, training=True, **call_kwargs)
        loss = sum(o.float().square().mean() for o in tree.flatten(outputs)
                   if isinstance(o, torch.Tensor) and o.is_floating_point())
        loss = loss + sum(eager_layer.losses) if eager_layer.losses else loss
        loss.backward()
        for weight in eager_layer.trainable_weights:
            assert weight.grad is not None, f"no gradient for {weight.path}"
        before = [w.detach().clone() for w in eager_layer.trainable_weights]
        torch.optim.SGD(eager_layer.trainable_weights, lr=0.1).step()
        assert any(not torch.equal(b, w) for b, w in
                   zip(before, eager_layer.trainable_weights))

    # 7. Parity with Keras 3 using identical weights.
    if keras_reference is not None:
        assert_keras_parity(
            keras_reference, keras_layer_name or layer_cls.__name__,
            init_kwargs, input_data, call_kwargs, parity_training,
            atol=atol, rtol=rtol, lamina_cls=layer_cls,
        )
    return eager_layer


def assert_keras_parity(keras, name, init_kwargs, input_data,
                        call_kwargs=None, training=False, atol=1e-5,
                        rtol=1e-5, lamina_cls=None):
    """Builds the same layer in Keras 3 and Lamina, copies Keras's weights
    into Lamina with `set_weights`, and compares outputs."""
    call_kwargs = dict(call_kwargs or {})
    keras_layer = getattr(keras.layers, name)(**init_kwargs)
    keras_out = keras_layer(input_data, training=training, **call_kwargs)
    ours = (lamina_cls or getattr(lamina.layers, name))(**init_kwargs)
    ours(input_data, **call_kwargs)
    keras_weights = [keras.ops.convert_to_numpy(w) for w in
                     keras_layer.weights]
    assert [w.shape for w in keras_weights] == [
        tuple(w.shape) for w in ours.weights
    ], "weight shapes/order differ from Keras"
    ours.set_weights(keras_weights)
    our_out = ours(input_data, training=training, **call_kwargs)
    for k, o in _pairs(keras_out, our_out, "outputs", "Keras", "Lamina"):
        np.testing.assert_allclose(
            _as_numpy(o), keras.ops.convert_to_numpy(k), atol=atol, rtol=rtol
        )
    return ours, keras_layer


def _pairs(first, second, what, first_name, second_name):
    """The flattened leaves of two structures, paired, after checking that
    both hold as many (a bare `zip` would drop the extra ones silently)."""
    first, second = tree.flatten(first), tree.flatten(second)
    assert len(first) == len(second), (
        f"{first_name} gave {len(first)} {what}, {second_name} "
        f"{len(second)}"
    )
    return zip(first, second)


def _same_shapes(a, b, allow_none=False):
    if isinstance(a, tuple) and all(d is None or isinstance(d, int)
                                    for d in a):
        b = tuple(b)
        if len(a) != len(b):
            return False
        return all(x == y or (allow_none and (x is None or y is None))
                   for x, y in zip(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(
            _same_shapes(x, y, allow_none) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(
            _same_shapes(a[k], b[k], allow_none) for k in a)
    return a == b


def under_row_shard(call, first_row, rows, total_rows):
    """`call()` while draws along `rows` batch rows are rows
    `first_row...` of one process's draws for `total_rows` rows (as
    DataParallel sets them per batch); the shard is cleared afterwards."""
    from lamina import random_masks

    random_masks.set_row_shard(first_row, rows, total_rows)
    try:
        return call()
    finally:
        random_masks.clear_row_shard()
