"""FeatureSpace's errors on bad data given to `adapt` or a call, and on
feature/cross arguments, each named (feature or argument, what was
expected, what came) before any preprocessor or torch sees it (the other
argument errors: test_feature_space.py)."""

import numpy as np
import pytest

import lamina
from lamina.utils import FeatureSpace


def _numeric_space():
    space = FeatureSpace({"a": "float_normalized",
                          "b": "integer_categorical"})
    space.adapt({"a": [1.0, 2.0, 3.0], "b": [1, 2, 3]})
    return space


def test_features_of_different_lengths():
    with pytest.raises(ValueError, match=r"same number of samples.*"
                       r"\{'a': 2, 'b': 3\}"):
        _numeric_space()({"a": [1.0, 2.0], "b": [1, 2, 3]})


def test_integer_features_refuse_fractions_instead_of_truncating():
    space = _numeric_space()
    with pytest.raises(ValueError, match="feature 'b' has dtype 'int32'; "
                       "expected whole numbers. Received 1.5"):
        space({"a": [1.0, 2.0], "b": [2.0, 1.5]})
    # Whole numbers in a float array are the integers they hold.
    np.testing.assert_array_equal(
        space({"a": [1.0, 2.0], "b": np.array([2.0, 3.0])}).cpu().numpy(),
        space({"a": [1.0, 2.0], "b": [2, 3]}).cpu().numpy())
    with pytest.raises(ValueError, match=r"FeatureSpace.adapt\(\): "
                       "feature 'b'.*whole numbers"):
        FeatureSpace({"b": "integer_categorical"}).adapt({"b": [0.5, 1.0]})


def test_adapt_names_a_feature_of_the_wrong_kind():
    with pytest.raises(ValueError, match=r"FeatureSpace.adapt\(\): "
                       "feature 'a' has dtype 'float32'; expected numbers"):
        FeatureSpace({"a": "float_normalized"}).adapt({"a": ["x", "y"]})
    with pytest.raises(ValueError, match=r"FeatureSpace.adapt\(\): "
                       "feature 't' is a string feature"):
        FeatureSpace({"t": "string_categorical"}).adapt({"t": [1, 2]})


def test_feature_and_cross_arguments_are_checked_where_given():
    rescaling = lamina.layers.Rescaling(1.0)
    with pytest.raises(ValueError, match="argument `dtype` of FeatureSpace"
                       ".feature.*Received: dtype='strng'"):
        FeatureSpace.feature("strng", rescaling, "float")
    assert FeatureSpace.feature("float64", rescaling, "float").dtype == \
        "float64"
    with pytest.raises(ValueError, match="argument `feature_names` of "
                       "FeatureSpace.cross.*Received: feature_names=3"):
        FeatureSpace({"a": "integer_categorical",
                      "b": "integer_categorical"}, crosses=[3])
