"""Keras 2 configs, translated to the Keras 3 form Lamina's classes read.

Every Keras 2 difference in model, compile and optimizer configs is mapped
here, in one place (DESIGN decision 13), so the classes themselves only
know Keras 3. The functions are pure dict-to-dict and leave Keras 3 configs
unchanged, so they may be applied to any config:

- model configs of keras 2.3.1, tf.keras 2.x and tf_keras 2.21: the
  `"Model"` class name of functional models, Sequential models without an
  InputLayer (`batch_input_shape` on the first layer), RNN `time_major`,
  BatchNormalization's `fused`/`virtual_batch_size`/`adjustment`,
  transposed convolutions' `groups`, MultiHeadAttention's saved shapes,
  Lambda functions (`function_type`), the `"normal"` VarianceScaling
  distribution, `Policy` dtype dicts, and input and output lists of one
  tensor;
- training configs: `MeanMetricWrapper` metric configs, `"acc"`, metric
  lists per output, loss `reduction="auto"` and `fn`;
- optimizer configs: `"Custom>Adam"` class names, `lr`, `decay=0`,
  `is_legacy_optimizer`, `jit_compile`, and Keras 2's capitalized names.
"""

import copy

_RNN_CLASSES = ("RNN", "SimpleRNN", "LSTM", "GRU", "ConvLSTM1D",
                "ConvLSTM2D", "ConvLSTM3D")
# BatchNormalization options of tf.keras, and the values that mean "off".
_BATCH_NORM_OPTIONS = {"fused": (None, True, False),
                       "virtual_batch_size": (None,), "adjustment": (None,)}
_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_ACCURACY_FNS = ("accuracy", "acc", "binary_accuracy",
                 "categorical_accuracy", "sparse_categorical_accuracy")
_CROSSENTROPY_FNS = ("crossentropy", "ce", "binary_crossentropy",
                     "categorical_crossentropy",
                     "sparse_categorical_crossentropy")
# Keras 2 optimizer config keys with no Keras 3 meaning at their defaults.
_OPTIMIZER_KEYS_DROPPED = ("jit_compile", "is_legacy_optimizer")


def translate_model_config(config):
    """A Keras 3 form of a model (or layer) config `{"class_name", "config"}`.

    Returns a new dict; the argument is not modified."""
    if not isinstance(config, dict):
        raise ValueError(
            "A model config must be a dict with 'class_name' and 'config'. "
            f"Received: {type(config).__name__}"
        )
    try:
        return _translate(copy.deepcopy(config))
    except (AttributeError, KeyError, IndexError, TypeError) as error:
        # An entry of the wrong kind (a string where a layer dict belongs,
        # a list for a config, ...): the config is malformed.
        raise ValueError(
            "The model config is malformed: an entry does not have the "
            f"expected structure ({type(error).__name__}: {error})."
        ) from None


def _translate(value):
    if isinstance(value, list):
        return [_translate(v) for v in value]
    if not isinstance(value, dict):
        return value
    value = {k: _translate(v) for k, v in value.items()}
    class_name = value.get("class_name")
    inner = value.get("config")
    if not isinstance(class_name, str) or not isinstance(inner, (dict, list)):
        return value
    if class_name == "Sequential":
        value["config"] = _sequential(inner)
    elif class_name in ("Model", "Functional") and _is_functional(inner):
        value["class_name"] = "Functional"
        value["config"] = _functional(inner)
    elif isinstance(inner, dict):
        _layer_or_object(class_name, inner)
    if class_name in _MODEL_CLASSES and value.get("module") in (
            "keras.engine.sequential", "keras.engine.functional",
            "keras.src.engine.sequential", "keras.src.engine.functional",
            "keras.engine.training", "keras.src.engine.training"):
        value["module"] = "keras"
    return value


def _is_functional(config):
    return isinstance(config, dict) and "layers" in config and \
        "input_layers" in config


