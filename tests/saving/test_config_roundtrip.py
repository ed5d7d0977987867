"""`get_config`/`from_config` round trip for every registered class (layers,
models, losses, metrics, optimizers, schedules, regularizers, initializers,
constraints, dtype policies) through `serialize_keras_object`, JSON and
`deserialize_keras_object`; and Keras 3 rebuilds each one that it has from
Lamina's config, with the same config."""

import copy
import inspect
import json

import pytest

import lamina
import lamina.activations  # noqa: F401  (fill the registries)
import lamina.constraints  # noqa: F401
import lamina.initializers  # noqa: F401
import lamina.layers  # noqa: F401
import lamina.losses  # noqa: F401
import lamina.metrics  # noqa: F401
import lamina.optimizers  # noqa: F401
import lamina.regularizers  # noqa: F401
from lamina.saving import deserialize_keras_object
from lamina.saving import object_registration
from lamina.saving import serialization
from lamina.saving import serialize_keras_object


def _schedule():
    return lamina.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)


# Constructor arguments for classes that need some (everything else is
# built with no arguments). A new class needing arguments fails
# `test_every_class_is_covered` until it is listed here.
ARGUMENTS = {
    "Activation": lambda: {"activation": "relu"},
    "AlphaDropout": lambda: {"rate": 0.2},
    "Bidirectional": lambda: {"layer": lamina.layers.LSTM(3)},
    "CategoryEncoding": lambda: {"num_tokens": 4},
    "CenterCrop": lambda: {"height": 2, "width": 3},
    "Conv1D": lambda: {"filters": 2, "kernel_size": 3},
    "Conv1DTranspose": lambda: {"filters": 2, "kernel_size": 3},
    "Conv2D": lambda: {"filters": 2, "kernel_size": 3},
    "Conv2DTranspose": lambda: {"filters": 2, "kernel_size": 3},
    "Conv3D": lambda: {"filters": 2, "kernel_size": 3},
    "Conv3DTranspose": lambda: {"filters": 2, "kernel_size": 3},
    "ConvLSTM1D": lambda: {"filters": 2, "kernel_size": 3},
    "ConvLSTM2D": lambda: {"filters": 2, "kernel_size": 3},
    "ConvLSTM3D": lambda: {"filters": 2, "kernel_size": 3},
    "Dense": lambda: {"units": 3, "kernel_regularizer": "l2",
                      "bias_constraint": "non_neg"},
    "DepthwiseConv1D": lambda: {"kernel_size": 3},
    "DepthwiseConv2D": lambda: {"kernel_size": 3},
    "Discretization": lambda: {"bin_boundaries": [0.0, 1.0]},
    "Dot": lambda: {"axes": 1},
    "Dropout": lambda: {"rate": 0.3},
    "EinsumDense": lambda: {"equation": "ab,bc->ac", "output_shape": 4},
    "Embedding": lambda: {"input_dim": 10, "output_dim": 3},
    "GRU": lambda: {"units": 3, "reset_after": False},
    "GRUCell": lambda: {"units": 3},
    "GaussianDropout": lambda: {"rate": 0.2},
    "GaussianNoise": lambda: {"stddev": 0.1},
    "GroupedQueryAttention": lambda: {"head_dim": 2, "num_query_heads": 4,
                                      "num_key_value_heads": 2},
    "Hashing": lambda: {"num_bins": 3},
    "HashedCrossing": lambda: {"num_bins": 4, "output_mode": "one_hot"},
    "FeatureSpace": lambda: {"features": {"a": "float",
                                          "b": "float_rescaled"},
                             "output_mode": "dict", "hashing_dim": 4},
    "Feature": lambda: {"dtype": "float32", "output_mode": "float",
                        "preprocessor": lamina.layers.Rescaling(0.5)},
    "Cross": lambda: {"feature_names": ("a", "b"), "crossing_dim": 8},
    "InputLayer": lambda: {"shape": (3,)},
    "LSTM": lambda: {"units": 3},
    "LSTMCell": lambda: {"units": 3},
    "MultiHeadAttention": lambda: {"num_heads": 2, "key_dim": 3},
    "Permute": lambda: {"dims": (2, 1)},
    "RNN": lambda: {"cell": lamina.layers.SimpleRNNCell(2)},
    "RandomBrightness": lambda: {"factor": 0.2},
    "RandomContrast": lambda: {"factor": 0.2},
    "RandomCrop": lambda: {"height": 2, "width": 2},
    "RandomRotation": lambda: {"factor": 0.2},
    "RandomTranslation": lambda: {"height_factor": 0.1, "width_factor": 0.1},
    "RandomZoom": lambda: {"height_factor": 0.1},
    "RepeatVector": lambda: {"n": 3},
    "Rescaling": lambda: {"scale": 0.5},
    "Reshape": lambda: {"target_shape": (2, 3)},
    "Resizing": lambda: {"height": 4, "width": 4},
    "SeparableConv1D": lambda: {"filters": 2, "kernel_size": 3},
    "SeparableConv2D": lambda: {"filters": 2, "kernel_size": 3},
    "SimpleRNN": lambda: {"units": 3},
    "SimpleRNNCell": lambda: {"units": 3},
    "SpatialDropout1D": lambda: {"rate": 0.2},
    "SpatialDropout2D": lambda: {"rate": 0.2},
    "SpatialDropout3D": lambda: {"rate": 0.2},
    "SpectralNormalization": lambda: {"layer": lamina.layers.Dense(2)},
    "StackedRNNCells": lambda: {"cells": [lamina.layers.LSTMCell(2),
                                          lamina.layers.GRUCell(3)]},
    "TimeDistributed": lambda: {"layer": lamina.layers.Dense(2)},
    "CosineDecay": lambda: {"initial_learning_rate": 0.1,
                            "decay_steps": 10},
    "CosineDecayRestarts": lambda: {"initial_learning_rate": 0.1,
                                    "first_decay_steps": 10},
    "ExponentialDecay": lambda: {"initial_learning_rate": 0.1,
                                 "decay_steps": 10, "decay_rate": 0.9},
    "InverseTimeDecay": lambda: {"initial_learning_rate": 0.1,
                                 "decay_steps": 10, "decay_rate": 0.5},
    "PiecewiseConstantDecay": lambda: {"boundaries": [10, 20],
                                       "values": [0.3, 0.2, 0.1]},
    "PolynomialDecay": lambda: {"initial_learning_rate": 0.1,
                                "decay_steps": 10},
    "IoU": lambda: {"num_classes": 3, "target_class_ids": [0, 2]},
    "MeanIoU": lambda: {"num_classes": 3},
    "OneHotIoU": lambda: {"num_classes": 3, "target_class_ids": [1]},
    "OneHotMeanIoU": lambda: {"num_classes": 3},
    "PrecisionAtRecall": lambda: {"recall": 0.5},
    "RecallAtPrecision": lambda: {"precision": 0.5},
    "SensitivityAtSpecificity": lambda: {"specificity": 0.5},
    "SpecificityAtSensitivity": lambda: {"sensitivity": 0.5},
    "LossFunctionWrapper": lambda: {"fn": lamina.losses.mean_squared_error},
    "MeanMetricWrapper": lambda: {"fn": lamina.metrics.binary_accuracy},
    "LossScaleOptimizer": lambda: {
        "inner_optimizer": lamina.optimizers.SGD(0.1)},
    "Adam": lambda: {"learning_rate": _schedule()},
    "OptimizerMap": lambda: {
        "default_optimizer": lamina.optimizers.SGD(0.1),
        "optimizer_map": {"dense/.*": lamina.optimizers.Adam(0.01)}},
    "MultiOptimizer": lambda: {"optimizer_map": lamina.optimizers.OptimizerMap(
        lamina.optimizers.SGD(0.1),
        {"dense/.*": lamina.optimizers.Adam(0.01)})},
    "AdaptiveAveragePooling1D": lambda: {"output_size": 2},
    "AdaptiveAveragePooling2D": lambda: {"output_size": (2, 3)},
    "AdaptiveAveragePooling3D": lambda: {"output_size": 2},
    "AdaptiveMaxPooling1D": lambda: {"output_size": 2},
    "AdaptiveMaxPooling2D": lambda: {"output_size": (2, 3)},
    "AdaptiveMaxPooling3D": lambda: {"output_size": 2},
    "Pipeline": lambda: {"layers": [lamina.layers.Rescaling(0.5),
                                    lamina.layers.RandomFlip()]},
    "RandomColorDegeneration": lambda: {"factor": 0.3},
    "RandomHue": lambda: {"factor": 0.3},
    "RandomPosterization": lambda: {"factor": (1, 4)},
    "RandomSaturation": lambda: {"factor": 0.3},
    "RandomSharpness": lambda: {"factor": 0.3},
    "ReversibleEmbedding": lambda: {"input_dim": 10, "output_dim": 3},
    "QuantizedDTypePolicy": lambda: {"mode": "int8",
                                     "source_name": "mixed_bfloat16"},
    "QuantizedFloat8DTypePolicy": lambda: {
        "mode": "float8", "source_name": "float32",
        "amax_history_length": 16},
    "Int4DTypePolicy": lambda: {"mode": "int4/64", "source_name": "float32"},
    "GPTQDTypePolicy": lambda: {"mode": "gptq/4/128",
                                "source_name": "float32"},
    "AWQDTypePolicy": lambda: {"mode": "awq/4/-1", "source_name": "float32"},
    # Calibration data is not part of a GPTQ/AWQ config.
    "GPTQConfig": lambda: {"dataset": None, "tokenizer": None},
    "AWQConfig": lambda: {"dataset": None, "tokenizer": None},
    "MaxNumBoundingBoxes": lambda: {"max_number": 4},
    "Wrapper": lambda: {"layer": lamina.layers.Dense(2)},
    # Layers that keras.applications defines inside its modules.
    "LayerScale": lambda: {"init_values": 1e-6, "projection_dim": 4},
    "StochasticDepth": lambda: {"drop_path_rate": 0.1},
    "CustomScaleLayer": lambda: {"scale": 0.2},
}
# Wrappers of torch objects (a `torch.nn.Module`, a `torch.optim`
# optimizer) have no Keras config; models are tested by kind below.
# Abstract bases (`Initializer`, `Regularizer`, `Quantizer`) have no
# config either.
NOT_CONFIG_SERIALIZABLE = {"TorchModuleWrapper", "TorchOptimizer", "Model",
                           "Functional", "Sequential", "Lambda",
                           "Initializer", "Regularizer", "Quantizer"}


