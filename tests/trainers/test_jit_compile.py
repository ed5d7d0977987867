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
