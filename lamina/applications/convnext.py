"""ConvNeXt Tiny to XLarge (Liu et al., 2022) with Keras's layer names and
weight files, and the two layers Keras defines for it (`LayerScale`,
`StochasticDepth`). The models normalize their inputs themselves."""

import numpy as np
import torch

from lamina import initializers, layers
from lamina.applications import common, imagenet_utils
from lamina.layers import Layer
from lamina.models import Model, Sequential
from lamina.saving.registry import Registry

WEIGHTS_BASE = ("https://storage.googleapis.com/tensorflow/"
                "keras-applications/convnext/")
# sha256 of the files with and without the top.
WEIGHTS_HASHES = {
    "convnext_tiny": (
        "8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
        "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": (
        "ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
        "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": (
        "52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
        "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": (
        "070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
        "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": (
        "c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3],
             "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3],
              "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3],
             "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3],
              "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3],
               "projection_dims": [256, 512, 1024, 2048],
               "default_size": 224},
}
# Configs name Keras's module, so `.keras` files move both ways.
LAYERS = Registry("convnext layer", "keras.src.applications.convnext")


@LAYERS.register()
class StochasticDepth(Layer):
    """Drops a whole residual branch per sample during training, scaling
    the kept ones by `1 / (1 - drop_path_rate)`.

    Args:
        drop_path_rate: probability of dropping the branch.
    """

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= drop_path_rate < 1:
            raise ValueError(
                "Invalid value for argument `drop_path_rate` of "
                "StochasticDepth. Expected a float in [0, 1). "
                f"Received: drop_path_rate={drop_path_rate}")
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        if not training or self.drop_path_rate == 0:
            return x
        keep_prob = 1 - self.drop_path_rate
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        mask = torch.floor(keep_prob + torch.rand(shape, dtype=x.dtype,
                                                  device=x.device))
        return x / keep_prob * mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


@LAYERS.register()
class LayerScale(Layer):
    """Multiplies the channels by a learned vector `gamma`, initialized to
    `init_values`.

    Args:
        init_values: initial value of every entry of `gamma`.
        projection_dim: number of channels (the last axis).
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(
            shape=(self.projection_dim,),
            initializer=initializers.Constant(self.init_values),
            trainable=True, name="gamma")

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0,
                  layer_scale_init_value=1e-6, name=None):
    """Depthwise 7x7 conv, LayerNorm, pointwise MLP, layer scale and a
    residual connection (a function of the block's input)."""

    def apply(inputs):
        x = layers.Conv2D(projection_dim, kernel_size=7, padding="same",
                          groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6,
                                      name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim,
                         name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            last = StochasticDepth(drop_path_rate,
                                   name=f"{name}_stochastic_depth")
        else:
            last = layers.Activation("linear", name=f"{name}_identity")
        return inputs + last(x)

    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0,
             layer_scale_init_value=1e-6, default_size=224, name="convnext",
             include_preprocessing=True, include_top=True, weights=None,
             input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", weights_name=None):
    """Builds a ConvNeXt from its stage depths and widths."""
    common.require_channels_last("ConvNeXt")
    common.check_weights_argument(weights, include_top, classes)
    if weights == "imagenet":
        expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
        if (list(depths) != expected["depths"]
                or list(projection_dims) != expected["projection_dims"]):
            raise ValueError(
                f"The architecture does not match the {weights_name} "
                f"weights. Expected depths={expected['depths']} and "
                f"projection_dims={expected['projection_dims']}. Received: "
                f"depths={depths}, projection_dims={projection_dims}")
        if weights_name not in name:
            raise ValueError(
                f"With imagenet weights the model's name must contain "
                f"'{weights_name}'. Received: name={name!r}")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=common.image_data_format(), require_flatten=include_top,
        weights=weights)
    img_input = common.image_input(input_tensor, input_shape)
    if input_tensor is not None:
        inputs = imagenet_utils.source_inputs(input_tensor)[0]
        x = input_tensor
    else:
        inputs = x = img_input

    if include_preprocessing and input_shape[-1] == 3:
        x = layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2,
                      (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization")(x)
    downsamplers = [Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4,
                      name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6,
                                  name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")]
    for i in range(3):
        downsamplers.append(Sequential([
            layers.LayerNormalization(
                epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                          name=f"{name}_downsampling_conv_{i}"),
        ], name=f"{name}_downsampling_block_{i}"))

    drop_rates = [float(r) for r in
                  np.linspace(0.0, drop_path_rate, sum(depths))]
    done = 0
    for i, depth in enumerate(depths):
        x = downsamplers[i](x)
        for j in range(depth):
            x = ConvNeXtBlock(projection_dims[i], drop_rates[done + j],
                              layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        done += depth

    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6,
                                      name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         name=f"{name}_head_dense")(x)
    else:
        x = common.global_pooling(x, pooling)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Model(inputs=inputs, outputs=x, name=name)
    return common.load_stem_named_weights(
        model, weights, include_top, WEIGHTS_BASE, name,
        WEIGHTS_HASHES, weights_name)


def _variant(size):
    settings = MODEL_CONFIGS[size]

    def build(include_top=True, include_preprocessing=True,
              weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              name=f"convnext_{size}"):
        return ConvNeXt(
            weights_name=f"convnext_{size}", depths=settings["depths"],
            projection_dims=settings["projection_dims"], drop_path_rate=0.0,
            layer_scale_init_value=1e-6,
            default_size=settings["default_size"], name=name,
            include_top=include_top,
            include_preprocessing=include_preprocessing, weights=weights,
            input_tensor=input_tensor, input_shape=input_shape,
            pooling=pooling, classes=classes,
            classifier_activation=classifier_activation)

    build.__name__ = build.__qualname__ = f"ConvNeXt{size.capitalize()}"
    if size == "xlarge":
        build.__name__ = build.__qualname__ = "ConvNeXtXLarge"
    build.__doc__ = (
        f"{build.__name__}, optionally with ImageNet weights.\n\n    Takes "
        "`include_top`, `include_preprocessing` (the model normalizes RGB "
        "inputs in\n    [0, 255] itself), `weights`, `input_tensor`, "
        "`input_shape`, `pooling`, `classes`,\n    `classifier_activation` "
        "and `name`.\n")
    return build


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")


preprocess_input = common.preprocess_input_identity
decode_predictions = imagenet_utils.decode_predictions
