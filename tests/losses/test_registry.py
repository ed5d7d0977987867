"""`get`, `serialize`, `deserialize`, configs and bad inputs."""

import inspect
import json

import numpy as np
import pytest
import torch

from lamina import losses
from lamina.losses import reduction
from lamina.saving import register_keras_serializable

CLASS_NAMES = [
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CTC",
    "CategoricalCrossentropy", "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy", "CategoricalHinge", "Circle",
    "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy",
    "SquaredHinge", "Tversky",
]
# Non-default arguments for each class, to check configs carry them.
NON_DEFAULTS = {
    "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1,
                           "axis": 0},
    "BinaryFocalCrossentropy": {"apply_class_balancing": True, "alpha": 0.3,
                                "gamma": 1.0, "from_logits": True},
    "CategoricalCrossentropy": {"from_logits": True, "label_smoothing": 0.2},
    "CategoricalFocalCrossentropy": {"alpha": 0.5, "gamma": 3.0},
    "CategoricalGeneralizedCrossEntropy": {"q": 0.3},
    "Circle": {"gamma": 10.0, "margin": 0.2, "remove_diagonal": False},
    "CosineSimilarity": {"axis": 1},
    "Dice": {"axis": [1, 2]},
    "Huber": {"delta": 2.5},
    "SparseCategoricalCrossentropy": {"from_logits": True,
                                      "ignore_class": -1, "axis": 1},
    "Tversky": {"alpha": 0.2, "beta": 0.8, "axis": -1},
}
# Init arguments Keras 3.15 leaves out of get_config (so they are lost on
# reload there); Lamina keeps them, and Keras loads such configs.
EXTRA_CONFIG_KEYS = {
    "CosineSimilarity": {"axis"}, "Huber": {"delta"},
    "SparseCategoricalCrossentropy": {"axis"},
}


# Keras 3.15's loss registry, name -> class or function name. Keras keeps
# it in private code, so it is written down here.
KERAS_NAMES = {
    "BCE": "binary_crossentropy", "BinaryCrossentropy": "BinaryCrossentropy",
    "BinaryFocalCrossentropy": "BinaryFocalCrossentropy", "CTC": "CTC",
    "CategoricalCrossentropy": "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy": "CategoricalFocalCrossentropy",
    "CategoricalHinge": "CategoricalHinge", "Circle": "Circle",
    "CosineSimilarity": "CosineSimilarity", "Dice": "Dice", "Hinge": "Hinge",
    "Huber": "Huber", "KLD": "kl_divergence", "KLDivergence": "KLDivergence",
    "LogCosh": "LogCosh", "Loss": "Loss",
    "LossFunctionWrapper": "LossFunctionWrapper", "MAE": "mean_absolute_error",
    "MAPE": "mean_absolute_percentage_error", "MSE": "mean_squared_error",
    "MSLE": "mean_squared_logarithmic_error",
    "MeanAbsoluteError": "MeanAbsoluteError",
    "MeanAbsolutePercentageError": "MeanAbsolutePercentageError",
    "MeanSquaredError": "MeanSquaredError",
    "MeanSquaredLogarithmicError": "MeanSquaredLogarithmicError",
    "Poisson": "Poisson",
    "SparseCategoricalCrossentropy": "SparseCategoricalCrossentropy",
    "SquaredHinge": "SquaredHinge", "Tversky": "Tversky",
    "bce": "binary_crossentropy", "binary_crossentropy": "binary_crossentropy",
    "binary_focal_crossentropy": "binary_focal_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "categorical_focal_crossentropy": "categorical_focal_crossentropy",
    "categorical_hinge": "categorical_hinge", "circle": "circle",
    "cosine_similarity": "cosine_similarity", "ctc": "ctc", "dice": "dice",
    "hinge": "hinge", "huber": "huber", "kl_divergence": "kl_divergence",
    "kld": "kl_divergence", "log_cosh": "log_cosh",
    "mae": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
    "mean_absolute_error": "mean_absolute_error",
    "mean_absolute_percentage_error": "mean_absolute_percentage_error",
    "mean_squared_error": "mean_squared_error",
    "mean_squared_logarithmic_error": "mean_squared_logarithmic_error",
    "mse": "mean_squared_error", "msle": "mean_squared_logarithmic_error",
    "poisson": "poisson",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "squared_hinge": "squared_hinge", "tversky": "tversky",
}


