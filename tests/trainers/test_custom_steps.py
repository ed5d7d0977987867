"""Custom training written as in the Keras guides for the torch backend."""

import numpy as np
import torch

import lamina as keras
from lamina import layers

X = np.random.default_rng(0).random((64, 4)).astype("float32")
Y = X.sum(1, keepdims=True)


class CustomModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.loss_fn(y, y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(),
                "mae": self.mae_metric.result()}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(self.loss_fn(y, y_pred))
        self.mae_metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


def test_functional_custom_model_train_and_test_step():
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    outputs = layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam")
    history = model.fit(X, Y, epochs=3, verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    result = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert set(result) == {"loss", "mae"}


class GAN(keras.Model):
    """The shape of the Keras GAN guide: two optimizers, custom logs."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def train_step(self, real):
        if isinstance(real, (tuple, list)):
            real = real[0]
        batch = real.shape[0]
        noise = torch.randn(batch, self.latent_dim)
        fake = self.generator(noise)
        combined = torch.cat([fake, real], dim=0)
        labels = torch.cat([torch.ones(batch, 1), torch.zeros(batch, 1)])
        self.zero_grad()
        d_loss = self.loss_fn(labels, self.discriminator(combined))
        d_loss.backward()
        grads = [v.value.grad for v in self.discriminator.trainable_weights]
        with torch.no_grad():
            self.d_optimizer.apply(grads, self.discriminator.trainable_weights)

        self.zero_grad()
        g_loss = self.loss_fn(torch.zeros(batch, 1),
                              self.discriminator(self.generator(
                                  torch.randn(batch, self.latent_dim))))
        g_loss.backward()
        grads = [v.value.grad for v in self.generator.trainable_weights]
        with torch.no_grad():
            self.g_optimizer.apply(grads, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(),
                "g_loss": self.g_loss_tracker.result()}


def test_gan_from_a_dataloader():
    discriminator = keras.Sequential([keras.Input((4,)), layers.Dense(8),
                                      layers.Dense(1, activation="sigmoid")])
    generator = keras.Sequential([keras.Input((2,)), layers.Dense(4)])
    gan = GAN(discriminator, generator, latent_dim=2)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3),
                keras.losses.BinaryCrossentropy())
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X)), batch_size=16)
    history = gan.fit(loader, epochs=2, verbose=0)
    assert sorted(history.history) == ["d_loss", "g_loss"]
    assert len(history.history["d_loss"]) == 2


def test_compute_loss_override():
    class Weighted(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def compute_loss(self, x=None, y=None, y_pred=None,
                         sample_weight=None, training=True):
            return torch.mean(torch.abs(y - y_pred)) * 2.0

    model = Weighted()
    model.compile("sgd")
    history = model.fit(X, Y, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]


def test_metrics_set_as_attributes_are_reset_and_reported():
    class Tracked(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.tracker = keras.metrics.Sum(name="my_loss")

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            self.tracker.update_state(1.0)
            return super().train_step(data)

    model = Tracked()
    model.compile("sgd", "mse")
    history = model.fit(X, Y, batch_size=16, epochs=3, verbose=0)
    assert history.history["my_loss"] == [4.0, 4.0, 4.0]
    assert [m.name for m in model.metrics] == ["loss", "my_loss"]


def test_unfreezing_after_training_is_not_silently_ignored():
    import pytest

    model = keras.Sequential([keras.Input((4,)), layers.Dense(2, name="d0"),
                              layers.Dense(1, name="d1")])
    model.get_layer("d0").trainable = False
    model.compile("sgd", "mse")
    model.train_on_batch(X, Y)
    model.get_layer("d0").trainable = True
    # As in Keras: the optimizer was built for the old set of weights.
    with pytest.raises(ValueError, match="Unknown variable: .*d0/kernel"):
        model.train_on_batch(X, Y)
    model.compile("sgd", "mse")
    before = model.get_layer("d0").kernel.detach().clone()
    model.train_on_batch(X, Y)
    assert not torch.equal(before, model.get_layer("d0").kernel.detach())


def test_single_output_loss_given_as_list():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile("sgd", loss=["mse"], loss_weights=[2.0], metrics=["mae"])
    history = model.fit(X, Y, epochs=1, verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
