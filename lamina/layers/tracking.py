"""Lists and dicts of layers set as attributes, registered as torch
containers so `parameters()` and `state_dict()` see them."""

import torch


class _TrackedList(torch.nn.ModuleList):
    """A list of layers set as an attribute; registered so torch sees it."""

    def values_in_order(self):
        return list(self)

    def __eq__(self, other):
        return list(self) == list(other)

    __hash__ = torch.nn.ModuleList.__hash__


class _TrackedDict(torch.nn.ModuleDict):
    def values_in_order(self):
        return list(self.values())
