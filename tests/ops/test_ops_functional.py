"""Ops that take functions or randomness (`scan`, `associative_scan`,
`switch`, `map`, `vectorized_map`, `custom_gradient`, `jvp`,
`elastic_transform`): against Keras 3 where it is deterministic, and by
their defining properties otherwise."""

import numpy as np
import pytest
import torch

import lamina.ops as ops

rng = np.random.default_rng(3)
X = rng.standard_normal((5, 3)).astype("float32")


def _numpy(value):
    if isinstance(value, (list, tuple)):
        return [_numpy(v) for v in value]
    return value.detach().cpu().numpy() if hasattr(value, "detach") \
        else np.asarray(value)


def _same(got, expected):
    got, expected = _numpy(got), _numpy(expected)
    if isinstance(expected, list):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            _same(g, e)
        return
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


CALLS = {
    "scan": lambda o: o.scan(lambda c, x: (c + x, c * x),
                             o.zeros((3,)), o.convert_to_tensor(X)),
    "scan/reverse": lambda o: o.scan(lambda c, x: (c * 0.5 + x, c),
                                     o.ones((3,)), o.convert_to_tensor(X),
                                     reverse=True),
    "scan/length": lambda o: o.scan(lambda c, x: (c + 1.0, c * 2.0),
                                    o.zeros(()), None, length=4),
    "associative_scan": lambda o: o.associative_scan(
        lambda a, b: a + b, o.convert_to_tensor(X)),
    "associative_scan/reverse": lambda o: o.associative_scan(
        lambda a, b: o.maximum(a, b), o.convert_to_tensor(X), reverse=True,
        axis=1),
    "switch": lambda o: o.switch(1, [lambda a: a + 1, lambda a: a * 3],
                                 o.convert_to_tensor(X)),
    "switch/clamped": lambda o: o.switch(-4, [lambda a: a + 1,
                                              lambda a: a * 3],
                                         o.convert_to_tensor(X)),
    "map": lambda o: o.map(lambda row: o.sum(row * row),
                           o.convert_to_tensor(X)),
    "vectorized_map": lambda o: o.vectorized_map(
        lambda row: o.flip(row), o.convert_to_tensor(X)),
    "fori_loop": lambda o: o.fori_loop(0, 3, lambda i, v: v * 2.0,
                                       o.convert_to_tensor(X)),
    "while_loop": lambda o: o.while_loop(
        lambda v: o.sum(v) < 100.0, lambda v: v + 1.0,
        o.ones((2,)), maximum_iterations=7),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_matches_keras(keras_ref, name):
    _same(CALLS[name](ops), CALLS[name](keras_ref.ops))


def test_custom_gradient_replaces_the_gradient(keras_ref):
    @ops.custom_gradient
    def clipped_identity(x):
        def grad(upstream):
            return upstream * 0.5
        return x * 1.0, grad

    x = torch.tensor(X, requires_grad=True)
    clipped_identity(x).sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), np.full_like(X, 0.5))


def test_jvp_matches_the_analytic_derivative():
    x, t = torch.tensor(X), torch.ones(5, 3)
    out, tangent = ops.jvp(lambda v: torch.sin(v), (x,), (t,))
    np.testing.assert_allclose(tangent.cpu().numpy(), np.cos(X), rtol=1e-6)
    np.testing.assert_allclose(out.cpu().numpy(), np.sin(X), rtol=1e-6)


def test_elastic_transform_is_seeded_and_alpha_zero_is_identity():
    images = rng.uniform(size=(2, 12, 10, 3)).astype("float32")
    first = ops.image.elastic_transform(images, seed=5)
    again = ops.image.elastic_transform(images, seed=5)
    other = ops.image.elastic_transform(images, seed=6)
    assert first.shape == (2, 12, 10, 3)
    np.testing.assert_array_equal(first.cpu().numpy(), again.cpu().numpy())
    assert not np.allclose(first.cpu().numpy(), other.cpu().numpy())
    still = ops.image.elastic_transform(images, alpha=0.0, seed=5)
    np.testing.assert_allclose(still.cpu().numpy(), images, atol=1e-6)