def test_get_resolves_every_keras_name(keras_ref):
    for name, target in KERAS_NAMES.items():
        if name == "LossFunctionWrapper":
            continue  # needs `fn`: Keras's get fails on it too
        obj = losses.get(name)
        theirs = keras_ref.losses.get(name)
        if target[0].isupper():
            assert type(obj).__name__ == type(theirs).__name__ == target, \
                name
            assert obj.get_config()["name"] == theirs.name, name
        else:
            assert obj.__name__ == theirs.__name__ == target, name
            assert obj is getattr(losses, target)


def test_get_resolves_extra_and_legacy_names():
    assert losses.get("logcosh") is losses.log_cosh
    assert losses.get("kullback_leibler_divergence") is losses.kl_divergence
    assert losses.get("categorical_generalized_cross_entropy") is (
        losses.categorical_generalized_cross_entropy)
    assert isinstance(losses.get("CategoricalGeneralizedCrossEntropy"),
                      losses.CategoricalGeneralizedCrossEntropy)


def test_public_names_cover_keras(keras_ref):
    keras_public = {n for n in dir(keras_ref.losses) if not n.startswith("_")}
    missing = {n for n in keras_public if not hasattr(losses, n)}
    assert not missing


def test_get_other_identifiers():
    assert losses.get(None) is None
    instance = losses.Huber(delta=2.0)
    assert losses.get(instance) is instance
    assert isinstance(losses.get(losses.Poisson), losses.Poisson)

    def custom(y_true, y_pred):
        return y_pred - y_true

    assert losses.get(custom) is custom
    from_dict = losses.get({"class_name": "CategoricalCrossentropy",
                            "config": {"from_logits": True}})
    assert isinstance(from_dict, losses.CategoricalCrossentropy)
    assert from_dict.from_logits is True


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_config_matches_keras_and_round_trips(name, keras_ref):
    cls = getattr(losses, name)
    keras_cls = getattr(keras_ref.losses, name)
    for kwargs in ({}, NON_DEFAULTS.get(name, {})):
        kwargs = dict(kwargs, reduction="sum", name="my_loss")
        config = cls(**kwargs).get_config()
        keras_config = keras_cls(**kwargs).get_config()
        extra = EXTRA_CONFIG_KEYS.get(name, set())
        assert {k: v for k, v in config.items() if k not in extra} == (
            keras_config)
        for key in extra:
            assert config[key] == kwargs.get(
                key, inspect.signature(cls).parameters[key].default)

        serialized = losses.serialize(cls(**kwargs))
        keras_serialized = keras_ref.losses.serialize(keras_cls(**kwargs))
        assert {k: v for k, v in serialized.items() if k != "config"} == {
            k: v for k, v in keras_serialized.items() if k != "config"}
        # JSON round trip; then Keras's own config loads in Lamina and
        # Lamina's in Keras.
        restored = losses.deserialize(json.loads(json.dumps(serialized)))
        assert type(restored) is cls
        assert restored.get_config() == config
        defaults = {k: inspect.signature(cls).parameters[k].default
                    for k in extra}
        assert losses.deserialize(keras_serialized).get_config() == {
            **config, **defaults}
        # (keras.losses.deserialize cannot load its own
        # CategoricalGeneralizedCrossEntropy; the generic loader can.)
        assert keras_ref.saving.deserialize_keras_object(
            serialized).get_config() == keras_config


def test_default_names_match_keras(keras_ref):
    for name in CLASS_NAMES:
        assert getattr(losses, name)().name == getattr(
            keras_ref.losses, name)().name


def test_functions_serialize_to_their_names(keras_ref):
    for name in ("mean_squared_error", "binary_crossentropy", "ctc",
                 "categorical_generalized_cross_entropy"):
        fn = getattr(losses, name)
        serialized = losses.serialize(fn)
        assert serialized == keras_ref.losses.serialize(
            getattr(keras_ref.losses, name))
        assert losses.deserialize(serialized) is fn
        assert losses.deserialize(name) is fn
    assert losses.deserialize("mse") is losses.mean_squared_error


