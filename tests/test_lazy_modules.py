"""Lazy attributes of `lamina` and its packages: every listed name resolves,
and a missing name is an AttributeError (so `hasattr` answers False)."""

import importlib
import importlib.util

import pytest

import lamina
from lamina import metrics
from lamina import models

LAZY_PACKAGES = [lamina, metrics, models]


def _exists(module, name):
    if importlib.util.find_spec(f"{module.__name__}.{name}") is not None:
        return True
    return name in vars(module)


@pytest.mark.parametrize("module", LAZY_PACKAGES, ids=lambda m: m.__name__)
@pytest.mark.parametrize("name", [
    "anything", "applications_not_here", "distribution", "mixed_precision",
    "applications", "export", "tree",
])
def test_hasattr_answers_without_raising(module, name):
    """`hasattr` is True for what exists and False (an AttributeError
    inside) for what does not; it never raises ModuleNotFoundError."""
    exists = _exists(module, name)
    assert hasattr(module, name) == exists
    if not exists:
        with pytest.raises(AttributeError, match=name):
            getattr(module, name)


@pytest.mark.parametrize("module", LAZY_PACKAGES, ids=lambda m: m.__name__)
def test_every_listed_name_resolves(module):
    for name in dir(module):
        assert getattr(module, name) is not None, name


def test_lazy_submodules_are_real_modules():
    for name in lamina._SUBMODULES:
        module = importlib.import_module(f"lamina.{name}")
        assert getattr(lamina, name) is module


def test_family_base_classes():
    assert lamina.Loss is lamina.losses.Loss
    assert lamina.Metric is lamina.metrics.Metric
    assert lamina.Optimizer is lamina.optimizers.Optimizer
