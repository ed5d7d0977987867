"""The Layer contract: custom layers as in the Keras guides, weights,
trainable flags, training resolution, masks, losses, naming."""

import numpy as np
import pytest
import torch

import lamina
from lamina import layers


class Linear(lamina.Layer):
    """The custom layer from the Keras guide, unchanged."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros",
                                 trainable=True)

    def call(self, inputs):
        return torch.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_custom_layer_from_keras_guide():
    layer = Linear(4)
    y = layer(np.ones((2, 3), dtype="float32"))
    assert isinstance(y, torch.Tensor) and y.shape == (2, 4)
    assert len(layer.weights) == 2 and len(layer.trainable_weights) == 2
    assert len(list(layer.parameters())) == 2, "aliases are not duplicated"
    assert layer.count_params() == 16
    clone = Linear.from_config(layer.get_config())
    assert clone.units == 4 and clone.name == layer.name


def test_custom_layer_in_functional_model_infers_shape():
    inputs = lamina.Input((3,))
    outputs = Linear(5)(inputs)
    assert outputs.shape == (None, 5)
    model = lamina.Model(inputs, outputs)
    assert model(np.ones((4, 3))).shape == (4, 5)


def test_layer_naming_and_clear_session():
    assert layers.Dense(1).name == "dense"
    assert layers.Dense(1).name == "dense_1"
    lamina.backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert Linear().name == "linear"


def test_trainable_false_freezes_weights_and_sublayers():
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4),
                               layers.Dense(2)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == 2
    assert not model.layers[0].kernel.requires_grad
    model.trainable = False
    assert model.trainable_weights == []
    assert all(not w.requires_grad for w in model.weights)
    model.trainable = True
    assert len(model.trainable_weights) == 4


def test_weights_order_and_set_weights():
    layer = layers.Dense(2)
    layer.build((None, 3))
    weights = [np.full((3, 2), 1.5, "float32"), np.full((2,), -1, "float32")]
    layer.set_weights(weights)
    got = layer.get_weights()
    np.testing.assert_array_equal(got[0], weights[0])
    np.testing.assert_array_equal(got[1], weights[1])
    assert layer.kernel.detach().cpu().numpy().shape == (3, 2)
    layer.kernel.assign(np.zeros((3, 2)))
    assert float(layer.kernel.detach().sum()) == 0.0


def test_set_weights_errors_name_layer_and_shapes():
    layer = layers.Dense(2, name="head")
    layer.build((None, 3))
    with pytest.raises(ValueError, match="head.*expected 2 weight arrays"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"head.*\(3, 2\).*\(4, 2\)"):
        layer.set_weights([np.zeros((4, 2)), np.zeros(2)])


def test_count_params_unbuilt_raises():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2, name="unbuilt").count_params()


class RecordsTraining(lamina.Layer):
    def call(self, inputs, training=None):
        self.seen = training
        return inputs


class Outer(lamina.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = RecordsTraining()

    def call(self, inputs, training=None):
        return self.inner(inputs)


def test_training_flag_propagates_to_nested_calls():
    outer = Outer()
    x = torch.ones(1, 2)
    outer(x, training=True)
    assert outer.inner.seen is True
    assert outer.training is True and outer.inner.training is True
    outer(x, training=False)
    assert outer.inner.seen is False and outer.inner.training is False
    outer(x)
    assert outer.inner.seen is None
    outer.inner(x, training=True)
    assert outer.inner.seen is True


class KeepsMask(lamina.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        self.received_mask = mask
        return inputs * 2


def test_masks_flow_to_layers_that_take_them():
    class MakesMask(lamina.Layer):
        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, previous_mask):
            return inputs[..., 0] != 0

    x = torch.tensor([[[1.0], [0.0], [2.0]]])
    made = MakesMask()(x)
    assert made._keras_mask.tolist() == [[True, False, True]]
    consumer = KeepsMask()
    out = consumer(made)
    assert consumer.received_mask.tolist() == [[True, False, True]]
    assert out._keras_mask.tolist() == [[True, False, True]]


def test_add_loss_inside_call():
    class Penalized(lamina.Layer):
        def call(self, inputs):
            self.add_loss(inputs.sum())
            return inputs

    layer = Penalized()
    layer(torch.ones(2, 2))
    assert [float(v) for v in layer.losses] == [4.0]
    layer(torch.ones(1, 2))
    assert [float(v) for v in layer.losses] == [2.0]


def test_plain_torch_module_as_layer():
    model = lamina.Sequential([lamina.Input((4,)), torch.nn.Linear(4, 3),
                               layers.Dense(2)])
    assert model.output_shape == (None, 2)
    assert model.count_params() == 4 * 3 + 3 + 3 * 2 + 2
    assert model(np.ones((5, 4))).shape == (5, 2)

    class WithTorchChild(lamina.Model):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(3, 2)

        def call(self, x):
            return self.proj(x)

    sub = WithTorchChild()
    assert sub(torch.ones(2, 3)).shape == (2, 2)
    assert len(sub.trainable_weights) == 2


def test_numpy_inputs_become_tensors_of_layer_dtype():
    layer = layers.Dense(2)
    out = layer(np.ones((2, 3), dtype="float64"))
    assert out.dtype == torch.float32


def test_input_spec_error_names_layer():
    layer = layers.Dense(2, name="fc")
    layer(torch.ones(1, 3))
    with pytest.raises(ValueError, match=r'"fc".*expected axis -1.*value 3'):
        layer(torch.ones(1, 4))
    with pytest.raises(ValueError, match=r'"fc2".*min_ndim=2'):
        layers.Dense(2, name="fc2")(torch.ones(3))


def test_unknown_kwarg_is_rejected():
    with pytest.raises(ValueError, match="Unrecognized keyword.*Dense"):
        layers.Dense(2, unitz=3)


def test_layer_name_with_slash_is_rejected():
    with pytest.raises(ValueError, match="name"):
        layers.Dense(2, name="a/b")


def test_unknown_activation_and_initializer_strings():
    with pytest.raises(ValueError, match="reluu"):
        layers.Dense(2, activation="reluu")
    with pytest.raises(ValueError, match="glorot_uniformm"):
        layers.Dense(2, kernel_initializer="glorot_uniformm")


def test_legacy_weights_kwarg_sets_initial_weights():
    kernel = np.arange(6, dtype="float32").reshape(3, 2)
    layer = layers.Dense(2, weights=[kernel, np.zeros(2, "float32")])
    layer(torch.ones(1, 3))
    np.testing.assert_array_equal(layer.get_weights()[0], kernel)


def test_layer_is_nn_module_with_hooks():
    layer = layers.Dense(2)
    seen = []
    layer.register_forward_hook(lambda m, i, o: seen.append(o.shape))
    layer(torch.ones(3, 4))
    assert seen == [torch.Size([3, 2])]
    assert isinstance(layer, torch.nn.Module)


def test_layer_without_get_config_round_trips():
    class NoArgs(lamina.Layer):
        def call(self, x):
            return x

    config = NoArgs(name="plain").get_config()
    assert NoArgs.from_config(config).get_config() == config

    class WithArgs(lamina.Layer):
        def __init__(self, factor=2, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    config = WithArgs(factor=3, name="scaled").get_config()
    assert config["factor"] == 3
    assert WithArgs.from_config(config).factor == 3


def test_losses_belong_to_the_layer_until_its_next_call():
    a = layers.Dense(2, activity_regularizer="l2")
    b = layers.Dense(2)
    x = torch.ones(4, 3)
    a(x)
    b(x)
    assert len(a.losses) == 1, "calling another layer keeps a's losses"
    a(x)
    assert len(a.losses) == 1, "a's next call replaces them"
    model = lamina.Sequential([lamina.Input((3,)),
                               layers.Dense(2, activity_regularizer="l2")])
    model.predict(np.ones((32, 3)), batch_size=1, verbose=0)
    assert len(model.losses) == 1
    from lamina.layers.call_context import state
    assert len(state.call_losses) <= 1
