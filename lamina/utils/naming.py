"""Keras-style unique names: `dense`, `dense_1`, ... reset by clear_session."""

import collections
import re

_name_counts = collections.defaultdict(int)


def to_snake_case(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    if name.startswith("_"):
        return "private" + name
    return name


def uniquify(base):
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    _name_counts.clear()
