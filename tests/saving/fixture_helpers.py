"""What the tests of the shared Keras-written fixtures have in common:
where they are, the model names, the fixtures' custom layer and the
check that a loaded model predicts what the writer predicted.

Imported as `saving.fixture_helpers` by the tests (tests/ is on sys.path)
and as `fixture_helpers` by `fuzz_worker.py`, which runs as a script from
this folder.
"""

import os

import numpy as np

import lamina
from lamina import ops

ROOT = os.environ.get("LAMINA_FIXTURES", "/work/shared/fixtures")
FOLDERS = ["keras2", "keras2-tf2.10", "keras2-standalone-2.3.1", "keras3"]
MODELS = ["mlp", "cnn", "multi_io", "rnn", "bidir_timedist", "nested",
          "custom_layer"]


class ScaledDense(lamina.layers.Layer):
    """The fixtures' custom layer: y = scale * (x @ kernel + bias)."""

    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = scale

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(int(input_shape[-1]), self.units))
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer="zeros")

    def call(self, inputs):
        return self.scale * (ops.matmul(inputs, self.kernel) + self.bias)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "scale": self.scale}


CUSTOM = {"ScaledDense": ScaledDense}


def reference(folder, name):
    """The writer's inputs (one array or a list) and outputs (a list) from
    `<folder>/<name>.io.npz`."""
    arrays = np.load(os.path.join(ROOT, folder, name + ".io.npz"))
    xs = [arrays[k] for k in sorted(arrays.files) if k.startswith("x")]
    ys = [arrays[k] for k in sorted(arrays.files) if k.startswith("y")]
    return (xs[0] if len(xs) == 1 else xs), ys


def assert_predicts(model, folder, name):
    """`model` predicts the writer's outputs within 1e-5."""
    x, ys = reference(folder, name)
    predicted = model.predict(x, batch_size=4, verbose=0)
    if isinstance(predicted, dict):
        predicted = list(predicted.values())
    if not isinstance(predicted, (list, tuple)):
        predicted = [predicted]
    assert len(predicted) == len(ys)
    for got, want in zip(predicted, ys):
        np.testing.assert_allclose(np.asarray(got), want, atol=1e-5, rtol=0)