def _layer_or_object(class_name, config):
    if class_name in _RNN_CLASSES and "time_major" in config:
        if config.pop("time_major"):
            raise ValueError(
                f"Cannot load {class_name} layer '{config.get('name')}': it "
                "was saved with `time_major=True` (inputs of shape (time, "
                "batch, features)), which Keras 3 and Lamina do not "
                "support. Expected time_major=False."
            )
    if class_name == "BatchNormalization":
        for key, allowed in _BATCH_NORM_OPTIONS.items():
            if key in config and not any(
                    config.pop(key) is value for value in allowed):
                raise ValueError(
                    f"Cannot load BatchNormalization layer "
                    f"'{config.get('name')}': Keras 2's `{key}` option is "
                    "not supported. Expected it unset (None)."
                )
    if class_name.endswith("Transpose") and class_name.startswith("Conv") \
            and "groups" in config:
        if config.pop("groups") not in (1, None):
            raise ValueError(
                f"Cannot load {class_name} layer '{config.get('name')}': "
                "grouped transposed convolutions (groups > 1) are not "
                "supported. Expected groups=1."
            )
    if class_name == "MultiHeadAttention":
        # tf.keras saved the shapes it was built with; the layer now builds
        # on its first call (or from `build_config`).
        for key in ("query_shape", "key_shape", "value_shape"):
            config.pop(key, None)
    if class_name == "VarianceScaling" and config.get("distribution") == \
            "normal":
        # Keras 2's "normal" was a truncated normal.
        config["distribution"] = "truncated_normal"
    dtype = config.get("dtype")
    if isinstance(dtype, dict) and dtype.get("class_name") == "Policy":
        dtype["class_name"] = "DTypePolicy"
    if class_name == "Lambda" and "function_type" in config:
        _lambda(config)


def _lambda(config):
    """Keras 2 wrote a Lambda's function as `[base64 code, defaults,
    closure]` plus `function_type`; Keras 3 as a `__lambda__` object (still
    loaded only outside safe mode) or a named function."""
    module = config.pop("module", None)
    config["function"] = _function(
        config.get("function"), config.pop("function_type"), module)
    output_type = config.pop("output_shape_type", "raw")
    output_module = config.pop("output_shape_module", None)
    if output_type != "raw" and config.get("output_shape") is not None:
        config["output_shape"] = _function(config["output_shape"],
                                           output_type, output_module)


def _function(value, function_type, module):
    if function_type == "lambda" and isinstance(value, (list, tuple)) and \
            len(value) == 3:
        code, defaults, closure = value
        return {"class_name": "__lambda__", "config": {
            "code": code, "defaults": defaults, "closure": closure}}
    if function_type == "function" and isinstance(value, str):
        return {"module": module, "class_name": "function", "config": value,
                "registered_name": "function"}
    raise ValueError(
        f"Cannot read a Keras 2 Lambda function of type {function_type!r}: "
        f"expected 'lambda' with [code, defaults, closure] or 'function' "
        f"with a name. Received: {str(value)[:100]}"
    )


def _sequential(config):
    if isinstance(config, list):  # Keras 2.0-2.2: a bare list of layers
        config = {"layers": config}
    layers = config.get("layers", [])
    if layers and isinstance(layers[0], dict) and \
            layers[0].get("class_name") != "InputLayer":
        first = layers[0].get("config", {})
        shape = first.get("batch_input_shape")
        if shape is not None:
            # keras 2.3.1 kept the input on the first layer; later
            # versions wrote an InputLayer (and a copy on the layer).
            layers.insert(0, {"class_name": "InputLayer", "config": {
                "batch_shape": list(shape),
                "dtype": _plain_dtype(first.get("dtype")),
                "name": f"{first.get('name', 'layer')}_input"}})
    for entry in layers[1:] if layers and layers[0].get(
            "class_name") == "InputLayer" else ():
        entry.get("config", {}).pop("batch_input_shape", None)
    return config


def _plain_dtype(dtype):
    if isinstance(dtype, dict):
        return dtype.get("config", {}).get("name", "float32")
    return dtype or "float32"


def _functional(config):
    for key in ("input_layers", "output_layers"):
        refs = config.get(key)
        # Keras 2 always wrote lists; one tensor means a bare tensor.
        if isinstance(refs, list) and len(refs) == 1 and \
                isinstance(refs[0], list) and refs[0] and \
                isinstance(refs[0][0], str):
            config[key] = refs[0]
    for entry in config.get("layers", []):
        entry_config = entry.get("config")
        if isinstance(entry_config, dict) and entry.get(
                "class_name") != "InputLayer":
            entry_config.pop("batch_input_shape", None)
    return config


