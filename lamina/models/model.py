"""Model: a Layer that groups layers and trains (compile/fit live in trainers).

`Model(inputs, outputs)` returns a `Functional`; subclasses define `call` and
may also pass `inputs`/`outputs` to `super().__init__` to get a graph.
"""

from lamina.layers.layer import Layer
from lamina.layers.quantized.model_quantize import quantize_model
from lamina.models import graph as graph_lib
from lamina.models import input_cloning
from lamina.graph.symbolic import KerasTensor
from lamina.saving.registry import Registry
from lamina.trainers.trainer import Trainer
from lamina.utils import tree
from lamina.utils.dtypes import to_torch_dtype

MODELS = Registry("model", "keras.models")


def _is_functional_init(args, kwargs):
    if "inputs" in kwargs and "outputs" in kwargs:
        return True
    if len(args) >= 2:
        return _is_symbolic_structure(args[0])
    return len(args) == 1 and "outputs" in kwargs


def _is_symbolic_structure(value):
    flat = tree.flatten(value)
    return bool(flat) and all(isinstance(x, KerasTensor) for x in flat)


@MODELS.register(keras_module="keras")
class Model(Trainer, Layer):
    """Groups layers into an object with training and inference features.

    Build one functionally, `Model(inputs, outputs, name=...)`, or subclass
    it and define `call(self, inputs, training=None)`.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_init(args, kwargs):
            # `Functional` (a subclass, so not imported here) registers
            # itself in MODELS when `lamina.models` loads.
            functional = MODELS.lookup("Functional")
            return functional.__new__(functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        graph_args = None
        if _is_functional_init(args, kwargs):
            inputs = kwargs.pop("inputs", None)
            outputs = kwargs.pop("outputs", None)
            positional = list(args)
            if inputs is None:
                inputs = positional.pop(0)
            if outputs is None:
                outputs = positional.pop(0)
            graph_args = (inputs, outputs)
            args = tuple(positional)
        if args:
            raise TypeError(
                f"{type(self).__name__}() takes keyword arguments only "
                f"besides `inputs` and `outputs`. Received extra positional "
                f"arguments: {args}"
            )
        Layer.__init__(self, **kwargs)
        self._init_trainer()
        self._graph = None
        if graph_args is not None:
            self._init_graph(*graph_args)

    # ------------------------------------------------------------------
    # Graph (functional) support
    def _init_graph(self, inputs, outputs):
        inputs, outputs = input_cloning.with_input_layers(inputs, outputs)
        self._graph = graph_lib.Graph(inputs, outputs)
        for operation in self._graph.operations:
            if isinstance(operation, Layer):
                self._register_layer(operation)
        self._build_shapes = {"input_shape": tree.map_structure(
            lambda x: x.shape, inputs)}
        self.built = True

    def _register_layer(self, layer):
        # torch refuses "." in a child's name; Keras's names may hold one
        # (MobileNet's "mobilenetv2_0.35_224").
        key = layer.name.replace(".", "_")
        if key in self._modules and self._modules[key] is layer:
            return
        while key in self._modules or (
            hasattr(self, key) and key not in self._modules
        ):
            key = key + "_"
        self.add_module(key, layer)

    def _flatten_graph_inputs(self, inputs):
        graph = self._graph
        expected = graph.inputs
        struct = graph.inputs_struct
        if isinstance(inputs, dict):
            keys = list(graph_lib.keras_order(struct)) if isinstance(
                struct, dict) else [x.name for x in expected]
            missing = [k for k in keys if k not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {keys}, but "
                    f"the input dict is missing {missing}. Received keys: "
                    f"{list(inputs)}"
                )
            flat = [inputs[k] for k in keys]
        else:
            flat = tree.flatten(inputs)
        if len(flat) != len(expected):
            raise ValueError(
                f"Model '{self.name}' expects {len(expected)} input(s), but it "
                f"received {len(flat)} input tensors."
            )
        return flat

    def _run_graph(self, inputs, training=None, mask=None):
        flat = self._flatten_graph_inputs(inputs)
        for i, (value, spec) in enumerate(zip(flat, self._graph.inputs)):
            if value is None:
                layer = spec._keras_history[0] if spec._keras_history \
                    else None
                if not getattr(layer, "optional", False):
                    raise ValueError(
                        f"Model '{self.name}' received None for its input "
                        f"'{spec.name}', which is not optional. Pass a "
                        "tensor, or declare the input with "
                        "`Input(..., optional=True)`."
                    )
                continue
            if hasattr(value, "dtype") and not isinstance(value, KerasTensor):
                dtype = to_torch_dtype(spec.dtype)
                if value.dtype != dtype:
                    flat[i] = value.to(dtype)
        return self._graph.run(flat, _call_operation)

    def _convert_inputs(self, args):
        if self._graph is None or len(self._graph.inputs) == 1:
            return super()._convert_inputs(args)
        # Several inputs: each takes its own `Input`'s dtype in `_run_graph`
        # (casting all to one dtype first would lose float64 precision).
        return tree.map_structure(
            lambda v: self._to_input_tensor(v, cast=False), args)

    def _graph_output_spec(self, inputs):
        flat = self._flatten_graph_inputs(inputs)
        return self._graph.run(flat, _spec_of_operation)

    def call(self, inputs, training=None, mask=None):
        if self._graph is not None:
            return self._run_graph(inputs, training, mask)
        raise NotImplementedError(
            f"Model {type(self).__name__} does not define `call()`: subclass "
            "Model and implement `call(self, inputs, training=None)`, or build "
            "it functionally with `Model(inputs, outputs)`."
        )

    def _direct_layers_function(self):
        """A callable running the layers for inputs already validated,
        or None to use the model's own forward."""
        return None

    def compute_output_spec(self, *args, **kwargs):
        if self._graph is not None:
            return self._graph_output_spec(args[0])
        return super().compute_output_spec(*args, **kwargs)

    # ------------------------------------------------------------------
    # Structure
    @property
    def layers(self):
        if self._graph is not None:
            return [op for op in self._graph.operations
                    if isinstance(op, Layer)]
        return self._direct_sublayers()

    def _direct_sublayers(self):
        if self._graph is not None:
            return self.layers
        return super()._direct_sublayers()

    def get_layer(self, name=None, index=None):
        """Returns a layer by `name` or by `index` (not both)."""
        if name is not None and index is not None:
            raise ValueError(
                "Provide only a layer name or a layer index, not both. "
                f"Received: name={name}, index={index}"
            )
        layers = self.layers
        if index is not None:
            if not isinstance(index, int) or not -len(layers) <= index < len(
                layers
            ):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model "
                    f"'{self.name}' only has {len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: "
                f"{[layer.name for layer in layers]}."
            )
        raise ValueError(
            "Provide either a layer name or layer index at `get_layer`."
        )

    @property
    def inputs(self):
        return list(self._graph.inputs) if self._graph is not None else None

    @property
    def outputs(self):
        return list(self._graph.outputs) if self._graph is not None else None

    @property
    def input(self):
        if self._graph is None:
            return super().input
        return self._graph.inputs_struct

    @property
    def output(self):
        if self._graph is None:
            return super().output
        if self._graph.single_output_in_list:
            return self._graph.outputs[0]
        return self._graph.outputs_struct

    @property
    def input_shape(self):
        return _shapes(self.input)

    @property
    def output_shape(self):
        return _shapes(self.output)

    @property
    def input_dtype(self):
        if self._graph is not None and len(self._graph.inputs) == 1:
            return self._graph.inputs[0].dtype
        return super().input_dtype

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from its config: a functional config (layers, inputs and
        outputs) rebuilds the graph, anything else goes to `cls(**config)`."""
        import inspect

        from lamina.models.functional_config import functional_from_config

        is_functional_config = isinstance(config, dict) and all(
            key in config for key in ("layers", "input_layers",
                                      "output_layers"))
        spec = inspect.getfullargspec(cls.__init__)
        takes_graph = cls is Model or spec.args[1:3] == ["inputs", "outputs"] \
            or (spec.varargs is not None and spec.varkw is not None)
        if is_functional_config and takes_graph:
            return functional_from_config(cls, config, custom_objects)
        return super().from_config(config)

    def to_json(self, **kwargs):
        """The model's config (with build and compile configs) as JSON."""
        import json

        from lamina.saving.serialization import serialize_keras_object

        return json.dumps(serialize_keras_object(self), **kwargs)

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantizes every leaf layer that supports `mode` ("int8", "int4",
        "float8", "gptq", "awq") or `config`; `filters` (a regex on layer
        names, a list of them, or a callable) selects the layers."""
        quantize_model(self, mode, config, filters, **kwargs)

    def get_quantization_layer_structure(self, mode=None):
        """The model's structure for GPTQ/AWQ (`{"pre_block_layers": [...],
        "sequential_blocks": [...]}`); None unless a subclass defines
        it."""
        del mode
        return None

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model as `.keras` (or legacy `.h5`); see
        `lamina.saving.save_model`."""
        from lamina.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite,
                              zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights (and optimizer state) to a `.weights.h5`."""
        from lamina.saving import saving_api

        saving_api.save_weights(self, filepath, overwrite=overwrite,
                                max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a `.keras`, `.weights.h5` or legacy `.h5`
        file (`by_name=True` for legacy files matches layers by name)."""
        from lamina.saving import saving_api

        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch,
                                **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=None,
               input_signature=None, **kwargs):
        """Exports the inference function for serving: `format="torch"`
        writes a `torch.export` program (`.pt2`), `format="onnx"` an ONNX
        model; see `lamina.export.export_lib.export_model`."""
        from lamina.export import export_lib

        export_lib.export_model(
            self, filepath, format=format, verbose=verbose,
            input_signature=input_signature, **kwargs)

    def summary(self, line_length=None, positions=None, print_fn=None,
                expand_nested=False, show_trainable=False, layer_range=None):
        """Prints Keras 3's table of layers, output shapes and parameters."""
        from lamina.utils import summary_utils

        summary_utils.print_summary(
            self, line_length=line_length, positions=positions,
            print_fn=print_fn, expand_nested=expand_nested,
            show_trainable=show_trainable, layer_range=layer_range,
            graph=self._functional_graph(),
        )

    def _functional_graph(self):
        """The graph of a functional model, whose operations the summary
        lists and whose output layers name the outputs; None for
        subclassed models (and Sequential, a stack of layers)."""
        return self._graph


def _shapes(structure):
    return tree.map_structure(
        lambda x: x.shape if isinstance(x, KerasTensor) else x, structure
    )


def _call_operation(operation, args, kwargs):
    return operation(*args, **kwargs)


def _spec_of_operation(operation, args, kwargs):
    if isinstance(operation, Layer):
        return operation.compute_output_spec(
            *args, **operation._spec_kwargs(kwargs))
    from lamina.graph.symbolic import trace_output_spec

    return trace_output_spec(operation.fn, args, kwargs)
