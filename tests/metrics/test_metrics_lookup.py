import inspect

import pytest
import torch

import lamina.metrics as metrics


def _keras_public_classes(keras):
    return {name for name in dir(keras.metrics)
            if inspect.isclass(getattr(keras.metrics, name))}


def test_every_keras_metric_class_exists_with_same_signature(keras_ref):
    for name in _keras_public_classes(keras_ref):
        ours = getattr(metrics, name)
        theirs = getattr(keras_ref.metrics, name)
        if name == "Metric":
            continue
        assert str(inspect.signature(ours.__init__)) == \
            str(inspect.signature(theirs.__init__)), name


def test_keras_functions_exist(keras_ref):
    for name in dir(keras_ref.metrics):
        obj = getattr(keras_ref.metrics, name)
        if inspect.isfunction(obj):
            assert callable(getattr(metrics, name)), name


def test_string_lookup_matches_keras(keras_ref):
    from keras.src.metrics import ALL_OBJECTS_DICT

    assert set(metrics.METRICS.names()) == set(ALL_OBJECTS_DICT)
    for name, cls in ALL_OBJECTS_DICT.items():
        assert metrics.METRICS.lookup(name).__name__ == cls.__name__, name


@pytest.mark.parametrize("identifier,class_name", [
    ("mse", "MeanSquaredError"), ("MSE", "MeanSquaredError"),
    ("mae", "MeanAbsoluteError"), ("MAPE", "MeanAbsolutePercentageError"),
    ("msle", "MeanSquaredLogarithmicError"), ("bce", "BinaryCrossentropy"),
    ("BCE", "BinaryCrossentropy"), ("accuracy", "Accuracy"),
    ("AUC", "AUC"), ("auc", "AUC"), ("f1_score", "F1Score"),
    ("sparse_categorical_accuracy", "SparseCategoricalAccuracy"),
    ("RootMeanSquaredError", "RootMeanSquaredError"),
])
def test_get_by_name(identifier, class_name):
    metric = metrics.get(identifier)
    assert type(metric).__name__ == class_name


def test_get_other_identifiers():
    assert metrics.get(None) is None
    instance = metrics.Mean()
    assert metrics.get(instance) is instance
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    config = metrics.serialize(metrics.Precision(thresholds=0.3, name="p"))
    assert metrics.get(config).get_config()["thresholds"] == 0.3


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown metric: 'nope'.*'AUC'"):
        metrics.get("nope")
    with pytest.raises(ValueError, match="Could not interpret"):
        metrics.get(42)


def test_serialize_matches_keras(keras_ref):
    for cls, kwargs in [(
        "Precision", {"thresholds": [0.2, 0.5], "name": "p"}),
        ("MeanIoU", {"num_classes": 3, "name": "miou"}),
        ("SparseCategoricalAccuracy", {"name": "acc"}),
    ]:
        ours = metrics.serialize(getattr(metrics, cls)(**kwargs))
        theirs = keras_ref.metrics.serialize(
            getattr(keras_ref.metrics, cls)(**kwargs))
        assert ours == theirs
        assert metrics.deserialize(theirs).get_config() == theirs["config"]


def test_custom_metric_deserialization():
    from lamina.saving import register_keras_serializable

    @register_keras_serializable(package="Tests")
    class Doubled(metrics.Mean):
        def update_state(self, values, sample_weight=None):
            super().update_state(values * 2, sample_weight)

    config = metrics.serialize(Doubled(name="doubled"))
    assert config["registered_name"] == "Tests>Doubled"
    rebuilt = metrics.deserialize(config)
    assert isinstance(rebuilt, Doubled)
    rebuilt.update_state(torch.tensor([2.0]))
    assert float(rebuilt.result()) == 4.0
