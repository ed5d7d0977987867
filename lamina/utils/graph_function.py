"""`keras.Function`: a graph of recorded calls between symbolic inputs and
outputs, callable on data, without a model's weights or training API."""

from lamina.graph import Operation
from lamina.models.graph import Graph
from lamina.models.graph import keras_order
from lamina.utils import tree


class Function(Operation):
    """The computation from `inputs` to `outputs` (KerasTensors, or
    structures of them), run on new values.

    Example:

    >>> x = keras.Input((3,))
    >>> y = keras.ops.sum(keras.ops.exp(x), axis=-1)
    >>> fn = keras.Function(inputs=x, outputs=y)
    >>> fn(np.ones((2, 3)))  # a (2,) tensor
    """

    def __init__(self, inputs, outputs, name=None):
        self._graph = Graph(inputs, outputs)
        super().__init__(self._run, "function", name=name)
        self._inputs_struct = inputs
        self._outputs_struct = outputs

    @property
    def inputs(self):
        return list(self._graph.inputs)

    @property
    def outputs(self):
        return list(self._graph.outputs)

    @property
    def operations(self):
        """The recorded operations and layers, in execution order."""
        seen = []
        for operation, *_ in self._graph.plan:
            if all(operation is not other for other in seen):
                seen.append(operation)
        return seen

    def _run(self, inputs):
        flat = tree.flatten(keras_order(inputs))
        expected = len(self._graph.inputs)
        if len(flat) != expected:
            raise ValueError(
                f"Function '{self.name}' expects {expected} input(s), "
                f"structured as {self._inputs_struct}. Received "
                f"{len(flat)}: {inputs!r}")
        return self._graph.run(
            flat, lambda operation, args, kwargs: operation(*args, **kwargs))

    def call(self, inputs):
        return self._run(inputs)

    def __repr__(self):
        return f"<Function name={self.name}>"
