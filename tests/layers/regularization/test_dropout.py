import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.regularization.dropout import Dropout

# Inputs are made where the layers run (CUDA on a GPU machine): the tests
# check identity and compute with inputs and outputs together.
pytestmark = pytest.mark.usefixtures("on_layer_device")


@pytest.fixture
def keras_ref():
    """The shared `keras_ref` fixture without its full garbage collection
    (`clear_session()` collects, ~0.8 s per test on this machine)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras


@pytest.mark.parametrize("kwargs", [
    {"rate": 0.5},
    {"rate": 0.0},
    {"rate": 1.0},
    {"rate": 0.3, "seed": 1337},
    {"rate": 0.2, "noise_shape": (None, 1, 4)},
    {"rate": 0.2, "noise_shape": [2, 1, None], "seed": 3},
])
def test_dropout_harness_and_inference_parity(keras_ref, kwargs):
    layer = run_layer_test(
        Dropout, kwargs, input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )
    assert layer.weights == []


@pytest.mark.parametrize("kwargs", [
    {"rate": 0.5}, {"rate": 0.2, "seed": 1},
    {"rate": 0.3, "noise_shape": (None, 1, 4)},
])
def test_dropout_config_matches_keras(keras_ref, kwargs):
    ours = Dropout(name="d", **kwargs).get_config()
    theirs = keras_ref.layers.Dropout(name="d", **kwargs).get_config()
    assert ours == theirs


def test_dropout_is_identity_outside_training():
    x = torch.randn(8, 16)
    layer = Dropout(0.5)
    assert layer(x) is x
    assert layer(x, training=False) is x


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("seed", [None, 7])
def test_dropout_training_statistics(rate, seed):
    x = torch.ones(400, 500)
    out = Dropout(rate, seed=seed)(x, training=True)
    zero_fraction = (out == 0).float().mean().item()
    assert abs(zero_fraction - rate) < 0.01
    kept = out[out != 0]
    torch.testing.assert_close(kept, torch.full_like(kept, 1 / (1 - rate)))


def test_dropout_rate_one_and_zero_in_training():
    x = torch.randn(4, 5)
    assert torch.equal(Dropout(1.0)(x, training=True), torch.zeros(4, 5))
    assert torch.equal(Dropout(0.0)(x, training=True), x)


def test_dropout_seed_is_reproducible():
    x = torch.ones(64, 64)
    first, second = Dropout(0.5, seed=42), Dropout(0.5, seed=42)
    a1, a2 = first(x, training=True), first(x, training=True)
    b1, b2 = second(x, training=True), second(x, training=True)
    assert torch.equal(a1, b1) and torch.equal(a2, b2)
    assert not torch.equal(a1, a2), "each call draws a new mask"
    assert not torch.equal(a1, Dropout(0.5, seed=43)(x, training=True))


def test_dropout_unseeded_follows_set_random_seed():
    x = torch.ones(64, 64)
    lamina.random.set_random_seed(5)
    a = Dropout(0.5)(x, training=True)
    lamina.random.set_random_seed(5)
    b = Dropout(0.5)(x, training=True)
    assert torch.equal(a, b)
    assert not torch.equal(a, Dropout(0.5)(x, training=True))


def test_dropout_noise_shape_broadcasts():
    x = torch.ones(6, 50, 8)
    out = Dropout(0.5, noise_shape=(None, 1, 8), seed=0)(x, training=True)
    # The same features are dropped at every timestep of a sample.
    assert torch.equal(out, out[:, :1, :].expand_as(out))
    assert 0 < (out == 0).float().mean().item() < 1


def test_dropout_gradient_is_masked_and_scaled():
    x = torch.ones(10, 10, requires_grad=True)
    out = Dropout(0.5, seed=1)(x, training=True)
    out.sum().backward()
    torch.testing.assert_close(x.grad, out.detach())


def test_dropout_preserves_non_finite_drop_as_zero():
    x = torch.full((200,), float("inf"))
    out = Dropout(0.5, seed=2, noise_shape=(200,))(x, training=True)
    assert torch.all((out == 0) | torch.isinf(out))


def test_dropout_training_resolved_from_enclosing_model():
    model = lamina.Sequential([lamina.Input((100,)), Dropout(0.5)])
    x = np.ones((4, 100), dtype="float32")
    np.testing.assert_array_equal(model(x).cpu().numpy(), x)
    out = model(x, training=True).cpu().numpy()
    assert (out == 0).any() and (out == 2).any()


def test_dropout_passes_mask_through():
    x = torch.randn(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    out = Dropout(0.5)(x, training=True)
    assert torch.equal(out._keras_mask, x._keras_mask)


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5", None])
def test_dropout_invalid_rate(rate):
    with pytest.raises(ValueError, match="argument `rate`") as info:
        Dropout(rate)
    assert f"Received: rate={rate}" in str(info.value)


def test_dropout_invalid_rate_message_matches_keras(keras_ref):
    with pytest.raises(ValueError) as ours:
        Dropout(1.5)
    with pytest.raises(ValueError) as theirs:
        keras_ref.layers.Dropout(1.5)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("noise_shape,match", [
    ("abc", "tuple or list"), (5, "iterable"), ((2, 0), "index 1: 0"),
    ((2.5, None), "integers or None"),
])
def test_dropout_invalid_noise_shape(noise_shape, match):
    with pytest.raises(ValueError, match=match):
        Dropout(0.5, noise_shape=noise_shape)


def test_dropout_noise_shape_rank_mismatch():
    layer = Dropout(0.5, noise_shape=(None, 1))
    with pytest.raises(ValueError, match="noise_shape"):
        layer(torch.ones(2, 3, 4), training=True)


def _mlp(sequential, input_fn, dense, dropout):
    return sequential([
        input_fn((784,)),
        dense(512, activation="relu"),
        dropout(0.2),
        dense(512, activation="relu"),
        dropout(0.2),
        dense(10, activation="softmax"),
    ])


def test_mlp_with_dropout_parameter_count(keras_ref):
    model = _mlp(lamina.Sequential, lamina.Input, lamina.layers.Dense,
                 Dropout)
    theirs = _mlp(keras_ref.Sequential, keras_ref.Input,
                  keras_ref.layers.Dense, keras_ref.layers.Dropout)
    assert model.count_params() == 669_706 == theirs.count_params()
    assert [tuple(w.shape) for w in model.weights] == \
        [tuple(w.shape) for w in theirs.weights]
    assert model.output.shape == (None, 10)


def test_dropout_accepts_numpy_rate():
    layer = Dropout(np.float32(0.25))
    assert layer(torch.ones(3)).shape == (3,)


def test_cnn_with_flatten_and_dropout_parameter_count(keras_ref):
    from lamina.layers.reshaping.flatten import Flatten

    conv = getattr(lamina.layers, "Conv2D", None)
    pool = getattr(lamina.layers, "MaxPooling2D", None)
    if conv is None or pool is None:
        pytest.skip("Conv2D / MaxPooling2D are not exported yet")

    def cnn(sequential, input_fn, conv, pool, flatten, dropout, dense):
        return sequential([
            input_fn((28, 28, 1)),
            conv(32, 3, activation="relu"), pool(2),
            conv(64, 3, activation="relu"), pool(2),
            flatten(), dropout(0.5), dense(10, activation="softmax"),
        ])

    k = keras_ref.layers
    model = cnn(lamina.Sequential, lamina.Input, conv, pool, Flatten,
                Dropout, lamina.layers.Dense)
    theirs = cnn(keras_ref.Sequential, keras_ref.Input, k.Conv2D,
                 k.MaxPooling2D, k.Flatten, k.Dropout, k.Dense)
    assert model.count_params() == 34_826 == theirs.count_params()
    assert model.output.shape == (None, 10)
