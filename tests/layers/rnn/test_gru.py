import numpy as np
import pytest

from harness import run_layer_test
from lamina.layers.rnn import GRU
from lamina.layers.rnn import fused

OPTIONS = [
    ({}, (3, 5)),
    ({"reset_after": False}, (3, 5)),
    ({"return_sequences": True}, (3, 6, 5)),
    ({"return_sequences": True, "reset_after": False}, (3, 6, 5)),
    ({"return_state": True}, ((3, 5), (3, 5))),
    ({"return_sequences": True, "go_backwards": True}, (3, 6, 5)),
    ({"unroll": True, "return_sequences": True}, (3, 6, 5)),
    ({"use_bias": False}, (3, 5)),
    ({"use_bias": False, "reset_after": False}, (3, 5)),
    ({"activation": "relu", "recurrent_activation": "hard_sigmoid"}, (3, 5)),
    ({"dropout": 0.3, "recurrent_dropout": 0.2}, (3, 5)),
]


@pytest.mark.parametrize("kwargs,shape", OPTIONS)
def test_gru_options(kwargs, shape, keras_ref):
    run_layer_test(
        GRU, {"units": 5, **kwargs}, input_shape=(3, 6, 4),
        expected_output_shape=shape,
        expected_num_trainable_weights=3 - (not kwargs.get("use_bias", True)),
        supports_masking=True, keras_reference=keras_ref,
    )


@pytest.mark.parametrize("mask_name", ["padded_mask", "holey_mask"])
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_masked(mask_name, reset_after, request, sequences, keras_ref):
    mask = request.getfixturevalue(mask_name)
    for kwargs in ({"return_sequences": True},
                   {"go_backwards": True, "return_state": True}):
        run_layer_test(GRU, {"units": 5, "reset_after": reset_after,
                             **kwargs},
                       input_data=sequences, call_kwargs={"mask": mask},
                       keras_reference=keras_ref)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_random_weights(reset_after, check_parity, sequences,
                            padded_mask):
    rng = np.random.default_rng(1)
    h = rng.standard_normal((3, 5)).astype("float32")
    for kwargs in ({}, {"go_backwards": True}, {"use_cudnn": False}):
        check_parity(lambda L: L.GRU(5, return_state=True,
                                     reset_after=reset_after, **kwargs),
                     sequences, {"initial_state": [h]})
        check_parity(lambda L: L.GRU(5, return_sequences=True,
                                     reset_after=reset_after, **kwargs),
                     sequences, {"mask": padded_mask})


def test_gru_bias_layouts():
    x = np.zeros((2, 3, 4), "float32")
    after, before = GRU(5), GRU(5, reset_after=False)
    after(x)
    before(x)
    assert [tuple(w.shape) for w in after.weights] == [(4, 15), (5, 15),
                                                       (2, 15)]
    assert [tuple(w.shape) for w in before.weights] == [(4, 15), (5, 15),
                                                        (15,)]
    assert after.weights[2].path == "gru/gru_cell/bias"


def test_gru_gate_reordering_matches_torch():
    """Keras's z, r, h blocks become torch's r, z, n: check against
    torch.nn.GRU fed with the reordered weights."""
    import torch

    layer = GRU(5, return_sequences=True)
    x = np.random.default_rng(2).standard_normal((2, 7, 4)).astype("float32")
    ours = layer(x)
    reference = torch.nn.GRU(4, 5, batch_first=True)
    with torch.no_grad():
        w_ih, w_hh, b_ih, b_hh = fused.gru_params(layer.cell)
        reference.weight_ih_l0.copy_(w_ih)
        reference.weight_hh_l0.copy_(w_hh)
        reference.bias_ih_l0.copy_(b_ih)
        reference.bias_hh_l0.copy_(b_hh)
        expected, _ = reference(torch.from_numpy(x))
    np.testing.assert_allclose(ours.detach().cpu().numpy(),
                               expected.cpu().numpy(),
                               atol=1e-6)


def test_gru_config_matches_keras(keras_ref):
    kwargs = {"units": 4, "reset_after": False, "recurrent_dropout": 0.5,
              "seed": 3, "name": "g"}
    assert GRU(**kwargs).get_config() == keras_ref.layers.GRU(
        **kwargs).get_config()
