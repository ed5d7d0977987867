"""`keras.tree`: functions over nested structures, with Keras's semantics.

A structure is built of lists, tuples (named tuples included) and dicts;
anything else (tensors, arrays, strings, None) is a leaf. Dict values are
visited in sorted key order, as Keras does; an `OrderedDict` keeps its own
order. `lamina.utils.tree` is the library's internal helper, which keeps
insertion order so that a model's outputs come back as the user wrote them.
"""

import collections
import warnings

__all__ = [
    "MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
    "flatten_with_path", "is_nested", "lists_to_tuples",
    "map_shape_structure", "map_structure", "map_structure_up_to",
    "pack_sequence_as", "traverse",
]


class MAP_TO_NONE:
    """A sentinel for `traverse`: `func` returning this class maps the node
    to `None` (returning `None` itself means "visit the children")."""


def is_nested(structure):
    """True for a list, tuple or dict (the structures `keras.tree` walks)."""
    return isinstance(structure, (list, tuple, dict))


def _keys(structure):
    if isinstance(structure, collections.OrderedDict):
        return list(structure)
    if isinstance(structure, dict):
        try:
            return sorted(structure)
        except TypeError:
            return sorted(structure, key=repr)
    return range(len(structure))


def _children(structure):
    if isinstance(structure, dict):
        return [structure[key] for key in _keys(structure)]
    return list(structure)


def _rebuild(structure, children):
    """A node of `structure`'s type holding `children` (in `_keys` order)."""
    if isinstance(structure, dict):
        items = dict(zip(_keys(structure), children))
        # Keep the caller's key order in the result.
        values = [(key, items[key]) for key in structure]
        if type(structure) is dict:
            return dict(values)
        if isinstance(structure, collections.defaultdict):
            rebuilt = collections.defaultdict(structure.default_factory)
            rebuilt.update(values)
            return rebuilt
        return type(structure)(values)
    if isinstance(structure, tuple):
        if hasattr(structure, "_fields"):
            return type(structure)(*children)
        return tuple(children) if type(structure) is tuple \
            else type(structure)(children)
    if type(structure) is list:
        return list(children)
    return type(structure)(children)


def flatten(structure):
    """The leaves of `structure`, depth first, dict values by sorted key."""
    if not is_nested(structure):
        return [structure]
    return [leaf for child in _children(structure) for leaf in flatten(child)]


def flatten_with_path(structure):
    """`(path, leaf)` pairs; a path is the tuple of keys and indices that
    leads from the root to the leaf."""
    if not is_nested(structure):
        return [((), structure)]
    pairs = []
    for key, child in zip(_keys(structure), _children(structure)):
        for path, leaf in flatten_with_path(child):
            pairs.append(((key,) + path, leaf))
    return pairs


def pack_sequence_as(structure, flat_sequence):
    """`flat_sequence`'s items arranged as the leaves of `structure`."""
    flat_sequence = list(flat_sequence)
    count = len(flatten(structure))
    if len(flat_sequence) != count:
        raise ValueError(
            "The flat sequence does not fit the structure: the structure "
            f"has {count} leaves, the sequence {len(flat_sequence)} items. "
            f"Received: structure={structure!r}")
    items = iter(flat_sequence)

    def pack(node):
        if not is_nested(node):
            return next(items)
        return _rebuild(node, [pack(child) for child in _children(node)])

    return pack(structure)


def _mismatch(a, b, reason):
    return ValueError(
        f"The two structures don't have the same nested structure: {reason}."
        f"\nFirst structure: {a!r}\nSecond structure: {b!r}")


def _check_same(a, b, check_types, none_is_leaf=True):
    if not none_is_leaf and (a is None or b is None):
        if (a is None) != (b is None):
            raise _mismatch(a, b, "None against a value")
        return
    if is_nested(a) != is_nested(b):
        raise _mismatch(a, b, f"{type(a).__name__} against "
                              f"{type(b).__name__}")
    if not is_nested(a):
        return
    if check_types and not (isinstance(a, dict) and isinstance(b, dict)) \
            and type(a) is not type(b):
        raise _mismatch(a, b, f"node type {type(a).__name__} against "
                              f"{type(b).__name__}")
    if isinstance(a, dict) != isinstance(b, dict):
        raise _mismatch(a, b, "a dict against a sequence")
    if isinstance(a, dict) and set(a) != set(b):
        raise _mismatch(a, b, f"keys {sorted(a, key=repr)} against "
                              f"{sorted(b, key=repr)}")
    if len(a) != len(b):
        raise _mismatch(a, b, f"{len(a)} items against {len(b)}")
    if isinstance(a, dict):
        for key in a:
            _check_same(a[key], b[key], check_types, none_is_leaf)
    else:
        for x, y in zip(a, b):
            _check_same(x, y, check_types, none_is_leaf)


