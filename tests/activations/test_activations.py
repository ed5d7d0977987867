"""Numerical parity of every activation with Keras 3, plus edge cases."""

import numpy as np
import pytest
import torch

from lamina import activations

SHAPES = [(7,), (4, 6), (2, 3, 8)]

# (name, kwargs): every activation, with its defaults and notable arguments.
CASES = [
    ("relu", {}),
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"max_value": 2.5}),
    ("relu", {"threshold": 0.3}),
    ("relu", {"threshold": -1.0}),
    ("relu", {"max_value": 2.5, "threshold": 0.3}),
    ("relu", {"negative_slope": 0.1, "max_value": 6.0}),
    ("relu", {"negative_slope": 0.3, "threshold": 0.5}),
    ("relu", {"negative_slope": 0.2, "max_value": 1.0, "threshold": -0.5}),
    ("sigmoid", {}),
    ("softmax", {}),
    ("softmax", {"axis": 0}),
    ("tanh", {}),
    ("linear", {}),
    ("gelu", {}),
    ("gelu", {"approximate": True}),
    ("silu", {}),
    ("swish", {}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("selu", {}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.05}),
    ("relu6", {}),
    ("softplus", {}),
    ("softsign", {}),
    ("exponential", {}),
    ("hard_sigmoid", {}),
    ("hard_silu", {}),
    ("hard_swish", {}),
    ("mish", {}),
    ("log_softmax", {}),
    ("log_softmax", {"axis": 0}),
    ("celu", {}),
    ("celu", {"alpha": 2.0}),
    ("glu", {}),
    ("hard_shrink", {}),
    ("hard_shrink", {"threshold": 1.0}),
    ("hard_tanh", {}),
    ("log_sigmoid", {}),
    ("soft_shrink", {}),
    ("soft_shrink", {"threshold": 1.0}),
    ("squareplus", {}),
    ("squareplus", {"b": 1}),
    ("tanh_shrink", {}),
    ("sparse_plus", {}),
    ("sparse_sigmoid", {}),
    ("threshold", {"threshold": 0.5, "default_value": -2.0}),
]


def _inputs(shape, seed=0):
    x = np.random.default_rng(seed).normal(size=shape).astype("float32") * 3
    # Put the kinks and boundaries of the piecewise functions in play.
    flat = x.reshape(-1)
    specials = [-3.0, -1.0, 0.0, 0.5, 1.0, 3.0, -0.5, 6.0]
    flat[: min(len(specials), flat.size)] = specials[: flat.size]
    return x


def _keras(keras, name, x, **kwargs):
    out = getattr(keras.activations, name)(x, **kwargs)
    return keras.ops.convert_to_numpy(out)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(
    "name,kwargs", CASES, ids=[f"{n}{k or ''}" for n, k in CASES]
)
def test_matches_keras(keras_ref, name, kwargs, shape):
    if name == "glu" and shape[-1] % 2:
        shape = shape[:-1] + (shape[-1] + 1,)
    x = _inputs(shape)
    out = getattr(activations, name)(torch.from_numpy(x), **kwargs)
    assert isinstance(out, torch.Tensor)
    expected = _keras(keras_ref, name, x, **kwargs)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.cpu().numpy(), expected, rtol=1e-5,
                               atol=1e-5)


def test_every_keras_activation_exists(keras_ref):
    public = [
        n for n in dir(keras_ref.activations)
        if not n.startswith("_")
        and n not in ("get", "serialize", "deserialize")
    ]
    assert len(public) == 32
    for name in public:
        assert callable(getattr(activations, name)), name
    assert activations.swish is activations.silu
    assert activations.hard_swish is activations.hard_silu


@pytest.mark.parametrize(
    "axis", [-1, 1, (0, 1), (1, 2), (0, 2), None], ids=str
)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_axes_match_keras(keras_ref, name, axis):
    x = _inputs((2, 3, 4), seed=1)
    out = getattr(activations, name)(torch.from_numpy(x), axis=axis)
    expected = _keras(keras_ref, name, x, axis=axis)
    np.testing.assert_allclose(out.cpu().numpy(), expected, rtol=1e-5,
                               atol=1e-5)


def test_softmax_rank_1_is_allowed_as_in_keras_3(keras_ref):
    # Keras 2 refused 1D inputs; Keras 3 normalizes along the only axis.
    x = np.array([-1.0, 0.0, 1.0], "float32")
    out = activations.softmax(torch.from_numpy(x))
    np.testing.assert_allclose(
        out.cpu().numpy(), _keras(keras_ref, "softmax", x), rtol=1e-6
    )
    np.testing.assert_allclose(
        out.cpu().numpy(), [0.09003057, 0.24472847, 0.66524096], rtol=1e-6
    )


def test_softmax_over_size_one_axis_warns():
    with pytest.warns(UserWarning, match="size 1"):
        out = activations.softmax(torch.ones(3, 1))
    assert torch.equal(out, torch.ones(3, 1))


def _sparsemax_reference(z):
    """Projection of each row of `z` onto the simplex (Martins 2016)."""
    out = np.empty_like(z)
    for i, row in enumerate(z):
        ranked = np.sort(row)[::-1]
        cumulative = np.cumsum(ranked)
        ks = np.arange(1, len(row) + 1)
        k = ks[1 + ranked * ks > cumulative].max()
        tau = (cumulative[k - 1] - 1) / k
        out[i] = np.maximum(row - tau, 0)
    return out