# ----------------------------------------------------------------------
# Compile (training) configs
def translate_training_config(training_config, output_names):
    """Keyword arguments for `compile()` from a `.h5` `training_config`.

    `output_names` are the model's output names, in `model.outputs` order:
    Keras 2 wrote metrics as a list per output."""
    config = copy.deepcopy(training_config)
    optimizer = config.get("optimizer_config")
    return {
        "optimizer": translate_optimizer_config(optimizer)
        if optimizer else "rmsprop",
        "loss": _loss(config.get("loss")),
        "loss_weights": config.get("loss_weights"),
        "metrics": _metrics(config.get("metrics"), output_names),
        "weighted_metrics": _metrics(config.get("weighted_metrics"),
                                     output_names),
    }


def _loss(loss):
    if isinstance(loss, dict) and "class_name" in loss:
        inner = loss.get("config") or {}
        if inner.get("reduction") == "auto":
            inner["reduction"] = "sum_over_batch_size"
        if loss["class_name"] != "LossFunctionWrapper":
            # tf_keras 2.13+ also wrote the wrapped function's name.
            inner.pop("fn", None)
        return loss
    if isinstance(loss, dict):
        return {k: _loss(v) for k, v in loss.items()}
    if isinstance(loss, list):
        return [_loss(v) for v in loss]
    return loss


def _metric(metric, output_name=None):
    if metric is None:
        return None
    if isinstance(metric, str):
        return "accuracy" if metric == "acc" else metric
    if isinstance(metric, dict) and metric.get("class_name") == \
            "MeanMetricWrapper":
        inner = metric.get("config") or {}
        name, fn = inner.get("name") or "", inner.get("fn")
        if output_name and name.startswith(output_name + "_"):
            name = name[len(output_name) + 1:]
        if name in ("accuracy", "acc") and fn in _ACCURACY_FNS:
            return "accuracy"
        if name in ("crossentropy", "ce") and fn in _CROSSENTROPY_FNS:
            return "crossentropy"
        if isinstance(fn, str):
            return fn
        raise ValueError(
            f"Cannot translate the Keras 2 metric config {metric}: its "
            "`fn` is not a metric name."
        )
    return metric


def _metrics(metrics, output_names):
    if metrics is None:
        return None
    if isinstance(metrics, dict):
        return {k: [m for m in (_metric(x, k) for x in _as_list(v))
                    if m is not None] for k, v in metrics.items()}
    if not isinstance(metrics, list):
        return _metric(metrics)
    if metrics and all(isinstance(m, list) for m in metrics):
        # tf.keras 2.x: one list per output, in output order.
        if len(metrics) == 1:
            return [m for m in (_metric(x) for x in metrics[0])
                    if m is not None]
        names = list(output_names or [])
        if len(names) != len(metrics):
            raise ValueError(
                f"The saved metrics list one entry per output "
                f"({len(metrics)} entries), but the model has "
                f"{len(names)} outputs: {names}."
            )
        per_output = {}
        for name, entries in zip(names, metrics):
            kept = [m for m in (_metric(x, name) for x in entries)
                    if m is not None]
            if kept:
                per_output[name] = kept
        return per_output or None
    return [m for m in (_metric(x) for x in metrics) if m is not None]


def _as_list(value):
    return value if isinstance(value, list) else [value]


# ----------------------------------------------------------------------
# Optimizer configs
def translate_optimizer_config(config):
    """A Keras 3 optimizer config from a Keras 2 (or 3) one."""
    if isinstance(config, str):
        return config
    config = copy.deepcopy(config)
    class_name = config.get("class_name", "")
    if class_name.startswith("Custom>"):
        # tf_keras 2.11+ registered its optimizers as "Custom>Adam".
        class_name = class_name[len("Custom>"):]
    inner = dict(config.get("config") or {})
    for key in _OPTIMIZER_KEYS_DROPPED:
        inner.pop(key, None)
    if "lr" in inner:
        inner.setdefault("learning_rate", inner["lr"])
        del inner["lr"]
    if not inner.get("decay"):
        inner.pop("decay", None)
    if inner.get("name") == class_name:
        # Keras 2 named optimizers "Adam"; Keras 3 names them "adam" (the
        # name prefixes slot paths), so let the default apply.
        del inner["name"]
    translated = {"class_name": class_name, "config": inner}
    for key in ("module", "registered_name"):
        if key in config and not str(config[key] or "").startswith(
                "Custom>"):
            translated[key] = config[key]
    return translated
