"""`optimizers.get` / `serialize` / `deserialize`."""

import pytest
import torch

import lamina.optimizers as optimizers
from lamina.saving import register_keras_serializable


@pytest.mark.parametrize("identifier, cls", [
    ("adam", optimizers.Adam), ("Adam", optimizers.Adam),
    ("ADAM", optimizers.Adam), ("sgd", optimizers.SGD),
    ("rmsprop", optimizers.RMSprop), ("adamw", optimizers.AdamW),
    ("adagrad", optimizers.Adagrad), ("adadelta", optimizers.Adadelta),
    ("adamax", optimizers.Adamax), ("nadam", optimizers.Nadam),
    ("ftrl", optimizers.Ftrl), ("lion", optimizers.Lion),
    ("adafactor", optimizers.Adafactor), ("lamb", optimizers.Lamb),
])
def test_get_by_name(identifier, cls):
    optimizer = optimizers.get(identifier)
    assert type(optimizer) is cls


def test_get_other_identifiers():
    adam = optimizers.Adam()
    assert optimizers.get(adam) is adam
    assert optimizers.get(None) is None
    assert type(optimizers.get(optimizers.SGD)) is optimizers.SGD
    config = {"class_name": "SGD", "config": {"learning_rate": 0.5}}
    assert float(optimizers.get(config).learning_rate) == 0.5
    assert isinstance(optimizers.get(torch.optim.SGD),
                      optimizers.TorchOptimizer)


def test_round_trip_through_serialize():
    optimizer = optimizers.RMSprop(0.01, momentum=0.5, centered=True,
                                   clipvalue=1.0, name="rms")
    restored = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(restored) is optimizers.RMSprop
    assert restored.get_config() == optimizer.get_config()


def test_registered_custom_optimizer():
    @register_keras_serializable(package="test_get")
    class MySGD(optimizers.SGD):
        pass

    optimizer = optimizers.get("test_get>MySGD")
    assert type(optimizer) is MySGD
    restored = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(restored) is MySGD


def test_unknown_identifiers():
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamx'.*'adam'"):
        optimizers.get("adamx")
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        optimizers.get(42)