def registered_classes():
    """{"family:ClassName": class} for every registered class (a name may
    be in several families: the Hinge loss and the Hinge metric)."""
    found, seen = {}, set()
    for family in object_registration.all_families():
        for obj in family.objects().values():
            if inspect.isclass(obj) and obj not in seen:
                seen.add(obj)
                found[f"{family.family}:{obj.__name__}"] = obj
    return found


CLASSES = registered_classes()
CASES = sorted(key for key in CLASSES
               if key.split(":")[1] not in NOT_CONFIG_SERIALIZABLE)


def make(key):
    return CLASSES[key](**ARGUMENTS.get(key.split(":")[1], dict)())


def as_json(config):
    return json.loads(json.dumps(config))


def test_every_class_is_covered():
    missing = []
    for key in CASES:
        try:
            make(key)
        except (TypeError, ValueError) as error:
            missing.append(f"{key}: {error}")
    assert not missing, "add constructor arguments to ARGUMENTS: " + \
        "; ".join(missing)
    assert len(CASES) > 200


def test_every_public_class_is_registered():
    """So the round trips below cover every public class."""
    namespaces = [lamina.layers, lamina.losses, lamina.metrics,
                  lamina.optimizers, lamina.optimizers.schedules,
                  lamina.regularizers, lamina.initializers,
                  lamina.constraints]
    bases = {"Layer", "InputSpec", "Optimizer", "LearningRateSchedule"}
    public = {f"{module.__name__}.{name}": getattr(module, name)
              for module in namespaces for name in dir(module)
              if not name.startswith("_") and name not in bases
              and inspect.isclass(getattr(module, name))}
    registered = set(registered_classes().values())
    assert [name for name, cls in public.items()
            if cls not in registered] == []


