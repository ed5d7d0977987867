"""Public scopes: `keras.name_scope` (weight paths) and
`keras.SymbolicScope` (code running on placeholders)."""

from lamina.graph import in_symbolic_scope
from lamina.graph import symbolic_scope
from lamina.layers import call_context


class name_scope:
    """Weights created inside get their path under `name`:
    `"outer/dense/kernel"` for a Dense built in `name_scope("outer")`.

    Args:
        name: the scope's name (no "/").
        caller: the object that opened the scope (a layer), kept as
            `caller`.
        deduplicate: do not repeat `name` when the innermost scope already
            has it.
        override_parent: a path ("a/b") that replaces the enclosing scopes
            while this one is open.
    """

    def __init__(self, name, caller=None, deduplicate=True,
                 override_parent=None):
        if not isinstance(name, str) or "/" in name or not name:
            raise ValueError(
                "Argument `name` of name_scope must be a non-empty string "
                f"without '/'. Received: name={name!r}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._saved = None

    def __enter__(self):
        scope = call_context.state.name_scope
        self._saved = list(scope)
        if self.override_parent is not None:
            scope[:] = [p for p in self.override_parent.split("/") if p]
        if not (self.deduplicate and scope and scope[-1] == self.name):
            scope.append(self.name)
        return self

    def __exit__(self, *exc_info):
        call_context.state.name_scope[:] = self._saved


def current_path():
    """The enclosing scopes' names joined by "/" ("" outside any)."""
    return "/".join(call_context.state.name_scope)


class SymbolicScope:
    """Marks the code inside as running on placeholders (shape inference),
    not on data: `in_symbolic_scope()` is True there."""

    def __enter__(self):
        self._scope = symbolic_scope()
        self._scope.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._scope.__exit__(*exc_info)


__all__ = ["SymbolicScope", "current_path", "in_symbolic_scope",
           "name_scope"]