def test_sparsemax_matches_keras_when_one_entry_survives(keras_ref):
    # Entries 2 apart: only the largest is in the support.
    x = np.arange(24, dtype="float32").reshape(2, 12) * 2
    out = activations.sparsemax(torch.from_numpy(x))
    np.testing.assert_allclose(
        out.cpu().numpy(), _keras(keras_ref, "sparsemax", x), atol=1e-6
    )


def test_sparsemax_is_the_simplex_projection():
    # Keras 3.15.1 sums the cumulative sums over the support (upstream
    # keras-team/keras#23425), so its outputs need not sum to 1; Lamina
    # follows the published definition.
    x = np.random.default_rng(2).normal(size=(6, 9)).astype("float32")
    out = activations.sparsemax(torch.from_numpy(x)).cpu().numpy()
    np.testing.assert_allclose(out, _sparsemax_reference(x), atol=1e-6)
    np.testing.assert_allclose(out.sum(-1), np.ones(6), atol=1e-6)
    assert (out == 0).any()
    known = activations.sparsemax(torch.tensor([[0.0, 0.5, 1.0]]))
    np.testing.assert_allclose(known.cpu().numpy(), [[0.0, 0.25, 0.75]])


def test_sparsemax_other_axis():
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    along_0 = activations.sparsemax(x, axis=0)
    torch.testing.assert_close(along_0, activations.sparsemax(x.T).T)


@pytest.mark.parametrize(
    "name", ["relu", "gelu", "softmax", "sparsemax", "mish", "sparse_plus"]
)
def test_float64_stays_float64(keras_ref, name):
    x = _inputs((3, 4)).astype("float64")
    out = getattr(activations, name)(torch.from_numpy(x))
    assert out.dtype == torch.float64
    if name != "sparsemax":
        np.testing.assert_allclose(
            out.cpu().numpy(), _keras(keras_ref, name, x), rtol=1e-10,
            atol=1e-10
        )


def test_numpy_and_python_inputs_are_converted():
    out = activations.relu(np.array([-1.0, 2.0], "float32"))
    assert isinstance(out, torch.Tensor)
    assert out.tolist() == [0.0, 2.0]
    assert activations.sigmoid([0.0]).tolist() == [0.5]


def test_linear_returns_its_input():
    x = torch.randn(3)
    assert activations.linear(x) is x


def test_gradients_flow():
    x = torch.randn(4, 6, requires_grad=True)
    for name in ["relu", "gelu", "softmax", "sparsemax", "sparse_sigmoid",
                 "squareplus", "glu"]:
        getattr(activations, name)(x).sum().backward()
        assert x.grad is not None and torch.isfinite(x.grad).all(), name
        x.grad = None


def test_relu_max_value_and_negative_slope_formula():
    x = torch.tensor([-2.0, -0.5, 0.5, 3.0, 8.0])
    out = activations.relu(x, negative_slope=0.5, max_value=4.0, threshold=1.0)
    # Below the threshold: slope * (x - threshold); above: min(x, max).
    expected = torch.tensor([-1.5, -0.75, -0.25, 3.0, 4.0])
    torch.testing.assert_close(out, expected)


def test_glu_needs_an_even_axis():
    with pytest.raises(ValueError, match="must be even"):
        activations.glu(torch.ones(2, 3))
    assert activations.glu(torch.ones(2, 4)).shape == (2, 2)


def test_threshold_needs_its_arguments():
    with pytest.raises(TypeError):
        activations.threshold(torch.ones(2))


@pytest.mark.parametrize("name", ["soft_shrink", "hard_shrink"])
def test_shrink_rejects_negative_threshold(name):
    with pytest.raises(ValueError, match="threshold=-1"):
        getattr(activations, name)(torch.ones(2), threshold=-1.0)


def test_torch_compile_friendly():
    fn = torch.compile(
        lambda x: activations.softmax(activations.relu(x, max_value=6.0)),
        backend="eager", fullgraph=True,
    )
    x = torch.randn(3, 4)
    torch.testing.assert_close(
        fn(x), activations.softmax(activations.relu(x, max_value=6.0))
    )


@pytest.mark.parametrize("name,kwargs", CASES,
                         ids=[f"{n}{k or ''}" for n, k in CASES])
def test_meta_tensors_for_shape_inference(name, kwargs):
    # Symbolic shape inference runs layers on meta tensors: every activation
    # must stay on the input's device and keep its shape.
    x = torch.empty(2, 3, 8, device="meta")
    out = getattr(activations, name)(x, **kwargs)
    assert out.device.type == "meta"
    expected = (2, 3, 4) if name == "glu" else (2, 3, 8)
    assert tuple(out.shape) == expected
    out = activations.sparsemax(x)
    assert out.device.type == "meta" and out.shape == x.shape


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_tensors_stay_on_cuda():
    x = torch.randn(4, 6, device="cuda")
    for name, kwargs in CASES:
        out = getattr(activations, name)(x, **kwargs)
        assert out.device == x.device, name