@pytest.mark.parametrize("key", CASES)
def test_round_trip_through_json(key):
    original = make(key)
    serialized = as_json(serialize_keras_object(original))
    revived = deserialize_keras_object(serialized)
    assert type(revived) is type(original)
    assert as_json(serialize_keras_object(revived)) == serialized
    assert as_json(original.get_config()) == as_json(revived.get_config())


@pytest.mark.parametrize("key", CASES)
def test_keras_rebuilds_lamina_config(key, keras_ref):
    """Keras 3 has the class: it deserializes Lamina's config into an
    object whose config is Lamina's."""
    name = key.split(":")[1]
    serialized = as_json(serialize_keras_object(make(key)))
    keras_cls = keras_ref.saving.get_registered_object(
        serialized.get("registered_name") or name) or _keras_class(
        keras_ref, serialized)
    if keras_cls is None:
        pytest.skip(f"Keras 3 has no {name}")
    try:
        # Keras's from_config pops keys: hand it a copy.
        theirs = keras_ref.saving.deserialize_keras_object(
            copy.deepcopy(serialized))
    except (TypeError, ImportError) as error:
        if "requires TensorFlow" in str(error):
            pytest.skip(f"Keras 3's {name} needs TensorFlow")
        raise
    assert type(theirs).__name__ == name
    # Every setting Keras reports is Lamina's (Keras leaves some out of its
    # own configs, e.g. CosineSimilarity's `axis`, yet accepts them).
    their_config = as_json(keras_ref.saving.serialize_keras_object(theirs)[
        "config"])
    assert {key: serialized["config"].get(key, "<missing>")
            for key in their_config} == their_config


