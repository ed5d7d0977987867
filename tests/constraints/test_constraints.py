"""Constraints: Keras's projections, configs, names and errors."""

import numpy as np
import pytest
import torch

from lamina import config
from lamina import constraints
from lamina.saving import register_keras_serializable

CASES = [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 0.5, "axis": 1}),
    ("MaxNorm", {"max_value": 1.0, "axis": [0, 1, 2]}),
    ("MaxNorm", {"max_value": 3.0, "axis": None}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.5}),
    ("MinMaxNorm", {"min_value": 1.5, "max_value": 3.0, "axis": 1}),
    ("NonNeg", {}),
    ("UnitNorm", {}), ("UnitNorm", {"axis": 1}),
    ("UnitNorm", {"axis": [0, 1, 2]}),
    ("Constraint", {}),
]
IDS = [f"{n}{k}" for n, k in CASES]


def _weight(shape, dtype="float32", seed=0):
    return (np.random.default_rng(seed).normal(size=shape) * 2).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_matches_keras(keras_ref, name, kwargs, dtype):
    shape = (3, 3, 4, 5) if isinstance(kwargs.get("axis"), list) else (6, 4)
    w = _weight(shape, dtype)
    ours = getattr(constraints, name)(**kwargs)(torch.from_numpy(w))
    theirs = keras_ref.ops.convert_to_numpy(
        getattr(keras_ref.constraints, name)(**kwargs)(w)
    )
    # Keras 3.15.1's NonNeg (`ops.maximum(w, 0)`) returns float32 for a
    # float64 weight; Lamina keeps the weight's dtype.
    assert ours.dtype == torch.from_numpy(w).dtype
    np.testing.assert_allclose(ours.cpu().numpy(), theirs, rtol=1e-5,
                               atol=1e-6)


def test_max_norm_caps_column_norms():
    w = torch.tensor([[3.0, 0.3], [4.0, 0.4]])
    out = constraints.MaxNorm(max_value=2.0)(w)
    norms = out.norm(dim=0)
    assert norms[0].item() == pytest.approx(2.0, rel=1e-6)
    # Below the cap only the epsilon in the denominator changes the value.
    eps = config.epsilon()
    torch.testing.assert_close(out[:, 1], w[:, 1] * 0.5 / (eps + 0.5))


def test_unit_norm_and_min_max_norm():
    w = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(constraints.UnitNorm()(w).norm(dim=0),
                               torch.ones(3))
    out = constraints.MinMaxNorm(min_value=2.0, max_value=3.0)(w * 1e-2)
    assert (out.norm(dim=0) >= 2.0 - 1e-4).all()


def test_non_neg():
    out = constraints.NonNeg()(torch.tensor([-1.0, 0.0, 2.0]))
    assert out.tolist() == [0.0, 0.0, 2.0]


def test_parameters_and_arrays_are_accepted():
    w = torch.nn.Parameter(torch.randn(4, 3))
    with torch.no_grad():
        out = constraints.MaxNorm(1.0)(w)
    assert isinstance(out, torch.Tensor) and out is not w
    out = constraints.NonNeg()(np.array([-1.0, 1.0]))
    assert out.tolist() == [0.0, 1.0]


def test_base_constraint_is_the_identity():
    w = torch.ones(2)
    assert constraints.Constraint()(w) is w


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_configs_equal_keras(keras_ref, name, kwargs):
    ours = getattr(constraints, name)(**kwargs)
    theirs = getattr(keras_ref.constraints, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert list(ours.get_config()) == list(theirs.get_config())
    assert constraints.serialize(ours) == \
        keras_ref.constraints.serialize(theirs)
    back = constraints.deserialize(constraints.serialize(ours))
    assert type(back) is type(ours)
    assert back.get_config() == ours.get_config()
    from_keras = constraints.get(keras_ref.constraints.serialize(theirs))
    assert type(from_keras) is type(ours)


@pytest.mark.parametrize("name,cls", [
    ("max_norm", "MaxNorm"), ("min_max_norm", "MinMaxNorm"),
    ("non_neg", "NonNeg"), ("unit_norm", "UnitNorm"), ("MaxNorm", "MaxNorm"),
    ("constraint", "Constraint"),
])
def test_get_by_name(keras_ref, name, cls):
    ours = constraints.get(name)
    theirs = keras_ref.constraints.get(name)
    assert type(ours).__name__ == type(theirs).__name__ == cls
    assert ours.get_config() == theirs.get_config()


def test_aliases_are_the_classes(keras_ref):
    public = [n for n in dir(keras_ref.constraints) if not n.startswith("_")]
    for name in public:
        assert getattr(constraints, name).__name__ == \
            getattr(keras_ref.constraints, name).__name__
    assert constraints.max_norm is constraints.MaxNorm


def test_get_none_class_instance_callable():
    assert constraints.get(None) is None
    assert isinstance(constraints.get(constraints.NonNeg),
                      constraints.NonNeg)
    instance = constraints.UnitNorm(axis=1)
    assert constraints.get(instance) is instance
    assert constraints.get(torch.abs) is torch.abs


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown constraint") as info:
        constraints.get("maxnorm2")
    assert "'max_norm'" in str(info.value)
    with pytest.raises(ValueError, match="Could not interpret constraint"):
        constraints.get(3)
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.deserialize("nope")


def test_custom_registered_constraint():
    @register_keras_serializable(package="lamina_test")
    class Clip(constraints.Constraint):
        def __init__(self, limit=1.0):
            self.limit = limit

        def __call__(self, w):
            return torch.clamp(w, -self.limit, self.limit)

        def get_config(self):
            return {"limit": self.limit}

    config_dict = constraints.serialize(Clip(0.5))
    assert config_dict["registered_name"] == "lamina_test>Clip"
    back = constraints.get(config_dict)
    assert isinstance(back, Clip) and back.limit == 0.5


def test_config_without_arguments_gives_an_instance(keras_ref):
    config = {"module": "keras.constraints", "class_name": "NonNeg",
              "config": None, "registered_name": None}
    assert isinstance(constraints.get(config), constraints.NonNeg)
    assert isinstance(keras_ref.constraints.get(config),
                      keras_ref.constraints.NonNeg)
    assert isinstance(constraints.deserialize("unit_norm"),
                      constraints.UnitNorm)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_projection_stays_on_the_weight_device(name, kwargs):
    w = torch.empty(3, 3, 4, 5, device="meta")
    out = getattr(constraints, name)(**kwargs)(w)
    assert out.device.type == "meta" and out.shape == w.shape
