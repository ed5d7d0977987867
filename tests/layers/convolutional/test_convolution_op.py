"""A subclass overriding `convolution_op` changes what `call` computes
(Keras's weight-standardized convolution pattern)."""

import numpy as np
import torch

import lamina as keras
from lamina import layers
from lamina import ops


def _standardizing(base):
    class WeightStandardized(base):
        def convolution_op(self, inputs, kernel):
            axes = list(range(len(kernel.shape) - 1))
            mean, var = ops.moments(kernel, axes=axes, keepdims=True)
            return super().convolution_op(
                inputs, (kernel - mean) / ops.sqrt(var + 1e-10))

    return WeightStandardized


def _standardized_in_call(base):
    class StandardizedInCall(base):
        def call(self, inputs):
            mean, var = ops.moments(self.kernel, axes=[0, 1, 2],
                                    keepdims=True)
            result = self.convolution_op(
                inputs, (self.kernel - mean) / ops.sqrt(var + 1e-10))
            if self.use_bias:
                result = result + self.bias
            return result

    return StandardizedInCall


def _classes(lib):
    return (_standardizing(lib.layers.Conv2D),
            _standardized_in_call(lib.layers.Conv2D))


def test_matches_keras_weight_standardization(keras_ref):
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 3)).astype("float32")
    for ours_cls, ref_cls in zip(_classes(keras), _classes(keras_ref)):
        ref = ref_cls(4, 3, bias_initializer="ones")
        ours = ours_cls(4, 3, bias_initializer="ones")
        expected = keras_ref.ops.convert_to_numpy(ref(x))
        ours(x)
        ours.set_weights(ref.get_weights())
        np.testing.assert_allclose(ours(x).detach().cpu().numpy(), expected,
                                   atol=1e-5)


def _torch_conv(x, kernel, bias, dim):
    """Reference convolution in torch's layout for channels_last `x`."""
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d,
            3: torch.nn.functional.conv3d}[dim]
    x = torch.as_tensor(x).movedim(-1, 1)
    kernel = torch.as_tensor(kernel)
    kernel = kernel.permute(dim + 1, dim, *range(dim))
    return conv(x, kernel, torch.as_tensor(bias)).movedim(1, -1).cpu().numpy()


def test_every_conv_rank_goes_through_convolution_op():
    rng = np.random.default_rng(1)
    for base, shape in ((layers.Conv1D, (2, 7, 3)),
                        (layers.Conv2D, (2, 6, 6, 3)),
                        (layers.Conv3D, (2, 4, 4, 4, 3))):
        layer = _standardizing(base)(4, 2, bias_initializer="ones")
        x = rng.normal(size=shape).astype("float32")
        got = layer(x).detach().cpu().numpy()
        kernel, bias = layer.get_weights()
        axes = tuple(range(kernel.ndim - 1))
        standardized = (kernel - kernel.mean(axes, keepdims=True)) / np.sqrt(
            kernel.var(axes, keepdims=True) + 1e-10)
        expected = _torch_conv(x, standardized, bias, len(shape) - 2)
        np.testing.assert_allclose(got, expected, atol=1e-4)


def test_override_in_channels_first_and_in_a_model():
    layer = _standardizing(layers.Conv2D)(
        4, 3, data_format="channels_first", activation="relu")
    plain = layers.Conv2D(4, 3, data_format="channels_first",
                          activation="relu")
    x = np.random.default_rng(2).normal(size=(2, 3, 6, 6)).astype("float32")
    layer(x)
    plain(x)
    plain.set_weights(layer.get_weights())
    assert not np.allclose(layer(x).detach().cpu().numpy(),
                           plain(x).detach().cpu().numpy())
    model = keras.Sequential([keras.Input((3, 6, 6)), layer])
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               layer(x).detach().cpu().numpy(), atol=1e-6)
