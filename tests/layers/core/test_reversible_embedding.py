"""ReversibleEmbedding against Keras 3."""

import numpy as np
import pytest
import torch

from harness import run_layer_test
from lamina import layers


@pytest.mark.parametrize("tie_weights", [True, False])
def test_harness_forward(keras_ref, tie_weights):
    run_layer_test(layers.ReversibleEmbedding,
                   {"input_dim": 10, "output_dim": 4,
                    "tie_weights": tie_weights},
                   input_shape=(2, 3), input_dtype="int32",
                   expected_output_shape=(2, 3, 4),
                   expected_num_trainable_weights=1 if tie_weights else 2,
                   # The forward direction never reads reverse_embeddings.
                   run_training_check=tie_weights,
                   keras_reference=keras_ref)


@pytest.mark.parametrize("kwargs", [
    {"tie_weights": True},
    {"tie_weights": False, "logit_soft_cap": 2.0},
    {"tie_weights": True, "reverse_dtype": "float16"},
])
def test_reverse_matches_keras(keras_ref, kwargs):
    ours = layers.ReversibleEmbedding(12, 5, **kwargs)
    theirs = keras_ref.layers.ReversibleEmbedding(12, 5, **kwargs)
    ours.build()
    theirs.build()
    ours.set_weights([keras_ref.ops.convert_to_numpy(w)
                      for w in theirs.weights])
    hidden = np.random.default_rng(0).standard_normal((2, 3, 5)) \
        .astype("float32") * 5
    got = ours(torch.from_numpy(hidden), reverse=True)
    expected = keras_ref.ops.convert_to_numpy(theirs(hidden, reverse=True))
    assert got.shape == (2, 3, 12) and str(got.dtype).endswith(
        str(expected.dtype))
    np.testing.assert_allclose(got.detach().float().cpu().numpy(),
                               expected.astype("float32"), rtol=1e-3,
                               atol=1e-3)
    config, keras_config = ours.get_config(), theirs.get_config()
    config.pop("name"), keras_config.pop("name")
    assert config == keras_config


@pytest.mark.parametrize("tie_weights", [True, False])
def test_both_directions_train_every_weight(tie_weights):
    layer = layers.ReversibleEmbedding(6, 3, tie_weights=tie_weights)
    hidden = layer(torch.tensor([[1, 2]]))
    logits = layer(hidden, reverse=True)
    assert layer.compute_output_shape((1, 2, 3), reverse=True) == (1, 2, 6)
    logits.square().sum().backward()
    assert all(w.grad is not None for w in layer.trainable_weights)


def test_symbolic_reverse_shape():
    import lamina
    hidden = lamina.Input((7, 3))
    logits = layers.ReversibleEmbedding(6, 3)(hidden, reverse=True)
    assert tuple(logits.shape) == (None, 7, 6)


def test_reverse_output_has_no_mask():
    layer = layers.ReversibleEmbedding(6, 3, mask_zero=True)
    assert layer.compute_mask(torch.tensor([[0, 1]])).tolist() == \
        [[False, True]]
    assert layer.compute_mask(torch.zeros(1, 2, 3)) is None
    with pytest.raises(ValueError, match="logit_soft_cap"):
        layers.ReversibleEmbedding(6, 3, logit_soft_cap=-1)
