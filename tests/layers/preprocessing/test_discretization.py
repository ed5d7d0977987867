import types

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.preprocessing import Discretization


@pytest.fixture
def keras_disc(keras_ref, monkeypatch):
    """Keras's Discretization; its adapt() needs tf only for isinstance
    checks, so a stand-in module lets it run without TensorFlow."""
    from keras.src.layers.preprocessing import discretization

    fake_tf = types.SimpleNamespace(
        data=types.SimpleNamespace(Dataset=type("Dataset", (), {})),
        is_tensor=lambda x: False)
    monkeypatch.setattr(discretization, "tf", fake_tf)
    return keras_ref.layers.Discretization


def _datasets():
    rng = np.random.default_rng(0)
    return {"normal": rng.standard_normal(1000),
            "batches": [rng.standard_normal((30, 2)) for _ in range(5)],
            "exponential": rng.exponential(size=(200, 3)),
            "tensor": torch.tensor(rng.uniform(size=(50, 4)))}


@pytest.mark.parametrize("name", ["normal", "batches", "exponential",
                                  "tensor"])
@pytest.mark.parametrize("num_bins,epsilon", [(2, 0.01), (5, 0.01),
                                              (17, 0.05)])
def test_adapt_matches_keras(keras_disc, keras_ref, name, num_bins,
                             epsilon):
    data = _datasets()[name]
    theirs = keras_disc(num_bins=num_bins, epsilon=epsilon)
    theirs.adapt(data.cpu().numpy() if name == "tensor" else data)
    ours = Discretization(num_bins=num_bins, epsilon=epsilon)
    ours.adapt(data)
    assert ours.bin_boundaries == theirs.bin_boundaries
    assert ours.get_config() == {**theirs.get_config(), "name": ours.name}
    x = np.random.default_rng(1).standard_normal((4, 5)).astype("float32")
    np.testing.assert_array_equal(
        ours(x).cpu().numpy(), keras_ref.ops.convert_to_numpy(theirs(x)))


@pytest.mark.parametrize("mode,expected", [
    ("int", (2, 3)), ("one_hot", (2, 3, 4)), ("multi_hot", (2, 4)),
    ("count", (2, 4)),
])
def test_harness(keras_ref, mode, expected):
    run_layer_test(Discretization, {"bin_boundaries": [-1.0, 0.0, 1.0],
                                    "output_mode": mode},
                   input_shape=(2, 3), expected_output_shape=expected,
                   keras_reference=keras_ref)


def test_boundaries_and_dtypes_match_keras(keras_ref):
    x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 2.0, -0.1, 1.99]])
    for data in (x, x.astype("float32"), np.array([[0, 1, 2, 3]])):
        theirs = keras_ref.layers.Discretization(
            bin_boundaries=[0.0, 1.0, 2.0])
        out = Discretization(bin_boundaries=[0.0, 1.0, 2.0])(data)
        expected = keras_ref.ops.convert_to_numpy(theirs(data))
        assert out.dtype == torch.int32
        np.testing.assert_array_equal(out.cpu().numpy(), expected)


def test_adapted_layer_round_trips_config():
    layer = Discretization(num_bins=4)
    layer.adapt(np.arange(100.0))
    clone = Discretization.from_config(layer.get_config())
    assert clone.bin_boundaries == layer.bin_boundaries
    assert clone.num_bins == 4


def test_bad_inputs():
    with pytest.raises(ValueError, match="output_mode"):
        Discretization(num_bins=3, output_mode="bucket")
    with pytest.raises(ValueError, match="Only one of"):
        Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match="either"):
        Discretization()
    with pytest.raises(ValueError, match="adapt"):
        Discretization(num_bins=3)(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="empty"):
        Discretization(num_bins=3).adapt([])
    with pytest.raises(ValueError, match="bin_boundaries"):
        Discretization(bin_boundaries=[0.0]).adapt(np.zeros(3))
