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
