"""`clone_model` and `model_from_json`: new models from a model's config."""

import json

from lamina.saving import keras2_config
from lamina.saving import serialization


def model_from_json(json_string, custom_objects=None):
    """Builds a model (untrained, new weights) from `model.to_json()`.

    Reads the JSON of Keras 3 and of Keras 2 (keras 2.3.1, tf.keras and
    tf_keras), and Lamina's own."""
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "`model_from_json` expects the JSON string of a model config "
            f"(`model.to_json()`). It could not be parsed: {error}"
        ) from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "`model_from_json` expects a JSON object with 'class_name' and "
            f"'config'. Received: {str(config)[:200]}"
        )
    try:
        return serialization.deserialize_keras_object(
            keras2_config.translate_model_config(config),
            custom_objects=custom_objects)
    except (AttributeError, KeyError, IndexError, RuntimeError) as error:
        # A config entry of the wrong kind, met while rebuilding the model.
        raise ValueError(
            "The model config given to `model_from_json` is malformed "
            f"({type(error).__name__}: {error})."
        ) from error


def clone_model(model, input_tensors=None, clone_function=None,
                call_function=None, recursive=False, **kwargs):
    """A new model with the same architecture and freshly initialized
    weights (copy them with `set_weights` if needed).

    Args:
        model: a Sequential or functional model (or a subclassed model whose
            `get_config` round-trips).
        clone_function: called on each layer of a Sequential/functional
            model to make its copy; defaults to `layer.__class__.from_config
            (layer.get_config())`.
    """
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if input_tensors is not None or call_function is not None or kwargs:
        raise ValueError(
            "clone_model supports `model` and `clone_function` (plus "
            "`recursive`); `input_tensors`, `call_function` and other "
            f"arguments are not supported. Received: "
            f"{sorted(kwargs) + (['input_tensors'] if input_tensors is not None else []) + (['call_function'] if call_function else [])}"
        )
    if clone_function is None:
        return type(model).from_config(model.get_config())
    if isinstance(model, Sequential):
        copies = [clone_function(layer) for layer in model.layers]
        clone = Sequential(name=model.name)
        if model._input_layer is not None:
            from lamina.layers.input_layer import Input

            clone.add(Input(batch_shape=model._input_layer.batch_shape,
                            dtype=model._input_layer.dtype))
        for layer in copies:
            clone.add(layer)
        return clone
    if isinstance(model, Functional):
        from lamina.models.functional_config import functional_from_config

        replacements = {
            layer.name: clone_function(layer) for layer in model.layers
            if type(layer).__name__ != "InputLayer"
        }
        return functional_from_config(type(model), model.get_config(),
                                      replacements=replacements)
    raise ValueError(
        "clone_model with a `clone_function` needs a Sequential or "
        f"functional model. Received: {type(model).__name__}"
    )

