"""Reshaping layers: they move or copy values, with no weights."""

from lamina.layers.reshaping.flatten import Flatten as Flatten
from lamina.layers.reshaping.permute import Permute as Permute
from lamina.layers.reshaping.repeat_vector import RepeatVector as RepeatVector
from lamina.layers.reshaping.reshape import Reshape as Reshape
