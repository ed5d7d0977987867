"""Global settings: floatx, epsilon, image_data_format, device.

Read once from `$KERAS_HOME/keras.json` (default `~/.keras/keras.json`), as
Keras does; its `backend` key is ignored since Lamina always runs on torch.
"""

import contextlib
import json
import os

import torch

_IMAGE_DATA_FORMATS = ("channels_last", "channels_first")
_FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")

_settings = {
    "floatx": "float32",
    "epsilon": 1e-7,
    "image_data_format": "channels_last",
    "unsafe_deserialization": False,
    "device": None,
}


def keras_home():
    default = os.path.join(os.path.expanduser("~"), ".keras")
    return os.environ.get("KERAS_HOME", default)


def _load_keras_json():
    path = os.path.join(keras_home(), "keras.json")
    try:
        with open(path) as f:
            user = json.load(f)
    except (OSError, ValueError):
        return
    if user.get("floatx") in _FLOAT_TYPES:
        _settings["floatx"] = user["floatx"]
    if isinstance(user.get("epsilon"), (int, float)):
        _settings["epsilon"] = float(user["epsilon"])
    if user.get("image_data_format") in _IMAGE_DATA_FORMATS:
        _settings["image_data_format"] = user["image_data_format"]


_load_keras_json()


def backend():
    return "torch"


def floatx():
    return _settings["floatx"]


def set_floatx(value):
    if value not in _FLOAT_TYPES:
        raise ValueError(
            f"Unknown `floatx` value. Expected one of {_FLOAT_TYPES}. "
            f"Received: floatx={value!r}"
        )
    _settings["floatx"] = str(value)


def register_policy_factory(factory, policy_class):
    """Called once by `lamina.dtype_policies` (which sits above this module):
    `factory(policy)` validates what `set_dtype_policy` receives and returns
    the policy; `policy_class(name)` makes the default floatx policy."""
    _policy_factory[:] = [factory, policy_class]


def set_dtype_policy(policy):
    """Sets the global dtype policy: `"mixed_float16"`, `"mixed_bfloat16"`,
    a dtype name, or a `DTypePolicy`. Layers created afterwards without a
    `dtype` use it. None goes back to the default (floatx)."""
    _settings["dtype_policy"] = (
        None if policy is None else _policy_factory[0](policy))


def dtype_policy():
    """The global dtype policy: the one set, else floatx's."""
    policy = _settings.get("dtype_policy")
    if policy is not None:
        return policy
    name = _settings["floatx"]
    cached = _floatx_policies.get(name)
    if cached is None:
        cached = _floatx_policies[name] = _policy_factory[1](name)
    return cached


_policy_factory = []
_floatx_policies = {}


def epsilon():
    return _settings["epsilon"]


def set_epsilon(value):
    _settings["epsilon"] = float(value)


def image_data_format():
    return _settings["image_data_format"]


def set_image_data_format(data_format):
    data_format = str(data_format).lower()
    if data_format not in _IMAGE_DATA_FORMATS:
        raise ValueError(
            "Unknown `data_format`. Expected 'channels_last' or "
            f"'channels_first'. Received: data_format={data_format!r}"
        )
    _settings["image_data_format"] = data_format