def test_loss_function_wrapper_config(keras_ref):
    # Keras exports no LossFunctionWrapper; its deserializer builds one.
    def KerasWrapper(fn, **kwargs):  # noqa: N802 (stands for a class)
        return keras_ref.losses.deserialize({
            "module": "keras.src.losses.losses",
            "class_name": "LossFunctionWrapper",
            "config": {"fn": keras_ref.losses.serialize(fn), **kwargs},
        })

    wrapper = losses.LossFunctionWrapper(losses.huber, delta=2.0,
                                         reduction="sum")
    keras_wrapper = KerasWrapper(keras_ref.losses.huber, delta=2.0,
                                 reduction="sum")
    assert wrapper.get_config() == keras_wrapper.get_config()
    serialized = losses.serialize(wrapper)
    assert serialized["module"] == "keras.src.losses.losses"
    restored = losses.deserialize(json.loads(json.dumps(serialized)))
    assert restored.fn is losses.huber and restored._fn_kwargs == {
        "delta": 2.0}
    y_true, y_pred = np.zeros((3, 2)), np.full((3, 2), 4.0)
    assert float(restored(y_true, y_pred)) == float(wrapper(y_true, y_pred))
    # Keras loads Lamina's config, and Lamina loads Keras's.
    assert keras_ref.losses.deserialize(serialized).get_config() == (
        keras_wrapper.get_config())
    assert losses.deserialize(
        keras_ref.losses.serialize(keras_wrapper)).fn is losses.huber


def test_base_loss_and_custom_subclass(keras_ref):
    assert losses.Loss().get_config() == {"name": "loss",
                                          "reduction": "sum_over_batch_size"}
    assert losses.serialize(losses.Loss(name="x"))["module"] == "keras"

    @register_keras_serializable(package="test_losses")
    class ScaledError(losses.Loss):
        def __init__(self, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * torch.abs(y_pred - y_true).sum(-1)

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    loss = ScaledError(scale=2.0, reduction="sum", name="scaled")
    serialized = losses.serialize(loss)
    assert serialized["registered_name"] == "test_losses>ScaledError"
    restored = losses.get(json.loads(json.dumps(serialized)))
    assert restored.get_config() == loss.get_config()
    assert float(restored(np.zeros((2, 3)), np.ones((2, 3)))) == 12.0


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown loss: 'mean_sqared_error'"
                       ) as info:
        losses.get("mean_sqared_error")
    assert "mean_squared_error" in str(info.value)
    with pytest.raises(ValueError, match="Could not interpret loss"):
        losses.get(42)


def test_invalid_reduction():
    with pytest.raises(ValueError, match=r"`reduction`.*reduction='avg'"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        reduction.reduce_weighted_values(torch.ones(3), reduction="max")


@pytest.mark.parametrize("fn, true_shape, pred_shape", [
    (losses.mean_squared_error, (4, 3), (4, 5)),
    (losses.huber, (2, 3), (3, 2)),
    (losses.kl_divergence, (4, 3), (4, 2)),
    (losses.binary_crossentropy, (4, 3), (4, 1)),
    (losses.categorical_crossentropy, (4, 3), (4, 5)),
    (losses.sparse_categorical_crossentropy, (3,), (4, 5)),
    (losses.categorical_generalized_cross_entropy, (3,), (4, 5)),
    (losses.hinge, (4, 3), (4, 2)),
    (losses.dice, (4, 3), (4, 2)),
])
def test_shape_mismatch_names_both_shapes(fn, true_shape, pred_shape):
    kwargs = {"q": 0.5} if fn is losses.categorical_generalized_cross_entropy \
        else {}
    y_true = np.zeros(true_shape, dtype="float32")
    y_pred = np.full(pred_shape, 0.5, dtype="float32")
    with pytest.raises(ValueError) as info:
        fn(y_true, y_pred, **kwargs)
    message = str(info.value)
    assert f"y_true.shape={true_shape}" in message
    assert f"y_pred.shape={pred_shape}" in message
    # The class raises the same error.
    loss_class = losses.LossFunctionWrapper(fn, **kwargs)
    with pytest.raises(ValueError, match=r"y_pred\.shape="):
        loss_class(y_true, y_pred)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match=r"`q`.*Received: q=1\.5"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="`axis`"):
        losses.categorical_crossentropy(np.eye(2), np.eye(2), axis=True)
    with pytest.raises(ValueError, match=r"y_true.shape=\(2, 3, 1\)"):
        losses.ctc(np.ones((2, 3, 1)), np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"y_pred.shape=\(2, 4\)"):
        losses.ctc(np.ones((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="Invalid dtype"):
        losses.MeanSquaredError(dtype="float31")
    with pytest.raises(NotImplementedError, match="call"):
        losses.Loss()(np.zeros(2), np.zeros(2))
