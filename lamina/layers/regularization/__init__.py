"""Regularization layers: noise and penalties applied while training."""

from lamina.layers.regularization.dropout import Dropout as Dropout
