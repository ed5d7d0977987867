"""Regularizers: Keras's penalties, configs, names and argument checks."""

import numpy as np
import pytest
import torch

from lamina import regularizers
from lamina.saving import register_keras_serializable

CASES = [
    ("L1", {}), ("L1", {"l1": 0.3}),
    ("L2", {}), ("L2", {"l2": 0.25}),
    ("L1L2", {}), ("L1L2", {"l1": 0.01}), ("L1L2", {"l2": 0.02}),
    ("L1L2", {"l1": 0.01, "l2": 0.02}), ("L1L2", {"l1": None, "l2": 0.5}),
    ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
    ("OrthogonalRegularizer", {"factor": 0.2, "mode": "rows"}),
]
IDS = [f"{n}{k}" for n, k in CASES]


def _weight(shape, dtype="float32", seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(6, 4), (3, 7)], ids=str)
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_penalty_matches_keras(keras_ref, name, kwargs, shape, dtype):
    w = _weight(shape, dtype)
    ours = getattr(regularizers, name)(**kwargs)(torch.from_numpy(w))
    theirs = getattr(keras_ref.regularizers, name)(**kwargs)(
        keras_ref.ops.convert_to_tensor(w)
    )
    theirs = keras_ref.ops.convert_to_numpy(theirs)
    assert isinstance(ours, torch.Tensor) and ours.ndim == 0
    assert ours.dtype == torch.from_numpy(np.asarray(theirs)).dtype
    np.testing.assert_allclose(ours.cpu().numpy(), theirs, rtol=1e-5,
                               atol=1e-7)


@pytest.mark.parametrize("name", ["L1", "L2", "L1L2"])
def test_penalty_on_higher_rank_weights_matches_keras(keras_ref, name):
    w = _weight((3, 3, 4, 5))
    ours = getattr(regularizers, name)(0.1)(torch.from_numpy(w))
    theirs = getattr(keras_ref.regularizers, name)(0.1)(w)
    np.testing.assert_allclose(
        ours.cpu().numpy(), keras_ref.ops.convert_to_numpy(theirs), rtol=1e-5
    )


def test_formulas():
    w = torch.tensor([[1.0, -2.0], [3.0, 0.0]])
    torch.testing.assert_close(regularizers.L1(0.5)(w), torch.tensor(3.0))
    torch.testing.assert_close(regularizers.L2(0.5)(w), torch.tensor(7.0))
    torch.testing.assert_close(
        regularizers.L1L2(l1=0.5, l2=0.5)(w), torch.tensor(10.0)
    )
    assert regularizers.L1L2()(w).item() == 0.0
    orthogonal = regularizers.OrthogonalRegularizer(factor=1.0)
    assert orthogonal(torch.eye(3)).item() == 0.0
    # Two identical rows: the off-diagonal |cos| sum is 2 (both orderings)
    # over one pair, times 0.5 * factor.
    torch.testing.assert_close(orthogonal(torch.ones(2, 3)),
                               torch.tensor(1.0))


def test_penalty_is_differentiable():
    w = torch.nn.Parameter(torch.randn(4, 3))
    for reg in [regularizers.L1(), regularizers.L2(), regularizers.L1L2(
            0.1, 0.1), regularizers.OrthogonalRegularizer()]:
        reg(w).backward()
        assert w.grad is not None and torch.isfinite(w.grad).all()
        w.grad = None


def test_base_regularizer(keras_ref):
    assert regularizers.Regularizer()(torch.ones(3)) == 0.0
    with pytest.raises(NotImplementedError, match="get_config"):
        regularizers.Regularizer().get_config()


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_configs_equal_keras(keras_ref, name, kwargs):
    ours = getattr(regularizers, name)(**kwargs)
    theirs = getattr(keras_ref.regularizers, name)(**kwargs)
    # Keras stores L1's `l1` and the orthogonal `factor` as float32 values
    # (0.01 -> 0.009999999776482582); Lamina writes the same numbers.
    assert ours.get_config() == theirs.get_config()
    assert regularizers.serialize(ours) == \
        keras_ref.regularizers.serialize(theirs)
    back = regularizers.deserialize(regularizers.serialize(ours))
    assert type(back) is type(ours)
    assert back.get_config() == ours.get_config()
    from_keras = regularizers.get(keras_ref.regularizers.serialize(theirs))
    assert from_keras.get_config() == theirs.get_config()


@pytest.mark.parametrize("name,cls", [
    ("l1", "L1"), ("l2", "L2"), ("l1l2", "L1L2"), ("L2", "L2"),
    ("orthogonal_regularizer", "OrthogonalRegularizer"),
    ("OrthogonalRegularizer", "OrthogonalRegularizer"),
])
def test_get_by_name(keras_ref, name, cls):
    ours = regularizers.get(name)
    theirs = keras_ref.regularizers.get(name)
    assert type(ours).__name__ == type(theirs).__name__ == cls
    assert ours.get_config() == theirs.get_config()


def test_l1_l2_spellings():
    # Keras 3 only knows "l1l2" as a string; "l1_l2" is accepted too.
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    reg = regularizers.l1_l2(l1=0.01, l2=0.02)
    assert isinstance(reg, regularizers.L1L2)
    assert reg.get_config() == {"l1": 0.01, "l2": 0.02}
    assert regularizers.l1 is regularizers.L1
    assert regularizers.l2 is regularizers.L2
    assert regularizers.orthogonal_regularizer is \
        regularizers.OrthogonalRegularizer


def test_get_none_class_instance_callable():
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get(regularizers.L2), regularizers.L2)
    reg = regularizers.L1(0.2)
    assert regularizers.get(reg) is reg

    def fn(w):
        return w.sum()

    assert regularizers.get(fn) is fn


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown regularizer") as info:
        regularizers.get("l3")
    assert "'l2'" in str(info.value)
    with pytest.raises(ValueError, match="Could not interpret regularizer"):
        regularizers.get(0.5)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "a", True],
                         ids=str)
@pytest.mark.parametrize("cls,arg", [
    ("L1", "l1"), ("L2", "l2"), ("L1L2", "l1"), ("L1L2", "l2"),
    ("OrthogonalRegularizer", "factor"),
])
def test_invalid_factors(cls, arg, bad):
    with pytest.raises(ValueError, match=f"argument `{arg}`"):
        getattr(regularizers, cls)(**{arg: bad})


def test_orthogonal_argument_checks():
    with pytest.raises(ValueError, match="argument `mode`.*columns"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="must have rank 2"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 2, 2))


def test_custom_registered_regularizer():
    @register_keras_serializable(package="lamina_test")
    class Sum(regularizers.Regularizer):
        def __init__(self, scale=1.0):
            self.scale = scale

        def __call__(self, x):
            return self.scale * x.sum()

        def get_config(self):
            return {"scale": self.scale}

    config = regularizers.serialize(Sum(2.0))
    assert config["registered_name"] == "lamina_test>Sum"
    back = regularizers.get(config)
    assert isinstance(back, Sum) and back.scale == 2.0


def test_config_without_arguments_gives_an_instance(keras_ref):
    config = {"module": "keras.regularizers", "class_name": "L2",
              "config": None, "registered_name": None}
    assert isinstance(regularizers.get(config), regularizers.L2)
    assert isinstance(keras_ref.regularizers.get(config),
                      keras_ref.regularizers.L2)
    assert isinstance(regularizers.deserialize("l1"), regularizers.L1)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_penalty_stays_on_the_weight_device(name, kwargs):
    w = torch.empty(5, 4, device="meta")
    out = getattr(regularizers, name)(**kwargs)(w)
    assert out.device.type == "meta" and out.ndim == 0