def _keras_class(keras_ref, serialized):
    import importlib

    module = serialized.get("module") or ""
    try:
        namespace = importlib.import_module(module) if module.startswith(
            "keras") else None
    except ImportError:
        namespace = None
    return getattr(namespace, serialized["class_name"], None)


# ----------------------------------------------------------------------
# Model kinds
def sequential():
    return lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(3),
                              lamina.layers.Dropout(0.1),
                              lamina.layers.Dense(2)], name="seq")


def nested_shared():
    inner = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(3)],
                              name="inner")
    a, b = lamina.Input((3,), name="a"), lamina.Input((3,), name="b")
    shared = lamina.layers.Dense(3, name="shared")
    merged = lamina.layers.Add(name="add")([inner(shared(a)),
                                            inner(shared(b))])
    return lamina.Model({"a": a, "b": b},
                        {"out": lamina.layers.Dense(1, name="out")(merged)},
                        name="nested_shared")


def with_ops():
    x = lamina.Input((4,), name="x")
    y = lamina.ops.sum(lamina.ops.square(x), axis=-1, keepdims=True)
    return lamina.Model(x, lamina.ops.concatenate([y, x[:, :2]], axis=-1))


@pytest.mark.parametrize("build", [sequential, nested_shared, with_ops])
def test_model_kinds_round_trip(build, keras_ref):
    model = build()
    serialized = as_json(serialize_keras_object(model))
    revived = deserialize_keras_object(serialized)
    assert as_json(serialize_keras_object(revived)) == serialized
    theirs = keras_ref.saving.deserialize_keras_object(serialized)
    assert [layer.name for layer in theirs.layers] == [
        layer.name for layer in model.layers]


def test_lambda_round_trip_needs_unsafe_mode():
    layer = lamina.layers.Lambda(lambda t: t + 1, name="plus_one")
    serialized = as_json(serialize_keras_object(layer))
    with pytest.raises(ValueError, match="safe_mode"):
        deserialize_keras_object(serialized)
    with serialization.SafeModeScope(False):
        revived = deserialize_keras_object(serialized, safe_mode=False)
    assert revived.name == "plus_one"
    assert float(revived(lamina.ops.ones((1,)))[0]) == 2.0
