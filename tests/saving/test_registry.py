"""One `Registry.get` for every family, with each family's own rules set
through `configure`."""

import numpy as np
import pytest
import torch

from lamina import initializers
from lamina import losses
from lamina import metrics
from lamina import optimizers
from lamina.metrics.reduction import METRIC_FUNCTIONS
from lamina.saving import object_registration
from lamina.saving import serialization
from lamina.saving.registry import Registry


class Base:
    def get_config(self):
        return {}


class Thing(Base):
    pass


def _registry():
    family = Registry("thing", "tests.things")
    family.register("thing")(Thing)
    return family


def test_get_resolves_every_kind_of_identifier():
    family = _registry()
    assert family.get(None) is None
    assert isinstance(family.get("thing"), Thing)
    assert isinstance(family.get("Thing"), Thing)
    assert isinstance(family.get(Thing), Thing)
    instance = Thing()
    assert family.get(instance) is instance
    assert isinstance(family.get({"class_name": "Thing", "config": {}}), Thing)
    with pytest.raises(ValueError, match="Unknown thing: 'nope'"):
        family.get("nope")
    with pytest.raises(ValueError, match="Could not interpret thing"):
        family.get(3)


def test_configure_adapter_base_class_and_case():
    family = _registry()
    family.configure(adapter=lambda i: "adapted" if i == 7 else None,
                     base_class=Base, ignore_case=True)
    assert family.get(7) == "adapted"
    assert isinstance(family.get("THING"), Thing)
    with pytest.raises(ValueError, match="Could not interpret thing"):
        family.get(lambda: None)  # callable, but not a Base
    with pytest.raises(ValueError, match="Could not interpret thing"):
        family.get(dict)  # a class, not a Base subclass: not instantiated


def test_families_are_found_by_module_without_the_registry():
    family = _registry()
    assert family in object_registration.families_for_module("tests.things")
    config = {"module": "tests.things", "class_name": "Thing", "config": {}}
    assert isinstance(serialization.deserialize_keras_object(config), Thing)


def test_the_families_use_it():
    assert isinstance(optimizers.get("ADAM"), optimizers.Adam)
    adam = optimizers.deserialize({"class_name": "ADAM", "config": {}})
    assert isinstance(adam, optimizers.Adam)
    wrapped = optimizers.get(torch.optim.SGD)
    assert isinstance(wrapped, optimizers.TorchOptimizer)
    assert not hasattr(optimizers, "ALL_OBJECTS_DICT")
    loss = losses.get(torch.nn.L1Loss())
    y = torch.tensor([[1.0, 2.0]])
    assert float(loss(y, y + 1)) == pytest.approx(1.0)
    init = initializers.get(np.ones((2, 2), dtype="float32"))
    assert torch.equal(init((2, 2)), torch.ones(2, 2))


def test_metric_functions_are_registered_and_round_trip():
    assert METRIC_FUNCTIONS.lookup("binary_accuracy") is \
        metrics.binary_accuracy
    assert METRIC_FUNCTIONS.lookup("pearson_correlation") is \
        metrics.pearson_correlation
    wrapper = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="acc")
    restored = metrics.MeanMetricWrapper.from_config(wrapper.get_config())
    y_true = torch.tensor([[1.0], [0.0]])
    y_pred = torch.tensor([[0.9], [0.8]])
    restored.update_state(y_true, y_pred)
    assert float(restored.result()) == pytest.approx(0.5)
    mse = metrics.MeanMetricWrapper.from_config(
        {"fn": "mean_squared_error", "name": "mse"})
    mse.update_state(y_true, y_pred)
    assert float(mse.result()) == pytest.approx((0.01 + 0.64) / 2)
