"""`keras.StatelessScope`: run code with substitute values for some
variables, leaving the variables themselves untouched."""

import torch


class StatelessScope:
    """Inside the scope, each variable of `state_mapping` reads as its
    given value, and assignments to it (`assign`, in-place updates) change
    only the scope's copy, which `get_current_value` returns; on exit every
    variable has its own value back.

    Only the variables listed in `state_mapping` are substituted and
    protected; others behave as usual.

    Args:
        state_mapping: `(variable, value)` pairs; each value has the
            variable's shape.
        collect_losses: must be False (Lamina's layers keep their losses
            in `layer.losses`).
        initialize_variables: must be True (Lamina's variables are always
            initialized when created).

    Example:

    >>> mapping = [(w, torch.zeros_like(w)) for w in model.weights]
    >>> with keras.StatelessScope(mapping) as scope:
    ...     outputs = model(x)  # computed with zero weights
    """

    def __init__(self, state_mapping=None, collect_losses=False,
                 initialize_variables=True):
        if collect_losses:
            raise ValueError(
                "StatelessScope(collect_losses=True) is not supported by "
                "Lamina: read the losses from `layer.losses` or "
                "`model.losses`. Expected collect_losses=False.")
        if not initialize_variables:
            raise ValueError(
                "StatelessScope(initialize_variables=False) is not supported"
                " by Lamina, whose variables are initialized on creation. "
                "Expected initialize_variables=True.")
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self._values = {}
        self._variables = {}
        for variable, value in state_mapping or []:
            if not isinstance(variable, torch.Tensor) or not hasattr(
                    variable, "assign"):
                raise ValueError(
                    "Invalid reference variable in StatelessScope: all keys "
                    "in argument `mapping` must be Variable instances. "
                    f"Received instead: {variable!r}")
            value = torch.as_tensor(value, dtype=variable.dtype,
                                    device=variable.device)
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    "Invalid variable value in StatelessScope: all values in "
                    "argument `mapping` must be tensors with a shape that "
                    "matches the corresponding variable shape. For variable "
                    f"{getattr(variable, 'path', variable)}, received a value "
                    f"of shape {tuple(value.shape)}.")
            self._variables[id(variable)] = variable
            self._values[id(variable)] = value.detach().clone()
        self._originals = {}

    def __enter__(self):
        for key, variable in self._variables.items():
            self._originals[key] = variable.data
            variable.data = self._values[key]
        return self

    def __exit__(self, *exc_info):
        for key, variable in self._variables.items():
            self._values[key] = variable.data
            variable.data = self._originals.pop(key)

    def add_update(self, update):
        """Records `(variable, value)` as the variable's value in the scope
        (the variable must be in `state_mapping`)."""
        variable, value = update
        key = id(variable)
        if key not in self._variables:
            raise ValueError(
                "StatelessScope.add_update: the variable "
                f"{getattr(variable, 'path', variable)} is not in the "
                "scope's `state_mapping`.")
        value = torch.as_tensor(value, dtype=variable.dtype,
                                device=variable.device)
        if key in self._originals:  # the scope is open
            variable.data.copy_(value)
        else:
            self._values[key] = value.detach().clone()

    def get_current_value(self, variable):
        """The variable's value in the scope (None if not mapped)."""
        if id(variable) not in self._variables:
            return None
        if id(variable) in self._originals:  # the scope is open
            return variable.data
        return self._values[id(variable)]
