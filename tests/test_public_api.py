"""Every public name of Keras 3.15's namespaces exists in Lamina, except the
ones listed below: names that only make sense on another backend, and names
still missing, grouped by the open issue that owns them. When a name lands,
`test_missing_list_is_current` fails until it leaves the list, so the list
only shrinks."""

import importlib

import pytest

keras = pytest.importorskip("keras")

NAMESPACES = [
    "", "activations", "applications", "backend", "callbacks", "config",
    "constraints", "datasets", "datasets.boston_housing",
    "datasets.california_housing", "datasets.cifar10", "datasets.cifar100",
    "datasets.fashion_mnist", "datasets.imdb", "datasets.mnist",
    "datasets.reuters", "distillation", "distribution", "dtype_policies",
    "export", "initializers", "layers", "legacy", "legacy.saving", "losses",
    "metrics", "mixed_precision", "models", "ops", "ops.image", "ops.linalg",
    "ops.nn", "ops.numpy", "optimizers", "optimizers.legacy",
    "optimizers.schedules", "preprocessing", "preprocessing.image",
    "preprocessing.sequence", "quantizers", "random", "regularizers",
    "saving", "tree", "utils", "utils.bounding_boxes", "utils.legacy",
    "visualization", "wrappers",
]

# Names that exist for other backends only; Lamina runs on torch alone.
NOT_FOR_TORCH = {
    "": {"src"},  # Keras's private implementation package
    "layers": {"FlaxLayer", "JaxLayer",  # wrap JAX/Flax functions
               "TFSMLayer"},  # loads a TensorFlow SavedModel
    "config": {"is_nnx_enabled"},  # Flax NNX integration
    "callbacks": {"OrbaxCheckpoint"},  # JAX's Orbax checkpointing
}

# Names still missing, by owner, then namespace ("" is `keras` itself).
MISSING = {}


def _module(root, namespace):
    name = root + ("." + namespace if namespace else "")
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def _missing(namespace):
    names = set()
    for groups in MISSING.values():
        names.update(groups.get(namespace, "").split())
    return names


@pytest.mark.parametrize("namespace", NAMESPACES, ids=lambda n: n or "keras")
def test_lamina_has_every_public_name(namespace):
    reference = _public(_module("keras", namespace))
    expected = (reference - NOT_FOR_TORCH.get(namespace, set())
                - _missing(namespace))
    module = _module("lamina", namespace)
    where = "lamina" + ("." + namespace if namespace else "")
    assert module is not None or not expected, (
        f"{where} does not exist; Keras has {sorted(expected)}")
    lacking = sorted(n for n in expected if not hasattr(module, n))
    assert not lacking, f"{where} lacks {lacking}"


@pytest.mark.parametrize("namespace", NAMESPACES, ids=lambda n: n or "keras")
def test_missing_list_is_current(namespace):
    """A listed name that Lamina now has (or Keras no longer has) must
    leave `MISSING`."""
    reference = _public(_module("keras", namespace))
    module = _module("lamina", namespace)
    listed = _missing(namespace)
    assert not listed - reference, (
        f"not in Keras: {sorted(listed - reference)}")
    landed = sorted(n for n in listed
                    if module is not None and hasattr(module, n))
    assert not landed, (
        f"lamina.{namespace} now has {landed}: remove them from MISSING")


def test_every_namespace_is_walked():
    """Every public submodule of `keras` that holds names is in the walk."""
    for namespace in NAMESPACES:
        assert _module("keras", namespace) is not None, namespace
    assert all(
        set(groups) <= set(NAMESPACES) for groups in MISSING.values())


if __name__ == "__main__":
    # `python tests/test_public_api.py` prints what Lamina lacks today, per
    # namespace, to refresh `MISSING` after names land.
    for namespace in NAMESPACES:
        module = _module("lamina", namespace)
        lacking = sorted(
            n for n in _public(_module("keras", namespace))
            - NOT_FOR_TORCH.get(namespace, set())
            if module is None or not hasattr(module, n))
        if lacking:
            print(f"{namespace or 'keras'}: {' '.join(lacking)}")