def standardize_data_format(data_format):
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in _IMAGE_DATA_FORMATS:
        raise ValueError(
            "Invalid value for argument `data_format`. Expected "
            "'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    return data_format


def enable_unsafe_deserialization():
    _settings["unsafe_deserialization"] = True


def is_unsafe_deserialization_enabled():
    return _settings["unsafe_deserialization"]


def enable_interactive_logging():
    """Progress bars and messages go to stdout (the default)."""
    _settings["interactive_logging"] = True


def disable_interactive_logging():
    """Progress bars and messages go to the `lamina` Python logger (INFO)
    instead of stdout: for jobs whose output is a log file."""
    _settings["interactive_logging"] = False


def is_interactive_logging_enabled():
    return _settings.get("interactive_logging", True)


def set_backend(backend):
    """Lamina runs on torch only: "torch" is accepted (nothing to do), any
    other backend is an error, since no Keras backend can be swapped in."""
    if backend != "torch":
        raise ValueError(
            "Lamina runs on PyTorch only; it has no other backend to switch "
            "to. Expected backend='torch'. Use Keras itself for the "
            f"'{backend}' backend. Received: backend={backend!r}")


def enable_traceback_filtering():
    """Errors raised through `fit`, `evaluate` and `predict` show the
    user's frames and the one that raised, without Lamina's other internal
    frames (the default)."""
    _settings["traceback_filtering"] = True


def disable_traceback_filtering():
    """Errors keep every frame, Lamina's internals included."""
    _settings["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    return _settings.get("traceback_filtering", True)


def enable_flash_attention():
    """Attention layers let torch pick its fastest kernel, flash attention
    included where the inputs allow it (the default)."""
    _settings["flash_attention"] = None


def disable_flash_attention():
    """Attention layers stop using torch's flash kernel (torch picks among
    its other kernels)."""
    _settings["flash_attention"] = False


def is_flash_attention_enabled():
    """None (torch chooses, the default) or False, as in Keras."""
    return _settings.get("flash_attention")


def _limit_from_env(name):
    value = os.environ.get(name)
    return int(value) if value else None


def set_max_epochs(max_epochs):
    """Caps the `epochs` of every `fit` (None: no cap); for quick runs of
    a whole script. Also read from `KERAS_MAX_EPOCHS`."""
    _settings["max_epochs"] = _check_limit(max_epochs, "max_epochs")


def max_epochs():
    if "max_epochs" not in _settings:
        _settings["max_epochs"] = _limit_from_env("KERAS_MAX_EPOCHS")
    return _settings["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Caps the steps of every epoch of `fit`, `evaluate` and `predict`
    (None: no cap). Also read from `KERAS_MAX_STEPS_PER_EPOCH`."""
    _settings["max_steps_per_epoch"] = _check_limit(
        max_steps_per_epoch, "max_steps_per_epoch")


def max_steps_per_epoch():
    if "max_steps_per_epoch" not in _settings:
        _settings["max_steps_per_epoch"] = _limit_from_env(
            "KERAS_MAX_STEPS_PER_EPOCH")
    return _settings["max_steps_per_epoch"]


def _check_limit(value, argument):
    if value is not None and (isinstance(value, bool)
                              or not isinstance(value, int) or value < 1):
        raise ValueError(
            f"Invalid value for argument `{argument}`. Expected None or a "
            f"positive int. Received: {argument}={value!r}")
    return value


def default_device():
    """Where new weights live: the innermost `device(...)` scope, else
    `set_default_device`, else `KERAS_TORCH_DEVICE`, else CUDA when
    available, else the CPU."""
    if _settings["device"] is None:
        name = os.environ.get("KERAS_TORCH_DEVICE")
        if name is None:
            name = "cuda" if torch.cuda.is_available() else "cpu"
        _settings["device"] = to_torch_device(name, "KERAS_TORCH_DEVICE")
    return _settings["device"]


def set_default_device(device):
    _settings["device"] = to_torch_device(device)


def to_torch_device(device, argument="device"):
    """A device name as Keras writes it ("cpu:0", "gpu", "gpu:1", "cuda")
    or a `torch.device`, as the `torch.device` tensors report: "gpu" is
    CUDA, and the CPU has no index."""
    received = device
    if isinstance(device, str):
        name = device.strip().lower()
        if name.startswith("/device:"):
            name = name[len("/device:"):]
        if name == "gpu" or name.startswith("gpu:"):
            name = "cuda" + name[3:]
        try:
            device = torch.device(name)
        except RuntimeError:
            device = None
    if not isinstance(device, torch.device):
        raise ValueError(
            f"Invalid value for `{argument}`. Expected a device name such "
            "as 'cpu', 'gpu', 'gpu:0' or 'cuda:1', or a `torch.device`. "
            f"Received: {argument}={received!r}")
    return torch.device("cpu") if device.type == "cpu" else device


@contextlib.contextmanager
def device(device_name):
    """Places the weights of layers built inside the scope on `device_name`
    ("cpu:0", "gpu:0", "cuda", ...; "gpu" is CUDA), as `keras.device`.

    Inputs always follow the model's weights, so a model built in a scope
    trains there wherever `fit` is called.

    Example:

    >>> with keras.device("cpu"):
    ...     model = keras.Sequential([keras.layers.Dense(3)])
    """
    previous = _settings["device"]
    _settings["device"] = to_torch_device(device_name, "device_name")
    try:
        yield
    finally:
        _settings["device"] = previous
