"""`keras.utils.FeatureSpace`: preprocess and encode structured data.

It lives with the preprocessing layers it is made of (as in Keras), so it
is registered for `load_model` as soon as the layers are imported; the
public name is `lamina.utils.FeatureSpace`."""

import collections.abc

from lamina.graph import KerasTensor
from lamina.layers.input_layer import Input
from lamina.layers.layer import Layer
from lamina.layers.merging.concatenate import Concatenate
from lamina.layers.preprocessing import feature_space_data as data_utils
from lamina.layers.preprocessing.category_encoding import CategoryEncoding
from lamina.layers.preprocessing import feature_space_encoding as encoding
from lamina.layers.preprocessing import feature_spec
from lamina.layers.preprocessing.discretization import Discretization
from lamina.layers.preprocessing.hashed_crossing import HashedCrossing
from lamina.layers.preprocessing.normalization import Normalization
from lamina.layers.preprocessing.text_vectorization import TextVectorization
from lamina import saving
from lamina.saving import serialization
from lamina.saving.registry import Registry

FEATURE_SPACES = Registry("feature space", "keras.utils")

_FEATURE_TYPES = ("float", "float_rescaled", "float_normalized",
                  "float_discretized", "integer_categorical",
                  "string_categorical", "integer_hashed", "string_hashed")


