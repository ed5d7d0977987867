"""Keras-style unique names: `dense`, `dense_1`, ... reset by clear_session."""

import collections
import re

_name_counts = collections.defaultdict(int)


def to_snake_case(name):
    """Keras's rule: `Conv2D` -> `conv2d`, `MaxPooling2D` -> `max_pooling2d`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(base):
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_names():
    _name_counts.clear()
