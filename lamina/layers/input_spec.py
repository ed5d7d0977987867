"""InputSpec: what a layer accepts (rank, dtype, fixed axes), checked on call."""

from lamina.utils import tree


class InputSpec:
    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None,
                 min_ndim=None, axes=None, allow_last_axis_squeeze=False,
                 name=None, optional=False):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def __repr__(self):
        fields = {k: v for k, v in vars(self).items() if v}
        return f"InputSpec({', '.join(f'{k}={v}' for k, v in fields.items())})"

    def get_config(self):
        return {
            "dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
            "max_ndim": self.max_ndim, "min_ndim": self.min_ndim,
            "axes": self.axes,
        }


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises a ValueError naming the layer if `inputs` break `input_spec`."""
    if isinstance(input_spec, InputSpec) and hasattr(inputs, "shape") and \
            _quick_ok(input_spec, inputs.shape):
        return
    specs = tree.flatten(input_spec)
    flat_inputs = tree.flatten(inputs)
    if len(specs) > 1 and len(flat_inputs) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it '
            f"received {len(flat_inputs)} input tensors."
        )
    for index, (spec, x) in enumerate(zip(specs, flat_inputs)):
        if spec is None or not hasattr(x, "shape"):
            continue
        shape = tuple(x.shape)
        rank = len(shape)
        where = f'Input {index} of layer "{layer_name}"'
        if spec.ndim is not None and rank != spec.ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected ndim="
                f"{spec.ndim}, found ndim={rank}. Full shape received: {shape}"
            )
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected max_ndim="
                f"{spec.max_ndim}, found ndim={rank}. Full shape received: "
                f"{shape}"
            )
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected min_ndim="
                f"{spec.min_ndim}, found ndim={rank}. Full shape received: "
                f"{shape}"
            )
        for axis, value in spec.axes.items():
            if value is None or -rank > axis or axis >= rank:
                continue
            if shape[axis] not in (value, None):
                raise ValueError(
                    f"{where} is incompatible with the layer: expected axis "
                    f"{axis} of input shape to have value {value}, but "
                    f"received input with shape {shape}"
                )
        if spec.shape is not None:
            for expected, got in zip(spec.shape, shape):
                if expected is not None and got is not None and expected != got:
                    raise ValueError(
                        f"{where} is incompatible with the layer: expected "
                        f"shape={spec.shape}, found shape={shape}"
                    )


def _quick_ok(spec, shape):
    """The common case (a rank bound and fixed axes) without building
    messages; anything unusual falls through to the full check."""
    rank = len(shape)
    if spec.ndim is not None and rank != spec.ndim:
        return False
    if spec.min_ndim is not None and rank < spec.min_ndim:
        return False
    if spec.max_ndim is not None and rank > spec.max_ndim:
        return False
    for axis, value in spec.axes.items():
        if value is not None and (axis >= rank or axis < -rank or
                                  shape[axis] != value):
            return False
    return spec.shape is None
