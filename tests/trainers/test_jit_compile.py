"""compile(jit_compile=True) runs the forward and loss through
torch.compile and trains to the same numbers as eager."""

import numpy as np

import lamina
from lamina import layers


def test_jit_compile_matches_eager():
    rng = np.random.default_rng(0)
    x = rng.random((128, 8)).astype("float32")
    y = (x[:, 0] > 0.5).astype("int64")

    def build():
        lamina.utils.set_random_seed(1)
        model = lamina.Sequential([lamina.Input((8,)),
                                   layers.Dense(8, activation="relu"),
                                   layers.Dense(2)])
        return model

    eager, compiled = build(), build()
    compiled.set_weights(eager.get_weights())
    loss = lamina.losses.SparseCategoricalCrossentropy(from_logits=True)
    eager.compile("adam", loss, metrics=["accuracy"])
    compiled.compile("adam", loss, metrics=["accuracy"], jit_compile=True)
    kwargs = dict(epochs=2, batch_size=32, shuffle=False, verbose=0)
    expected = eager.fit(x, y, **kwargs).history
    got = compiled.fit(x, y, **kwargs).history
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5)


def test_jit_compile_predict_runs_the_compiled_step():
    """As in Keras, `jit_compile=True` compiles `predict` too: every batch
    goes through the compiled predict step (no eager shortcut), with the
    eager model's outputs."""
    lamina.utils.set_random_seed(2)
    model = lamina.Sequential([lamina.Input((8,)),
                               layers.Dense(16, activation="relu"),
                               layers.Dense(3, activation="softmax")])
    model.compile("sgd", "mse")
    x = np.random.default_rng(3).random((70, 8)).astype("float32")
    expected = model.predict(x, batch_size=16, verbose=0)
    model.compile("sgd", "mse", jit_compile=True)
    got = model.predict(x, batch_size=16, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    step = model._compiled("predict", None)
    assert step.warm and step.failed is None
    compiled_calls = []
    step.compiled = _counting(step.compiled, compiled_calls)
    model.predict(x, batch_size=16, verbose=0)
    assert len(compiled_calls) == 5  # 70 rows in batches of 16


def _counting(function, calls):
    def counted(*args):
        calls.append(1)
        return function(*args)
    return counted


def test_compiled_backward_keeps_the_forward_random_masks():
    """A compiled step that calls `loss.backward()` (a custom train_step;
    the default one under a distribution) is split by AOT autograd into a
    forward and a backward graph. Dropout's and GaussianNoise's draws must
    be the forward's in the backward too: recomputed there from the seed
    generator's counter, which the forward had already advanced, they gave
    other masks and wrong gradients (weights off by ~0.1)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = rng.normal(size=(64, 3)).astype("float32")

    class CustomStep(lamina.Sequential):
        def train_step(self, data):
            return super().train_step(data)

    def trained(model_class, jit_compile):
        lamina.utils.set_random_seed(0)
        model = model_class([lamina.Input((8,)),
                             layers.Dense(16, activation="relu"),
                             layers.Dropout(0.5, seed=3),
                             layers.GaussianNoise(0.3, seed=4),
                             layers.Dense(3)])
        model.compile(lamina.optimizers.SGD(0.1), "mse",
                      jit_compile=jit_compile)
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        return model

    split = trained(CustomStep, True)
    assert split._compiled("custom train", None).failed is None
    # The whole default step is one graph, which nothing splits; its
    # draws are the same hashed ones (GaussianNoise's are not the eager
    # `normal_` draws when compiled).
    whole = trained(lamina.Sequential, True)
    for got, want in zip(split.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)
