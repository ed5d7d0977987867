import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina.layers.rnn import LSTM

OPTIONS = [
    ({}, (3, 5)),
    ({"return_sequences": True}, (3, 6, 5)),
    ({"return_state": True}, ((3, 5), (3, 5), (3, 5))),
    ({"return_sequences": True, "go_backwards": True}, (3, 6, 5)),
    ({"unroll": True, "return_sequences": True}, (3, 6, 5)),
    ({"use_bias": False}, (3, 5)),
    ({"unit_forget_bias": False, "bias_initializer": "ones"}, (3, 5)),
    ({"activation": "relu", "recurrent_activation": "hard_sigmoid"}, (3, 5)),
    ({"dropout": 0.3, "recurrent_dropout": 0.2}, (3, 5)),
    ({"use_cudnn": False, "return_sequences": True}, (3, 6, 5)),
]


@pytest.mark.parametrize("kwargs,shape", OPTIONS)
def test_lstm_options(kwargs, shape, keras_ref):
    run_layer_test(
        LSTM, {"units": 5, **kwargs}, input_shape=(3, 6, 4),
        expected_output_shape=shape, expected_num_trainable_weights=3 -
        (not kwargs.get("use_bias", True)), expected_num_non_trainable_weights=0,
        supports_masking=True, keras_reference=keras_ref,
    )


@pytest.mark.parametrize("mask_name", ["padded_mask", "holey_mask"])
@pytest.mark.parametrize("kwargs", [{"return_sequences": True},
                                    {"go_backwards": True, "return_state": True}])
def test_lstm_masked(mask_name, kwargs, request, sequences, keras_ref):
    mask = request.getfixturevalue(mask_name)
    run_layer_test(LSTM, {"units": 5, **kwargs}, input_data=sequences,
                   call_kwargs={"mask": mask}, keras_reference=keras_ref)


@pytest.mark.parametrize("kwargs", [{}, {"go_backwards": True},
                                    {"use_bias": False, "unroll": True}])
def test_lstm_random_weights(kwargs, check_parity, sequences, padded_mask):
    check_parity(lambda L: L.LSTM(5, return_state=True, **kwargs), sequences)
    check_parity(lambda L: L.LSTM(5, return_sequences=True, **kwargs),
                 sequences, {"mask": padded_mask})


def test_lstm_initial_state(check_parity, sequences):
    rng = np.random.default_rng(1)
    h, c = rng.standard_normal((2, 3, 5)).astype("float32")
    for go_backwards in (False, True):
        check_parity(lambda L: L.LSTM(5, return_sequences=True,
                                      return_state=True,
                                      go_backwards=go_backwards),
                     sequences, {"initial_state": [h, c]})


def test_lstm_weights_layout_and_names():
    layer = LSTM(5)
    layer(np.zeros((2, 3, 4), "float32"))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("lstm/lstm_cell/kernel", (4, 20)),
        ("lstm/lstm_cell/recurrent_kernel", (5, 20)),
        ("lstm/lstm_cell/bias", (20,)),
    ]
    # unit_forget_bias: the f block (second quarter) starts at one.
    bias = layer.cell.bias.detach()
    assert torch.equal(bias[5:10], torch.ones(5))
    assert torch.equal(torch.cat([bias[:5], bias[10:]]), torch.zeros(15))
    assert list(layer.state_dict()) == ["cell.kernel", "cell.recurrent_kernel",
                                        "cell.bias"]


def test_lstm_regularizers_and_constraints():
    layer = LSTM(3, kernel_regularizer="l2", recurrent_regularizer="l1",
                 bias_regularizer="l2", activity_regularizer="l2",
                 kernel_constraint="non_neg")
    layer(np.ones((2, 4, 3), "float32"))
    assert len(layer.losses) == 4
    assert layer.cell.kernel.constraint is not None
    assert layer.kernel_constraint is layer.cell.kernel_constraint


def test_lstm_config_matches_keras(keras_ref):
    kwargs = {"units": 4, "dropout": 0.25, "go_backwards": True,
              "kernel_regularizer": "l2", "name": "encoder"}
    assert LSTM(**kwargs).get_config() == keras_ref.layers.LSTM(
        **kwargs).get_config()
