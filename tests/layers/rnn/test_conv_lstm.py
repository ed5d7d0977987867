import numpy as np
import pytest

import lamina
from harness import run_layer_test
from lamina.layers.rnn import ConvLSTM1D
from lamina.layers.rnn import ConvLSTM2D
from lamina.layers.rnn import ConvLSTM3D

CLASSES = {1: ConvLSTM1D, 2: ConvLSTM2D, 3: ConvLSTM3D}


def _inputs(rank, channels_first=False, seed=0):
    shape = (2, 3) + (5,) * rank + (2,)
    x = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    return np.moveaxis(x, -1, 2).copy() if channels_first else x


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_harness(rank, keras_ref):
    spatial = (4,) * rank
    run_layer_test(CLASSES[rank], {"filters": 3, "kernel_size": 2},
                   input_shape=(2, 3) + (5,) * rank + (2,),
                   expected_output_shape=(2,) + spatial + (3,),
                   expected_num_trainable_weights=3, supports_masking=True,
                   keras_reference=keras_ref)


OPTIONS = [
    {},
    {"padding": "same", "return_sequences": True},
    {"strides": 2, "padding": "same", "return_state": True},
    {"kernel_size": 2, "padding": "same", "dilation_rate": 2,
     "go_backwards": True, "return_sequences": True},
    {"use_bias": False, "unit_forget_bias": False},
    {"activation": "relu", "recurrent_activation": "hard_sigmoid"},
]


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("kwargs", OPTIONS)
def test_matches_keras(rank, kwargs, check_parity):
    options = {"kernel_size": 3, **kwargs}
    check_parity(lambda L: getattr(L, f"ConvLSTM{rank}D")(3, **options),
                 _inputs(rank))


@pytest.mark.parametrize("rank", [1, 2])
def test_channels_first_and_mask(rank, check_parity):
    mask = np.array([[True, True, False], [True, False, True]])
    check_parity(lambda L: getattr(L, f"ConvLSTM{rank}D")(
        3, 3, padding="same", data_format="channels_first",
        return_sequences=True), _inputs(rank, channels_first=True),
        {"mask": mask})


def test_weights_layout_and_config(keras_ref):
    layer = ConvLSTM2D(4, (3, 2), name="conv")
    layer(_inputs(2))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("conv/conv_lstm_cell/kernel", (3, 2, 2, 16)),
        ("conv/conv_lstm_cell/recurrent_kernel", (3, 2, 4, 16)),
        ("conv/conv_lstm_cell/bias", (16,)),
    ]
    kwargs = {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same",
              "dropout": 0.1, "name": "conv"}
    for rank in (1, 2, 3):
        ours = CLASSES[rank](**kwargs)
        theirs = getattr(keras_ref.layers, f"ConvLSTM{rank}D")(**kwargs)
        assert ours.get_config() == theirs.get_config()


def test_dropout_training_runs_and_reaches_weights():
    layer = ConvLSTM1D(3, 3, dropout=0.5, recurrent_dropout=0.5, seed=1)
    out = layer(_inputs(1), training=True)
    out.sum().backward()
    assert all(w.grad is not None for w in layer.trainable_weights)


def test_symbolic_state_shapes():
    inputs = lamina.Input((3, 8, 8, 2))
    out, h, c = ConvLSTM2D(4, 3, strides=2, return_state=True,
                           return_sequences=True)(inputs)
    assert out.shape == (None, 3, 3, 3, 4) and h.shape == (None, 3, 3, 4)
