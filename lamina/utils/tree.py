"""Minimal nest utilities over lists, tuples and dicts (the structures Keras
layers take and return)."""


def flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple):
        mapped = [map_structure(fn, item) for item in structure]
        return type(structure)(*mapped) if hasattr(structure, "_fields") \
            else tuple(mapped)
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def pack_sequence_as(structure, flat):
    iterator = iter(flat)
    return map_structure(lambda _: next(iterator), structure)


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))