def assert_same_structure(a, b, check_types=None):
    """Raises `ValueError` unless `a` and `b` nest the same way, with the
    same node types (a list and a tuple differ) and the same dict keys."""
    if check_types is not None:
        warnings.warn(
            "The `check_types` argument of `assert_same_structure` is "
            "deprecated in Keras 3 and has no effect: node types are always "
            "compared.", stacklevel=2)
    _check_same(a, b, check_types=True)


def assert_same_paths(a, b):
    """Raises `ValueError` unless `a` and `b` have the same set of leaf
    paths (node types may differ)."""
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(
            "`a` and `b` don't have the same paths.\n"
            f"Paths in `a` missing in `b`:\n{paths_a - paths_b}\n"
            f"Paths in `b` missing in `a`:\n{paths_b - paths_a}")


def map_structure(func, *structures, none_is_leaf=True):
    """`func` applied leaf by leaf across `structures` (which must share
    one structure), arranged as the first. With `none_is_leaf=False` a
    `None` stays `None` and `func` never sees it."""
    if not callable(func):
        raise TypeError(f"`func` must be callable. Received: func={func!r}")
    if not structures:
        raise ValueError("`map_structure` needs at least one structure.")
    for other in structures[1:]:
        _check_same(structures[0], other, check_types=True,
                    none_is_leaf=none_is_leaf)

    def walk(nodes):
        first = nodes[0]
        if not none_is_leaf and first is None:
            return None
        if not is_nested(first):
            return func(*nodes)
        columns = zip(*(_children(node) for node in nodes))
        return _rebuild(first, [walk(column) for column in columns])

    return walk(structures)


def map_structure_up_to(shallow_structure, func, *structures):
    """Like `map_structure`, but stops descending where `shallow_structure`
    has a leaf: `func` receives the whole sub-structure found there."""
    def check(shallow, node):
        if not is_nested(shallow):
            return
        if not is_nested(node) or isinstance(shallow, dict) != \
                isinstance(node, dict):
            raise _mismatch(shallow, node, "the shallow structure is deeper")
        if isinstance(shallow, dict):
            missing = set(shallow) - set(node)
            if missing:
                raise _mismatch(shallow, node, f"keys {sorted(missing)} "
                                               "are missing")
            for key in shallow:
                check(shallow[key], node[key])
            return
        if len(shallow) != len(node):
            raise _mismatch(shallow, node,
                            f"{len(shallow)} items against {len(node)}")
        for x, y in zip(shallow, node):
            check(x, y)

    for node in structures:
        check(shallow_structure, node)

    def walk(shallow, nodes):
        if not is_nested(shallow):
            return func(*nodes)
        if isinstance(shallow, dict):
            keys = _keys(shallow)
            columns = [[node[key] for node in nodes] for key in keys]
        else:
            columns = [list(column) for column in zip(*nodes)]
        return _rebuild(shallow, [
            walk(child, column)
            for child, column in zip(_children(shallow), columns)])

    return walk(shallow_structure, structures)


def traverse(func, structure, top_down=True):
    """Visits every node (not only the leaves) with `func`.

    Top down: where `func` returns None the node's children are visited,
    `MAP_TO_NONE` replaces the node with None, and any other value replaces
    the node (its children are not visited). Bottom up: children are
    visited first, then `func` sees the rebuilt node, and None keeps it.
    """
    def result(value, node):
        if value is MAP_TO_NONE:
            return None
        return node if value is None else value

    def down(node):
        value = func(node)
        if value is None and is_nested(node):
            return _rebuild(node, [down(child) for child in _children(node)])
        return result(value, node)

    def up(node):
        if is_nested(node):
            node = _rebuild(node, [up(child) for child in _children(node)])
        return result(func(node), node)

    return down(structure) if top_down else up(structure)


def lists_to_tuples(structure):
    """The same structure with every list turned into a tuple."""
    def convert(node):
        if isinstance(node, list):
            return tuple(node)
        return None

    return traverse(convert, structure, top_down=False)


def _is_shape(node):
    return isinstance(node, (list, tuple)) and not hasattr(node, "_fields") \
        and all(isinstance(d, int) or d is None for d in node)


def map_shape_structure(func, structure):
    """`map_structure` where a shape (a tuple or list of ints and None) is
    a leaf: `func` receives each shape whole."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, child)
                                for child in _children(structure)])
