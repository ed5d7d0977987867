"""What a `FeatureSpace` is made of: `Feature`, `Cross`, the identity
preprocessor of plain float features, and the feature types.

They serialize as Keras's (module `keras.src.layers.preprocessing.
feature_space`, registered names `Feature`, `Cross`, `TFDIdentity`), so a
FeatureSpace config moves between Keras and Lamina.
"""

from lamina.layers.layer import Layer
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.integer_lookup import IntegerLookup
from lamina.layers.preprocessing.normalization import Normalization
from lamina.layers.preprocessing.rescaling import Rescaling
from lamina.layers.preprocessing.string_lookup import StringLookup
from lamina.saving import serialization
from lamina.saving.registry import Registry
from lamina.utils import naming
from lamina.utils.dtypes import standardize_dtype

PARTS = Registry("feature space part",
                 "keras.src.layers.preprocessing.feature_space")

FEATURE_OUTPUT_MODES = ("int", "one_hot", "float")
CROSS_OUTPUT_MODES = ("int", "one_hot")


@PARTS.register()
class Cross:
    """Features crossed together by hashing into `crossing_dim` bins.

    Args:
        feature_names: the names of the crossed features (in order: the
            hash depends on it).
        crossing_dim: number of hash bins.
        output_mode: `"one_hot"` (default) or `"int"`.
    """

    _keras_registered_name = "Cross"

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in CROSS_OUTPUT_MODES:
            raise ValueError(
                "Invalid value for argument `output_mode` of "
                "FeatureSpace.cross. Expected one of "
                f"{set(CROSS_OUTPUT_MODES)}. Received: "
                f"output_mode={output_mode!r}"
            )
        if isinstance(crossing_dim, bool) or \
                not isinstance(crossing_dim, int) or crossing_dim <= 0:
            raise ValueError(
                "Invalid value for argument `crossing_dim` of "
                "FeatureSpace.cross. Expected a positive integer. Received: "
                f"crossing_dim={crossing_dim!r}"
            )
        if not isinstance(feature_names, (list, tuple)) or \
                len(feature_names) < 2:
            raise ValueError(
                "Invalid value for argument `feature_names` of "
                "FeatureSpace.cross. Expected a list or tuple of at least "
                f"two feature names. Received: feature_names={feature_names!r}"
            )
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {
            "feature_names": self.feature_names,
            "crossing_dim": self.crossing_dim,
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return (f"Cross(feature_names={self.feature_names}, "
                f"crossing_dim={self.crossing_dim}, "
                f"output_mode={self.output_mode!r})")


@PARTS.register()
class Feature:
    """One feature of a `FeatureSpace`: its input dtype, the preprocessing
    layer applied to it, and how the result is encoded.

    Args:
        dtype: the dtype of the raw values (`"float32"`, `"int32"`,
            `"string"`, ...).
        preprocessor: a layer (or its serialized config).
        output_mode: `"float"` (used as it is), `"int"` (integer indices,
            only in the dict output mode) or `"one_hot"` (one-hot encoded;
            the preprocessor must give integer indices of a known range).
    """

    _keras_registered_name = "Feature"

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in FEATURE_OUTPUT_MODES:
            raise ValueError(
                "Invalid value for argument `output_mode` of "
                "FeatureSpace.feature. Expected one of "
                f"{set(FEATURE_OUTPUT_MODES)}. Received: "
                f"output_mode={output_mode!r}"
            )
        if dtype != "string":
            try:
                standardize_dtype(dtype)  # (kept as given, for the config)
            except (TypeError, ValueError):
                raise ValueError(
                    "Invalid value for argument `dtype` of "
                    "FeatureSpace.feature. Expected 'string' or a numeric "
                    f"dtype ('float32', 'int32', ...). Received: "
                    f"dtype={dtype!r}") from None
        if isinstance(preprocessor, dict):
            preprocessor = serialization.deserialize_keras_object(
                preprocessor)
        if not callable(preprocessor):
            raise ValueError(
                "Invalid value for argument `preprocessor` of "
                "FeatureSpace.feature. Expected a layer. Received: "
                f"preprocessor={preprocessor!r}"
            )
        self.dtype = dtype
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {
            "dtype": self.dtype,
            "preprocessor": serialization.serialize_keras_object(
                self.preprocessor),
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return (f"Feature(dtype={self.dtype!r}, preprocessor="
                f"{type(self.preprocessor).__name__} "
                f"'{getattr(self.preprocessor, 'name', '')}', "
                f"output_mode={self.output_mode!r})")


@PARTS.register()
class TFDIdentity(Layer):
    """The preprocessor of a plain `"float"` feature: returns its input."""

    _keras_registered_name = "TFDIdentity"

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


# The feature types (`FeatureSpace.<type>(...)`).
def cross(feature_names, crossing_dim, output_mode="one_hot"):
    """Features crossed by hashing into `crossing_dim` bins (`Cross`)."""
    return Cross(feature_names, crossing_dim, output_mode=output_mode)


def feature(dtype, preprocessor, output_mode):
    """A feature with any preprocessing layer (`Feature`)."""
    return Feature(dtype, preprocessor, output_mode)


def float_plain(name=None):
    """Float values used as they are (`FeatureSpace.float`)."""
    name = name or naming.uniquify("float")
    return Feature("float32", TFDIdentity(
        dtype="float32", name=f"{name}_preprocessor"), "float")


def float_rescaled(scale=1.0, offset=0.0, name=None):
    """Float values rescaled to `x * scale + offset` (`Rescaling`)."""
    name = name or naming.uniquify("float_rescaled")
    return Feature("float32", Rescaling(
        scale=scale, offset=offset, name=f"{name}_preprocessor"), "float")


def float_normalized(name=None):
    """Float values standardized by `adapt`'s mean and variance
    (`Normalization`)."""
    name = name or naming.uniquify("float_normalized")
    return Feature("float32", Normalization(
        axis=-1, name=f"{name}_preprocessor"), "float")


def float_discretized(num_bins, bin_boundaries=None,
                      output_mode="one_hot", name=None):
    """Float values binned (`Discretization`): `num_bins` learned by
    `adapt`, or fixed `bin_boundaries`; one-hot encoded by default."""
    name = name or naming.uniquify("float_discretized")
    if bin_boundaries is not None:
        # Keras passes both to Discretization, which refuses that; the
        # boundaries fix the bins, so `num_bins` must agree or be None.
        if num_bins not in (None, len(bin_boundaries) + 1):
            raise ValueError(
                "FeatureSpace.float_discretized: `num_bins` must be None "
                "or len(bin_boundaries) + 1 when `bin_boundaries` is "
                f"given. Received: num_bins={num_bins}, "
                f"bin_boundaries={bin_boundaries}"
            )
        num_bins = None
    return Feature("float32", Discretization(
        num_bins=num_bins, bin_boundaries=bin_boundaries,
        name=f"{name}_preprocessor"), output_mode)


def integer_categorical(max_tokens=None, num_oov_indices=1,
                        output_mode="one_hot", name=None):
    """Integer categories indexed by a vocabulary learned by `adapt`
    (`IntegerLookup`); one-hot encoded by default."""
    name = name or naming.uniquify("integer_categorical")
    return Feature("int32", IntegerLookup(
        name=f"{name}_preprocessor", max_tokens=max_tokens,
        num_oov_indices=num_oov_indices), output_mode)


def string_categorical(max_tokens=None, num_oov_indices=1,
                       output_mode="one_hot", name=None):
    """String categories indexed by a vocabulary learned by `adapt`
    (`StringLookup`); one-hot encoded by default."""
    name = name or naming.uniquify("string_categorical")
    return Feature("string", StringLookup(
        name=f"{name}_preprocessor", max_tokens=max_tokens,
        num_oov_indices=num_oov_indices), output_mode)


def string_hashed(num_bins, output_mode="one_hot", name=None):
    """Strings hashed into `num_bins` bins (`Hashing`); one-hot encoded
    by default."""
    name = name or naming.uniquify("string_hashed")
    return Feature("string", Hashing(
        name=f"{name}_preprocessor", num_bins=num_bins), output_mode)


def integer_hashed(num_bins, output_mode="one_hot", name=None):
    """Integers hashed into `num_bins` bins (`Hashing`); one-hot encoded
    by default."""
    name = name or naming.uniquify("integer_hashed")
    return Feature("int32", Hashing(
        name=f"{name}_preprocessor", num_bins=num_bins), output_mode)
