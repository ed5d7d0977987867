"""Reshaping layers: they move or copy values, with no weights."""

from lamina.layers.reshaping.flatten import Flatten as Flatten
from lamina.layers.reshaping.permute import Permute as Permute
from lamina.layers.reshaping.repeat_vector import RepeatVector as RepeatVector
from lamina.layers.reshaping.reshape import Reshape as Reshape
from lamina.layers.reshaping.cropping import Cropping1D as Cropping1D
from lamina.layers.reshaping.cropping import Cropping2D as Cropping2D
from lamina.layers.reshaping.cropping import Cropping3D as Cropping3D
from lamina.layers.reshaping.up_sampling import UpSampling1D as UpSampling1D
from lamina.layers.reshaping.up_sampling import UpSampling2D as UpSampling2D
from lamina.layers.reshaping.up_sampling import UpSampling3D as UpSampling3D
from lamina.layers.reshaping.zero_padding import ZeroPadding1D as ZeroPadding1D
from lamina.layers.reshaping.zero_padding import ZeroPadding2D as ZeroPadding2D
from lamina.layers.reshaping.zero_padding import ZeroPadding3D as ZeroPadding3D
