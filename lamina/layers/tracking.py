"""Lists, tuples and dicts set as layer attributes.

Keras tracks the layers inside them, including layers appended later
(`self.blocks = []` then `self.blocks.append(Dense(3))`). The attribute
stays a real list or dict; every change re-registers the modules it holds
as a hidden torch container under the same name, so `parameters()`,
`state_dict()` (`blocks.0.kernel`) and the Keras weight lists see them.
"""

import torch


class TrackedModules(torch.nn.ModuleList):
    """The torch-side view of a tracked list or tuple: its modules."""

    def values_in_order(self):
        return list(self)


class TrackedModuleDict(torch.nn.ModuleDict):
    """The torch-side view of a tracked dict, keyed like the dict."""

    def values_in_order(self):
        return list(self.values())


def _modules_in(values):
    return [v for v in values if isinstance(v, torch.nn.Module)]


class TrackedList(list):
    def __init__(self, items=(), owner=None, name=None):
        super().__init__(items)
        self._owner, self._name = owner, name
        self._sync()

    def _sync(self):
        # Code that rebuilds a list via `type(x)(...)` gets an unowned one.
        if self._owner is not None:
            self._owner._register_tracked(self._name, _modules_in(self))

    def __reduce_ex__(self, protocol):
        return (list, (list(self),))

    def __deepcopy__(self, memo):
        import copy

        return [copy.deepcopy(v, memo) for v in self]


def _mutating(method_name):
    base = getattr(list, method_name)

    def method(self, *args, **kwargs):
        result = base(self, *args, **kwargs)
        self._sync()
        return self if method_name == "__iadd__" else result

    method.__name__ = method_name
    return method


for _name in ("append", "extend", "insert", "remove", "pop", "clear",
              "sort", "reverse", "__setitem__", "__delitem__", "__iadd__"):
    setattr(TrackedList, _name, _mutating(_name))


class TrackedDict(dict):
    def __init__(self, items=(), owner=None, name=None):
        super().__init__(items)
        self._owner, self._name = owner, name
        self._sync()

    def _sync(self):
        if self._owner is None:
            return
        self._owner._register_tracked(self._name, {
            str(k).replace(".", "_"): v for k, v in self.items()
            if isinstance(v, torch.nn.Module)})

    def __reduce_ex__(self, protocol):
        return (dict, (dict(self),))

    def __deepcopy__(self, memo):
        import copy

        return {k: copy.deepcopy(v, memo) for k, v in self.items()}


def _dict_mutating(method_name):
    base = getattr(dict, method_name)

    def method(self, *args, **kwargs):
        result = base(self, *args, **kwargs)
        self._sync()
        return result

    method.__name__ = method_name
    return method


for _name in ("__setitem__", "__delitem__", "update", "pop", "popitem",
              "clear", "setdefault"):
    setattr(TrackedDict, _name, _dict_mutating(_name))