@FEATURE_SPACES.register()
class FeatureSpace(Layer):
    """Preprocesses and encodes a dict of structured features in one step.

    Each feature gets a preprocessing layer (normalization, lookup,
    hashing, ...) and an encoding (one-hot or as it is); crosses of
    features are hashed into a fixed number of bins. `adapt` learns what
    the layers need from data; a call on a dict of values returns one
    float32 matrix (`"concat"`: features by sorted name, then crosses by
    sorted name) or a dict of encoded features (`"dict"`).

    Feature types (by name, or by the class methods to set arguments):
    `"float"`, `"float_rescaled"` (`Rescaling`), `"float_normalized"`
    (`Normalization`), `"float_discretized"` (`Discretization`),
    `"integer_categorical"` (`IntegerLookup`), `"string_categorical"`
    (`StringLookup`), `"integer_hashed"` and `"string_hashed"` (`Hashing`),
    and `FeatureSpace.feature(dtype, preprocessor, output_mode)` for any
    layer.

    Torch has no string tensors: string features are Python lists or NumPy
    string arrays, and the FeatureSpace runs eagerly on the data (in a
    `PyDataset`, a `Dataset.__getitem__` or before `fit`), not inside a
    model. `get_encoded_features()` gives the symbolic input a model
    trained on the encoded features starts from.

    Args:
        features: dict mapping each feature name to a type name or a
            `FeatureSpace.<type>(...)` spec.
        output_mode: `"concat"` (default) or `"dict"`.
        crosses: list of crosses, each a tuple of feature names or a
            `FeatureSpace.cross(...)` spec.
        crossing_dim: number of hash bins of crosses given as tuples
            (default 32).
        hashing_dim: number of bins of `"integer_hashed"` and
            `"string_hashed"` features given by name (default 32).
        num_discretization_bins: number of bins of `"float_discretized"`
            features given by name (default 32).
        name: the FeatureSpace's name.

    Example:
        >>> data = {"price": [1.0, 2.0, 4.0], "color": ["red", "blue", "red"]}
        >>> space = FeatureSpace({"price": "float_normalized",
        ...                       "color": "string_categorical"})
        >>> space.adapt(data)
        >>> space(data).shape
        torch.Size([3, 4])
    """

    # The feature types, as Keras's class methods.
    cross = staticmethod(feature_spec.cross)
    feature = staticmethod(feature_spec.feature)
    float = staticmethod(feature_spec.float_plain)
    float_rescaled = staticmethod(feature_spec.float_rescaled)
    float_normalized = staticmethod(feature_spec.float_normalized)
    float_discretized = staticmethod(feature_spec.float_discretized)
    integer_categorical = staticmethod(feature_spec.integer_categorical)
    string_categorical = staticmethod(feature_spec.string_categorical)
    integer_hashed = staticmethod(feature_spec.integer_hashed)
    string_hashed = staticmethod(feature_spec.string_hashed)

    def __init__(self, features, output_mode="concat", crosses=None,
                 crossing_dim=32, hashing_dim=32, num_discretization_bins=32,
                 name=None):
        super().__init__(name=name)
        if not features or not isinstance(features, collections.abc.Mapping):
            raise ValueError(
                "The `features` argument of FeatureSpace must be a non-empty "
                f"dict of feature specs. Received: features={features!r}"
            )
        if output_mode not in ("dict", "concat"):
            raise ValueError(
                "Invalid value for argument `output_mode` of FeatureSpace. "
                "Expected one of {'dict', 'concat'}. Received: "
                f"output_mode={output_mode!r}"
            )
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.output_mode = output_mode
        self.features = {name: self._standardize_feature(name, spec)
                         for name, spec in features.items()}
        self.crosses = [self._standardize_cross(cross)
                        for cross in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        self.preprocessors = {name: feature.preprocessor
                              for name, feature in self.features.items()}
        self.crossers = {cross.name: HashedCrossing(
            cross.crossing_dim, name=cross.name) for cross in self.crosses}
        self.one_hot_encoders = {}
        self.concat = None
        self.encoded_features = None
        self._inputs = None
        self._is_adapted = False
        self._sublayers_built = False

    def _standardize_feature(self, name, spec):
        if isinstance(spec, feature_spec.Feature):
            return spec
        if isinstance(spec, dict):
            return serialization.deserialize_keras_object(spec)
        if spec == "float_discretized":
            return self.float_discretized(
                num_bins=self.num_discretization_bins, name=name)
        if spec in ("integer_hashed", "string_hashed"):
            return getattr(self, spec)(self.hashing_dim, name=name)
        if isinstance(spec, str) and spec in _FEATURE_TYPES:
            return getattr(self, spec)(name=name)
        raise ValueError(
            f"Invalid feature type for feature '{name}' of FeatureSpace: "
            f"{spec!r}. Expected one of {list(_FEATURE_TYPES)} or a "
            "`FeatureSpace.<type>(...)`/`FeatureSpace.feature(...)` spec."
        )

    def _standardize_cross(self, cross):
        if isinstance(cross, dict):
            cross = serialization.deserialize_keras_object(cross)
        if not isinstance(cross, feature_spec.Cross):
            if not self.crossing_dim:
                raise ValueError(
                    "When specifying `crosses`, the argument `crossing_dim` "
                    "(dimensionality of the crossing space) should be "
                    f"specified as well. Received: crossing_dim="
                    f"{self.crossing_dim!r}"
                )
            cross = feature_spec.Cross(cross, crossing_dim=self.crossing_dim)
        unknown = [n for n in cross.feature_names if n not in self.features]
        if unknown:
            raise ValueError(
                "All features referenced in the `crosses` argument of "
                "FeatureSpace should be present in the `features` dict. "
                f"Received unknown features: {unknown} (in cross "
                f"{cross.feature_names})"
            )
        return cross

    # Adapting.
    def _list_adaptable_preprocessors(self):
        names = []
        for name, preprocessor in self.preprocessors.items():
            if isinstance(preprocessor, Normalization) and \
                    preprocessor.input_mean is not None:
                continue
            if isinstance(preprocessor, Discretization) and \
                    preprocessor.num_bins is None:
                continue
            if isinstance(preprocessor, TextVectorization) and \
                    preprocessor.get_config().get("vocabulary") is not None:
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Learns the statistics and vocabularies of the features.

        Args:
            dataset: a dict of arrays or lists (one value per sample), or
                an iterable of dicts: a generator or list of dict batches
                (or samples), a `PyDataset`, or a torch `DataLoader`
                yielding dicts; `(x, y)` elements use `x`.
        """
        names = self._list_adaptable_preprocessors()
        if names:
            batches = data_utils.feature_batches(
                dataset, {name: self.features[name].dtype for name in names})
            for name in names:
                self.preprocessors[name].adapt(iter(batches[name]))
        self._is_adapted = True
        self._sublayers_built = False
        self.encoded_features = None
        self._build_encoders()

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError(
                    "You need to call `.adapt(dataset)` on the FeatureSpace "
                    "before you can start using it."
                )
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self._build_encoders()

    # Encoding.
    def _merged_names(self):
        return sorted(self.features), sorted(self.crosses_by_name)

    def _sample_value(self, name):
        """One value of feature `name` its preprocessor accepts."""
        feature = self.features[name]
        vocabulary = getattr(feature.preprocessor, "get_vocabulary", None)
        if vocabulary is not None and len(vocabulary()) > 0:
            return vocabulary()[-1]
        return "" if feature.dtype == "string" else 0

    def _build_encoders(self):
        """Creates the one-hot encoders and the concatenation, checking
        each feature on one sample of its values as Keras checks the
        symbolic outputs."""
        sample = {name: [self._sample_value(name)] for name in self.features}
        preprocessed, crossed, _ = self._preprocess_and_cross(sample)
        feature_names, cross_names = self._merged_names()
        encoders = {}
        for name in feature_names + cross_names:
            spec = self.features.get(name) or self.crosses_by_name[name]
            output = preprocessed.get(name, crossed.get(name))
            if spec.output_mode != "one_hot":
                continue
            encoding.check_one_hot_input(name, output)
            preprocessor = self.preprocessors.get(name) or \
                self.crossers.get(name)
            encoders[name] = CategoryEncoding(
                num_tokens=encoding.cardinality(name, preprocessor),
                output_mode="multi_hot")
        self.one_hot_encoders = encoders
        self.concat = Concatenate(axis=-1) \
            if self.output_mode == "concat" else None
        self._sublayers_built = True
        self._encode(preprocessed, crossed)  # the dtype checks of concat
        self.built = True

    def _preprocess_and_cross(self, data):
        """The preprocessed features, the crosses, and whether a sample
        of scalars was made a batch of one."""
        inputs, rebatched = {}, False
        for name, value in data.items():
            if isinstance(value, KerasTensor):  # an end-to-end model
                inputs[name] = value
                continue
            inputs[name], scalar = data_utils.as_feature_input(
                name, value, self.features[name].dtype)
            rebatched = rebatched or scalar
        data_utils.check_batch_sizes(inputs)
        preprocessed = {name: encoding.as_tensor(self.preprocessors[name](x))
                        for name, x in inputs.items()}
        crossed = {cross.name: self.crossers[cross.name](
            [preprocessed[n] for n in cross.feature_names])
            for cross in self.crosses}
        return preprocessed, crossed, rebatched

    def _encode(self, preprocessed, crossed):
        feature_names, cross_names = self._merged_names()
        outputs = {}
        for name in feature_names + cross_names:
            feature = preprocessed[name] if name in preprocessed \
                else crossed[name]
            encoder = self.one_hot_encoders.get(name)
            if encoder is not None:
                feature = encoder(feature)
            outputs[name] = feature
        if self.output_mode == "dict":
            return outputs
        encoding.check_concatenable(outputs)
        return self.concat(list(outputs.values()))

    def __call__(self, data):
        """Encodes a dict of feature values (or a pandas DataFrame): a
        batch (arrays, lists or tensors of one value per sample) or a
        single sample (scalars, encoded without a batch axis)."""
        self._check_if_built()
        data = data_utils.as_columns(data)
        encoding.check_keys(self.name, self.features, data)
        preprocessed, crossed, rebatched = self._preprocess_and_cross(data)
        outputs = self._encode(preprocessed, crossed)
        if not rebatched:
            return outputs
        if self.output_mode == "concat":
            return outputs.squeeze(0)
        return {name: x.squeeze(0) if x.ndim == 2 and x.shape[0] == 1 else x
                for name, x in outputs.items()}

    forward = __call__

    # Functional models.
    def get_inputs(self):
        """A dict of `Input(shape=(1,))`, one per feature, named after it.

        Calling the FeatureSpace on them gives encoded features connected
        to these inputs, so a model can take raw features end to end:
        `Model(inputs, trained_model(feature_space(inputs)))`. Torch has no
        string dtype, so a FeatureSpace with string features has no
        symbolic inputs: encode the data with the FeatureSpace and build
        the model on `get_encoded_features()`."""
        self._check_if_built()
        strings = [n for n, f in self.features.items() if f.dtype == "string"]
        if strings:
            raise ValueError(
                f"FeatureSpace.get_inputs(): the features {strings} are "
                "strings, and Lamina's symbolic inputs cannot hold strings "
                "(torch has no string dtype). Encode the data with the "
                "FeatureSpace (`feature_space(data)`) and start the model "
                "from `feature_space.get_encoded_features()`."
            )
        if self._inputs is None:
            self._inputs = {name: Input(shape=(1,), dtype=feature.dtype,
                                        name=name)
                            for name, feature in self.features.items()}
        return self._inputs

    def get_encoded_features(self):
        """The encoded features as symbolic tensors, where a model trained
        on them starts: `Model(encoded, outputs)`. Without string features
        they are connected to `get_inputs()`, so `Model(get_inputs(),
        outputs)` serves raw features end to end, as in Keras. With string
        features (torch has no string dtype) they are one `Input` of the
        concatenated width (`"concat"`) or a dict of `Input`s (`"dict"`):
        feed them `feature_space(data)`."""
        self._check_if_built()
        if self.encoded_features is None and not any(
                f.dtype == "string" for f in self.features.values()):
            self.encoded_features = self(self.get_inputs())
        if self.encoded_features is None:
            sample = {name: [self._sample_value(name)]
                      for name in self.features}
            encoded = self._encode(*self._preprocess_and_cross(sample)[:2])
            if self.output_mode == "concat":
                self.encoded_features = Input(
                    shape=tuple(encoded.shape[1:]),
                    dtype=encoding.dtype_name(encoded))
            else:
                self.encoded_features = {
                    name: Input(shape=tuple(x.shape[1:]),
                                dtype=encoding.dtype_name(x))
                    for name, x in encoded.items()}
        return self.encoded_features

    # Saving.
    def get_config(self):
        return {
            "features": serialization.serialize_keras_object(self.features),
            "output_mode": self.output_mode,
            "crosses": serialization.serialize_keras_object(self.crosses),
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {name: feature.preprocessor.get_build_config()
                for name, feature in self.features.items()}

    def build_from_config(self, config):
        for name, build_config in (config or {}).items():
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built:
                preprocessor.build_from_config(build_config)
        self._is_adapted = True

    def save(self, filepath):
        """Writes the FeatureSpace to a `.keras` file; reload it with
        `lamina.saving.load_model`."""
        # The file API sits above the layers: `lamina.saving` loads it on
        # first use, as `Model.save` does.
        saving.save_model(self, filepath)

    def save_own_variables(self, store):
        return

    def load_own_variables(self, store):
        return

