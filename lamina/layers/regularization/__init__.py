"""Regularization layers: noise and penalties applied while training."""

from lamina.layers.regularization.dropout import Dropout as Dropout
from lamina.layers.regularization.activity_regularization import (
    ActivityRegularization as ActivityRegularization,
)
from lamina.layers.regularization.alpha_dropout import (
    AlphaDropout as AlphaDropout,
)
from lamina.layers.regularization.gaussian_dropout import (
    GaussianDropout as GaussianDropout,
)
from lamina.layers.regularization.gaussian_noise import (
    GaussianNoise as GaussianNoise,
)
from lamina.layers.regularization.spatial_dropout import (
    SpatialDropout1D as SpatialDropout1D,
)
from lamina.layers.regularization.spatial_dropout import (
    SpatialDropout2D as SpatialDropout2D,
)
from lamina.layers.regularization.spatial_dropout import (
    SpatialDropout3D as SpatialDropout3D,
)