def test_scatter_update_reductions():
    base = np.arange(6, dtype="float32").reshape(2, 3)
    index = np.array([[0, 1], [0, 1], [1, 2]])
    updates = np.array([10.0, 20.0, -1.0], "float32")
    added = ops.scatter_update(base, index, updates, reduction="add")
    np.testing.assert_allclose(added.cpu().numpy(), [[0, 31, 2], [3, 4, 4]])
    largest = ops.scatter_update(base, index, updates, reduction="max")
    np.testing.assert_allclose(largest.cpu().numpy(), [[0, 20, 2], [3, 4, 5]])
    with pytest.raises(ValueError, match="reduction"):
        ops.scatter_update(base, index, updates, reduction="mean")


def test_beam_search_ranks_paths_by_probability():
    # Two steps, classes {blank, 1, 2}: "1" is the likeliest sequence.
    probs = np.log(np.array([[[0.1, 0.6, 0.3], [0.5, 0.3, 0.2]]], "float32"))
    decoded, scores = ops.ctc_decode(probs, np.array([2]),
                                     strategy="beam_search", beam_width=5,
                                     top_paths=2)
    assert decoded[0, 0].tolist()[:1] == [1]
    assert scores[0, 0] >= scores[0, 1]


def test_argpartition_partitions_around_kth():
    x = rng.standard_normal((4, 9)).astype("float32")
    indices = ops.argpartition(x, 3).cpu().numpy()
    picked = np.take_along_axis(x, indices, axis=1)
    assert indices.dtype == np.int32
    assert (picked[:, :3] <= picked[:, 3:4]).all()
    assert (picked[:, 4:] >= picked[:, 3:4]).all()
    assert sorted(indices[0].tolist()) == list(range(9))


def test_saturate_cast_clips_to_the_target_range():
    """Keras's torch backend wraps float32 3e9 around to int32's minimum;
    Lamina saturates to the largest float32 below int32's maximum."""
    out = ops.saturate_cast(np.array([3e9, -3e9, 5.5], "float32"), "int32")
    assert out.dtype == torch.int32
    assert out.tolist() == [2147483520, -2147483648, 5]


def test_histogram_takes_1d_input_only():
    counts, edges = ops.histogram(np.array([0.1, 0.2, 0.9], "float32"),
                                  bins=2, range=(0.0, 1.0))
    assert counts.tolist() == [2.0, 1.0] and edges.tolist() == [0, 0.5, 1]
    with pytest.raises(ValueError, match="1D"):
        ops.histogram(np.zeros((2, 2), "float32"))


def test_ops_build_a_functional_model_that_matches_eager():
    import lamina

    images = rng.uniform(size=(2, 8, 8, 3)).astype("float32")
    kernel = rng.standard_normal((3, 3, 3, 4)).astype("float32")
    inputs = lamina.Input((8, 8, 3))
    x = ops.conv(inputs, kernel, padding="same")
    x = ops.max_pool(ops.relu(x), 2)
    x = ops.image.resize(x, (6, 6))
    outputs = ops.logsumexp(ops.reshape(x, (-1, 6 * 6 * 4)), axis=-1)
    model = lamina.Model(inputs, outputs)
    assert tuple(outputs.shape) == (None,)
    eager = ops.logsumexp(ops.reshape(ops.image.resize(ops.max_pool(
        ops.relu(ops.conv(images, kernel, padding="same")), 2), (6, 6)),
        (-1, 144)), axis=-1)
    np.testing.assert_allclose(_numpy(model(images)), eager.cpu().numpy(),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["scan", "associative_scan", "switch",
                                  "map", "vectorized_map"])
def test_function_ops_work_on_keras_tensors(name):
    import lamina

    x = lamina.KerasTensor((5, 3))
    calls = {
        "scan": lambda o, v: o.scan(lambda c, r: (c + r, c * r),
                                    o.zeros((3,)), v),
        "associative_scan": lambda o, v: o.associative_scan(
            lambda a, b: a + b, v),
        "switch": lambda o, v: o.switch(0, [lambda a: a * 2,
                                            lambda a: a], v),
        "map": lambda o, v: o.map(lambda r: o.sum(r), v),
        "vectorized_map": lambda o, v: o.vectorized_map(
            lambda r: o.flip(r), v),
    }
    symbolic = calls[name](ops, x)
    eager = calls[name](ops, torch.tensor(X))
    flat = symbolic if isinstance(symbolic, tuple) else (symbolic,)
    eager = eager if isinstance(eager, tuple) else (eager,)
    assert [tuple(s.shape) for s in flat] == [tuple(e.shape) for e in eager]
    assert all(isinstance(s, lamina.KerasTensor) for s in flat)
