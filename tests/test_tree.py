"""`keras.tree` against Keras 3 itself on the same structures."""

import collections
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from lamina import tree  # noqa: E402

Point = collections.namedtuple("Point", "x y")
STRUCTURES = [
    1,
    None,
    "text",
    [1, [2, None, (3,)]],
    # Keras's torch backend sorts only the outermost dict's keys (its other
    # backends sort every level, as Lamina does): inner keys come sorted.
    {"b": 1, "a": [2, {"y": 3, "z": 4}]},
    collections.OrderedDict([("b", 1), ("a", 2)]),
    Point(1, [2, 3]),
    (np.zeros(2), {"k": (5, 6)}),
]


@pytest.mark.parametrize("structure", STRUCTURES, ids=repr)
def test_flatten_and_paths_match_keras(structure):
    def same(a, b):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert x is y or x == y
    same(tree.flatten(structure), keras.tree.flatten(structure))
    ours = tree.flatten_with_path(structure)
    theirs = keras.tree.flatten_with_path(structure)
    assert [p for p, _ in ours] == [tuple(p) for p, _ in theirs]
    leaves = list(range(len(tree.flatten(structure))))
    assert tree.pack_sequence_as(structure, leaves) == \
        keras.tree.pack_sequence_as(structure, leaves)
    assert tree.is_nested(structure) == keras.tree.is_nested(structure)


def test_every_dict_level_is_sorted():
    structure = {"b": 1, "a": {"z": 2, "y": 3}}
    assert tree.flatten(structure) == [3, 2, 1]
    assert tree.pack_sequence_as(structure, [3, 2, 1]) == structure


def test_map_structure_matches_keras():
    a = {"b": 1, "a": (2, [3])}
    b = {"a": (20, [30]), "b": 10}
    add = lambda x, y: x + y  # noqa: E731
    assert tree.map_structure(add, a, b) == keras.tree.map_structure(add, a, b)
    assert tree.map_structure(lambda p: p * 2, Point(1, 2)) == Point(2, 4)
    assert tree.map_structure(lambda x: x, [1, None]) == [1, None]
    assert tree.map_structure(lambda x: 0, [1, None],
                              none_is_leaf=False) == [0, None]


def test_structure_mismatches_raise_value_error():
    for a, b in [([1, 2], [1, [2]]), ([1, 2], (1, 2)), ({"a": 1}, {"b": 1}),
                 ([1], [1, 2])]:
        with pytest.raises(ValueError):
            keras.tree.assert_same_structure(a, b)
        with pytest.raises(ValueError, match="same nested structure"):
            tree.assert_same_structure(a, b)
    tree.assert_same_structure([1, (2,)], [3, (4,)])
    with pytest.raises(ValueError, match="same nested structure"):
        tree.map_structure(lambda a, b: a, [1], [1, 2])
    with pytest.raises(ValueError, match="2 leaves, the sequence 1"):
        tree.pack_sequence_as([0, 0], [1])
    with pytest.warns(UserWarning, match="check_types"):
        tree.assert_same_structure([1], [2], check_types=False)


def test_assert_same_paths_ignores_node_types():
    tree.assert_same_paths([1, 2], (3, 4))
    with pytest.raises(ValueError, match="missing in `b`"):
        tree.assert_same_paths({"a": 1}, {"b": 1})


def test_map_structure_up_to_matches_keras():
    shallow = ([0], 0)
    deep = ([[1, 2]], 3)
    assert tree.map_structure_up_to(shallow, str, deep) == \
        keras.tree.map_structure_up_to(shallow, str, deep)
    assert tree.map_structure_up_to(
        {"a": 0}, lambda x, y: x + y, {"a": [1]}, {"a": [2]}) == {"a": [1, 2]}
    with pytest.raises(ValueError, match="shallow structure is deeper"):
        tree.map_structure_up_to([0, [0]], str, [1, 2])


@pytest.mark.parametrize("top_down", [True, False])
def test_traverse_matches_keras(top_down):
    structure = [1, [2, (3, 4)], {"a": 5}]
    for func in [
        lambda x: None,
        lambda x: x * 2 if isinstance(x, int) else None,
        lambda x: tree.MAP_TO_NONE if x == 1 else None,
        lambda x: "pair" if isinstance(x, tuple) else None,
    ]:
        keras_func = lambda x, f=func: (  # noqa: E731
            keras.tree.MAP_TO_NONE if f(x) is tree.MAP_TO_NONE else f(x))
        assert tree.traverse(func, structure, top_down=top_down) == \
            keras.tree.traverse(keras_func, structure, top_down=top_down)


def test_lists_to_tuples_and_shapes_match_keras():
    structure = [1, [2, 3], {"a": [4]}]
    assert tree.lists_to_tuples(structure) == \
        keras.tree.lists_to_tuples(structure)
    shapes = {"a": (1, 2), "b": [None, 3], "c": [(4,), (5, None)]}
    assert tree.map_shape_structure(lambda s: tuple(s), shapes) == \
        keras.tree.map_shape_structure(lambda s: tuple(s), shapes)


def test_namespace_matches_keras():
    public = {n for n in dir(keras.tree) if not n.startswith("_")}
    assert public <= set(dir(tree))
