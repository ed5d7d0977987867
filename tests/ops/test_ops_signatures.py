"""Every function of `keras.ops` (and its `numpy`, `nn`, `linalg` and
`image` namespaces) that Lamina has takes the same parameters, in the same
order, with the same defaults."""

import inspect

import pytest

import lamina.ops

keras = pytest.importorskip("keras")

NAMESPACES = ["", "numpy", "nn", "linalg", "image"]


def _functions():
    pairs = []
    for namespace in NAMESPACES:
        reference = keras.ops if not namespace else getattr(keras.ops,
                                                            namespace)
        ours = lamina.ops if not namespace else getattr(lamina.ops,
                                                        namespace)
        for name in sorted(dir(reference)):
            value = getattr(reference, name)
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if hasattr(ours, name):
                pairs.append((f"{namespace or 'ops'}.{name}", value,
                              getattr(ours, name)))
    return pairs


FUNCTIONS = _functions()


def _parameters(fn):
    return [(p.name, p.kind, p.default)
            for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name, reference, ours", FUNCTIONS,
                         ids=[f[0] for f in FUNCTIONS])
def test_same_parameters_and_defaults(name, reference, ours):
    assert _parameters(ours) == _parameters(reference)
