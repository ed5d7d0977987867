"""Checks on what users pass to compile/fit/evaluate/predict.

Bad input fails here, before any step runs, with a message naming the
argument, what was expected and what was received — never a loss of 0.0
or a ZeroDivisionError from deep inside a loop.
"""

import numbers

import numpy as np
import torch

from lamina.utils import tree


def check_positive_int(value, argument, method):
    """`value` is None or an integer >= 1 (`batch_size`, `steps`, ...)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < 1:
        raise ValueError(
            f"Invalid value for argument `{argument}` of {method}(). "
            f"Expected a positive integer (or None). Received: "
            f"{argument}={value!r}"
        )


def check_validation_split(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not 0.0 <= value < 1.0:
        raise ValueError(
            "Invalid value for argument `validation_split` of fit(). Expected "
            "a float in [0, 1): the fraction of the data held out for "
            f"validation. Received: validation_split={value!r}"
        )


def check_x(x, method, argument="x"):
    """`x` is data: not None, not a bare string."""
    if x is None:
        raise ValueError(
            f"Argument `{argument}` of {method}() is None. Expected input "
            "data: NumPy arrays, torch tensors, pandas data, a generator, a "
            "PyDataset or a torch Dataset/DataLoader."
        )
    if isinstance(x, (str, bytes)):
        raise ValueError(
            f"Unrecognized data type: {argument}={x[:60]!r} (of type "
            f"{type(x).__name__}) in {method}(). Expected input data, e.g. an "
            "array holding one row per sample, not a single string."
        )


def check_not_empty(data, argument, method):
    """Arrays in `data` hold at least one sample."""
    for value in tree.flatten(data):
        shape = getattr(value, "shape", None)
        if shape is not None and len(shape) and shape[0] == 0:
            raise ValueError(
                f"Argument `{argument}` of {method}() is empty: it holds 0 "
                f"samples (received an array of shape {tuple(shape)}). "
                "Expected at least one sample."
            )


def raise_no_batches(argument, method):
    """For data whose size is known only once iterated (generators,
    datasets): zero batches is an error, not a loss of 0.0."""
    raise ValueError(
        f"Argument `{argument}` of {method}() produced no batches: the data "
        "is empty. Expected at least one batch of data."
    )


def check_inputs_match_model(model, x, method):
    """String arrays go only to model inputs declared as strings (for a
    Sequential model, to one whose first layer may take strings)."""
    inputs = _declared_inputs(model)
    if not inputs or _sequential_taking_strings(model):
        return
    if isinstance(x, (list, tuple)) and x and all(
            isinstance(v, (str, bytes, list)) for v in x) and any(
            isinstance(v, (str, bytes)) for v in tree.flatten(x)):
        x = np.asarray(x)  # nested lists of strings are one array of data
    if isinstance(x, dict):
        names = [t.name for t in inputs]
        pairs = [(x.get(name), tensor) for name, tensor in zip(names, inputs)]
    else:
        flat = tree.flatten(x)
        if len(flat) != len(inputs):
            return  # the model's own call names the count mismatch
        pairs = list(zip(flat, inputs))
    for index, (value, tensor) in enumerate(pairs):
        expected = str(getattr(tensor, "dtype", ""))
        if _is_string_array(value) and "string" not in expected:
            raise ValueError(
                f"Input {index} of model '{model.name}' expects numeric data "
                f"(dtype {expected}), but {method}() received an array of "
                f"strings (dtype {value.dtype}, first value "
                f"{_first(value)!r}). Convert the data to numbers, or start "
                "the model with a string layer (e.g. StringLookup, "
                "TextVectorization)."
            )


def check_fit_arguments(model, x, y, batch_size, steps_per_epoch,
                        validation_split, validation_data, validation_steps,
                        validation_batch_size):
    check_x(x, "fit")
    check_positive_int(batch_size, "batch_size", "fit")
    check_positive_int(steps_per_epoch, "steps_per_epoch", "fit")
    check_positive_int(validation_steps, "validation_steps", "fit")
    check_positive_int(validation_batch_size, "validation_batch_size", "fit")
    check_validation_split(validation_split)
    check_not_empty(x, "x", "fit")
    check_not_empty(y, "y", "fit")
    check_inputs_match_model(model, x, "fit")
    if validation_data is not None:
        check_not_empty(validation_data, "validation_data", "fit")


def check_evaluate_arguments(model, x, y, batch_size, steps):
    check_x(x, "evaluate")
    check_positive_int(batch_size, "batch_size", "evaluate")
    check_positive_int(steps, "steps", "evaluate")
    check_not_empty(x, "x", "evaluate")
    check_not_empty(y, "y", "evaluate")
    check_inputs_match_model(model, x, "evaluate")


def check_predict_arguments(model, x, batch_size, steps):
    check_x(x, "predict")
    check_positive_int(batch_size, "batch_size", "predict")
    check_positive_int(steps, "steps", "predict")
    check_not_empty(x, "x", "predict")
    check_inputs_match_model(model, x, "predict")


def numeric_array(array):
    """An object-dtype NumPy array of numbers (or of strings) as a typed
    array, as Keras converts it; ragged or mixed content is an error."""
    if array.dtype != object:
        return array
    try:
        converted = np.array(array.tolist())
    except ValueError:
        converted = None
    if converted is None or converted.dtype == object:
        raise ValueError(
            "Failed to convert an input array of dtype object to a tensor: "
            "its elements have different lengths or types (first element: "
            f"{_first(array)!r}). Pad sequences with "
            "`lamina.utils.pad_sequences`, or convert the data to one dtype."
        )
    return converted


def check_loss_weights(loss_weights, outputs):
    """`loss_weights` matches the outputs (a list of their names, or their
    count): a list has one entry per output, a dict only output names."""
    if outputs is None:
        return
    names = outputs if isinstance(outputs, list) else None
    count = len(outputs) if names is not None else outputs
    if isinstance(loss_weights, (list, tuple)) and len(loss_weights) != count:
        raise ValueError(
            "Argument `loss_weights` of compile() must have one entry per "
            f"model output ({count}{': ' + str(names) if names else ''}). "
            f"Received {len(loss_weights)}: loss_weights={list(loss_weights)}"
        )
    if isinstance(loss_weights, dict) and names is not None:
        unknown = [key for key in loss_weights if key not in names]
        if unknown:
            raise ValueError(
                f"Argument `loss_weights` of compile() has keys {unknown} "
                f"that match no model output. Expected keys among: {names}"
            )


def targets_by_output(y_true, output_names):
    """A dict of targets in output order; a key naming no output fails."""
    unknown = [key for key in y_true if key not in output_names]
    if unknown:
        raise ValueError(
            f"The target dict `y` has keys {unknown} that match no model "
            f"output. Expected keys among the output names: {output_names}. "
            f"Received keys: {list(y_true)}"
        )
    return [y_true.get(name) for name in output_names]


def raise_missing_targets(loss):
    raise ValueError(
        f"The model was compiled with a loss (loss={_describe(loss)}), which "
        "compares predictions with targets, but no targets `y` were given. "
        "Pass `y` to fit()/evaluate() (or yield `(x, y)` batches), or "
        "compile without a loss."
    )


def _declared_inputs(model):
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    return list(inputs) if isinstance(inputs, (list, tuple)) else None


def _sequential_taking_strings(model):
    """A Sequential model's input dtype is made up when it builds, so its
    first layer decides: string layers (preprocessing), Lambda layers and
    modules from outside Lamina may take strings."""
    if not any(cls.__name__ == "Sequential" for cls in type(model).__mro__):
        return False
    layers = getattr(model, "layers", None) or [None]
    first = type(layers[0])
    return layers[0] is None or first.__name__ == "Lambda" or \
        first.__module__.startswith("lamina.layers.preprocessing") or \
        not first.__module__.startswith("lamina.")


def _is_string_array(value):
    if isinstance(value, (str, bytes)):
        return True
    if not isinstance(value, np.ndarray) or isinstance(value, torch.Tensor):
        return False
    if value.dtype.kind in "US":
        return True
    return value.dtype == object and value.size > 0 and isinstance(
        value.flat[0], (str, bytes))


def _first(array):
    return array.flat[0] if getattr(array, "size", 0) else None


def _describe(loss):
    if isinstance(loss, (str, list, tuple, dict)):
        return repr(loss)
    return getattr(loss, "__name__", type(loss).__name__)

def resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(
            "Argument `verbose` must be 'auto', 0, 1 or 2. "
            f"Received: verbose={verbose!r}"
        )
    return verbose


def reject_kwargs(method, kwargs):
    legacy = {"workers", "use_multiprocessing", "max_queue_size"}
    unknown = set(kwargs) - legacy
    if unknown:
        raise TypeError(
            f"{method}() got unexpected keyword arguments: {sorted(unknown)}"
        )


def num_rows(x):
    first = tree.flatten(x)[0]
    return int(np.shape(first)[0]) if np.ndim(first) else 1
