import numpy as np
import pytest

from harness import run_layer_test
from lamina.layers.rnn import SimpleRNN

OPTIONS = [
    ({}, (3, 5)),
    ({"return_sequences": True}, (3, 6, 5)),
    ({"return_state": True}, ((3, 5), (3, 5))),
    ({"return_sequences": True, "go_backwards": True}, (3, 6, 5)),
    ({"unroll": True}, (3, 5)),
    ({"use_bias": False}, (3, 5)),
    ({"activation": "relu", "return_sequences": True}, (3, 6, 5)),
    ({"activation": "sigmoid"}, (3, 5)),
    ({"dropout": 0.3, "recurrent_dropout": 0.2}, (3, 5)),
]


@pytest.mark.parametrize("kwargs,shape", OPTIONS)
def test_simple_rnn_options(kwargs, shape, keras_ref):
    run_layer_test(
        SimpleRNN, {"units": 5, **kwargs}, input_shape=(3, 6, 4),
        expected_output_shape=shape,
        expected_num_trainable_weights=3 - (not kwargs.get("use_bias", True)),
        supports_masking=True, keras_reference=keras_ref,
    )


@pytest.mark.parametrize("mask_name", ["padded_mask", "holey_mask"])
def test_simple_rnn_masked(mask_name, request, sequences, keras_ref):
    mask = request.getfixturevalue(mask_name)
    for kwargs in ({"return_sequences": True},
                   {"go_backwards": True, "return_state": True}):
        run_layer_test(SimpleRNN, {"units": 5, **kwargs}, input_data=sequences,
                       call_kwargs={"mask": mask}, keras_reference=keras_ref)


def test_simple_rnn_random_weights(check_parity, sequences, padded_mask):
    h = np.random.default_rng(1).standard_normal((3, 5)).astype("float32")
    for activation in ("tanh", "relu", "linear"):
        check_parity(lambda L: L.SimpleRNN(5, activation=activation,
                                           return_state=True),
                     sequences, {"initial_state": h})
        check_parity(lambda L: L.SimpleRNN(5, activation=activation,
                                           return_sequences=True),
                     sequences, {"mask": padded_mask})


def test_simple_rnn_config_matches_keras(keras_ref):
    kwargs = {"units": 4, "activation": "relu", "stateful": True, "name": "s"}
    assert SimpleRNN(**kwargs).get_config() == keras_ref.layers.SimpleRNN(
        **kwargs).get_config()
