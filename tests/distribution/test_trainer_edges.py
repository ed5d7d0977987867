"""TrainerEdges' checks that need no process group: a loss whose
reduction an average of the shards' gradients does not reproduce is
refused before training."""

import types

import pytest

import lamina
from lamina.distribution.trainer_edges import TrainerEdges


def _model(reduction):
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)])
    model.compile("sgd", lamina.losses.MeanSquaredError(reduction=reduction))
    return model


def _edges(shards):
    return TrainerEdges(types.SimpleNamespace(num_data_shards=shards))


@pytest.mark.parametrize("reduction", ["sum", "mean_with_sample_weight"])
def test_a_loss_averaged_shards_cannot_reproduce_is_refused(reduction):
    with pytest.raises(ValueError, match=f"reduction='{reduction}'") as info:
        _edges(2).check_train_step(_model(reduction))
    assert "2 data shards" in str(info.value)
    assert "sum_over_batch_size" in str(info.value)
    _edges(1).check_train_step(_model(reduction))  # one shard: nothing to do


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean"])
def test_a_mean_over_the_rows_is_accepted(reduction):
    _edges(2).check_train_step(_model(reduction))
