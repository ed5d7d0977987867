"""`keras.utils.FeatureSpace`: preprocess and encode structured data.

The class lives in `lamina.layers.preprocessing.feature_space`, beside the
layers it is made of, so that loading a saved FeatureSpace finds it."""

from lamina.layers.preprocessing.feature_space import FeatureSpace

__all__ = ["FeatureSpace"]
