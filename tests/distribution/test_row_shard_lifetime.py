"""How long a pass's row shards (and global row counts) last, in one
process playing rank 0 of 2 under data parallelism (`TrainerEdges` with
its data sharding, no process group: no shuffling, no DDP, no
all-reduce). A pass's shards count only for the steps on its own batches:
not after it ends, not for the pass a nested `evaluate` interrupted, not
for a later pass while it sits suspended."""

import types

import numpy as np
import pytest
import torch

import lamina as keras
from lamina import random_masks
from lamina.distribution import data_sharding
from lamina.distribution.trainer_edges import TrainerEdges
from lamina.trainers import distribution_hook

ROWS, BATCH = 32, 16  # rank 0 trains on rows 0-7 of every 16-row batch


class _RankOf2(TrainerEdges):
    """The real data sharding; the model and loss as one process's."""

    def __init__(self, shard_id=0):
        super().__init__(types.SimpleNamespace(
            auto_shard_dataset=True, data_shard_id=shard_id,
            num_data_shards=2))

    def training_module(self, model, x):
        return model

    def weigh_loss(self, loss, rows):
        return loss

    def global_metrics_result(self, metrics, result):
        return result()


class _Probe(keras.layers.Layer):
    """Records, at every training call, the shard and global row count a
    draw along its rows (and one along `other_rows`) would take."""

    def __init__(self, other_rows=5):
        super().__init__()
        self.other_rows = other_rows
        self.seen = []

    def call(self, x, training=False):
        if training:
            rows = int(x.shape[0])
            self.seen.append((random_masks.row_shard(rows),
                              data_sharding.global_batch_rows(rows),
                              random_masks.row_shard(self.other_rows)))
        return x


@pytest.fixture(autouse=True)
def no_shard_left():
    yield
    assert random_masks.row_shard() is None  # for the tests that follow


@pytest.fixture
def rank0_of_2():
    distribution_hook.install(_RankOf2())
    try:
        yield
    finally:
        distribution_hook.install(None)


def _data(rows=ROWS):
    x = np.arange(rows * 3, dtype="float32").reshape(rows, 3)
    return x, x[:, :1].copy()


def _model(*extra):
    model = keras.Sequential([keras.Input((3,)), *extra,
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


class _EvaluateOnBatchBegin(keras.callbacks.Callback):
    """Runs a (sharded) `evaluate` after a step's batch was read, before
    the step runs."""

    def on_train_batch_begin(self, batch, logs=None):
        self.model.evaluate(*_data(20), batch_size=10, verbose=0)


def test_an_evaluate_in_a_callback_leaves_the_steps_their_shard(rank0_of_2):
    probe = _Probe()
    model = _model(probe)
    model.fit(*_data(), batch_size=BATCH, shuffle=False, verbose=0,
              callbacks=[_EvaluateOnBatchBegin()])
    # Before, the evaluate's pass ended by clearing every shard: the
    # steps drew as if unsharded (each process the same masks).
    assert probe.seen == [((0, 8, 16), 16, None)] * 2


def test_a_validation_pass_kept_across_epochs_stays_out_of_training(
        rank0_of_2):
    # With validation_steps the validation pass persists, suspended,
    # across epochs (as steps_per_epoch keeps the training pass): its
    # 5-row shard of 10-row batches must not reach epoch 2's draws.
    # (One step an epoch: epoch 2 reads the training pass's second batch.)
    probe = _Probe(other_rows=5)
    model = _model(probe)
    model.fit(*_data(), batch_size=BATCH, shuffle=False, verbose=0,
              epochs=2, steps_per_epoch=1, validation_data=_data(20),
              validation_batch_size=10, validation_steps=1)
    assert probe.seen == [((0, 8, 16), 16, None)] * 2


def test_the_last_grouped_steps_run_after_the_data_ran_out_keep_their_shard(
        rank0_of_2):
    # steps_per_execution=3 over 4 batches: the last group (one step) is
    # stepped once the pass ran out. Before, its end had cleared the
    # shards: that step drew unsharded.
    probe = _Probe()
    model = _model(probe)
    model.compile("sgd", "mse", steps_per_execution=3)
    model.fit(*_data(64), batch_size=BATCH, shuffle=False, verbose=0,
              epochs=2)
    assert probe.seen == [((0, 8, 16), 16, None)] * 8


def test_read_ahead_batches_with_one_slice_size_for_two_global_sizes():
    """Rank 1 slices 8 rows from both a 16-row batch and a 15-row one;
    grouped, both were read before either step ran, and each step must
    draw along its own batch's shard (the trainer names the batch:
    `before_step`). Both steps took the later batch's shard before."""
    distribution_hook.install(_RankOf2(shard_id=1))
    try:
        probe = _Probe()
        model = _model(probe)
        model.compile("sgd", "mse", steps_per_execution=2)
        model.fit(*_data(31), batch_size=BATCH, shuffle=False, verbose=0)
    finally:
        distribution_hook.install(None)
    assert [shard for shard, _, _ in probe.seen] == [(8, 8, 16), (7, 8, 15)]


class _Raise(keras.callbacks.Callback):
    """Raises a new `error_type` (a kept instance would keep the frames
    of its traceback, `fit`'s among them) from step `at_batch` on."""

    def __init__(self, error_type, at_batch=0):
        super().__init__()
        self.error_type = error_type
        self.at_batch = at_batch

    def on_train_batch_end(self, batch, logs=None):
        if batch >= self.at_batch:
            raise self.error_type(f"raised at step {batch}")


class _Stop(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.model.stop_training = True


def _fit(**kwargs):
    def run(model):
        model.fit(*_data(), batch_size=BATCH, shuffle=False, verbose=0,
                  **kwargs)
    return run


PASSES = {
    "fit": _fit(),
    "fit_grouped": lambda model: model.fit(  # a last group of 1 step
        *_data(64), batch_size=BATCH, shuffle=False, verbose=0),
    "fit_steps_per_epoch": _fit(epochs=2, steps_per_epoch=1),
    "fit_stopped_by_a_callback": _fit(epochs=2, callbacks=[_Stop()]),
    "fit_with_validation_steps": _fit(
        epochs=2, validation_data=_data(20), validation_batch_size=10,
        validation_steps=1),
    "fit_a_callback_raises": _fit(callbacks=[_Raise(RuntimeError)]),
    "fit_interrupted": _fit(callbacks=[_Raise(KeyboardInterrupt)]),
    "evaluate": lambda model: model.evaluate(*_data(), batch_size=BATCH,
                                             verbose=0),
    "evaluate_steps": lambda model: model.evaluate(
        *_data(), batch_size=BATCH, steps=1, verbose=0),
    "train_on_batch": lambda model: model.train_on_batch(*_data(BATCH)),
}


@pytest.mark.parametrize("name", sorted(PASSES))
def test_nothing_outlives_a_pass(name):
    # A stale shard would silently change every later single-process
    # draw along as many rows as it has (8): a seeded Dropout's masks.
    expected = keras.layers.Dropout(0.5, seed=7)(torch.ones(8, 64),
                                                 training=True)
    distribution_hook.install(_RankOf2())
    try:
        model = _model(keras.layers.Dropout(0.5, seed=1))
        if name.startswith("fit_grouped"):
            model.compile("sgd", "mse", steps_per_execution=3)
        kept = None
        try:
            PASSES[name](model)
        except (RuntimeError, KeyboardInterrupt) as error:
            kept = error  # its traceback's frames kept, as in a notebook
    finally:
        distribution_hook.install(None)
    assert kept is None or kept.__traceback__ is not None
    assert random_masks.row_shard() is None
    assert random_masks.row_shard(8) is None
    assert data_sharding.global_batch_rows(8) is None
    drawn = keras.layers.Dropout(0.5, seed=7)(torch.ones(8, 64),
                                              training=True)
    assert torch.equal(drawn, expected)


@pytest.mark.parametrize("kwargs", [
    # The pass stays suspended between epochs.
    dict(steps_per_epoch=1, callbacks=[_Raise(RuntimeError)]),
    # The pass ran out before the last group (1 step) ran, and keeps its
    # shards for it until its adapter is dropped.
    dict(callbacks=[_Raise(RuntimeError, at_batch=3)]),
], ids=["steps_per_epoch", "last_group_of_steps_per_execution"])
def test_nothing_outlives_a_fit_that_raised(kwargs):
    distribution_hook.install(_RankOf2())
    try:
        model = _model()
        model.compile("sgd", "mse", steps_per_execution=3)
        raised = False
        try:
            model.fit(*_data(64), batch_size=BATCH, shuffle=False,
                      verbose=0, **kwargs)
        except RuntimeError:  # (its traceback dropped at once)
            raised = True
        assert raised
    finally:
        distribution_hook.install(None)
    # fit dropped its iterator, so the pass closed with it.
    assert model.train_iterator is None
    assert random_masks.row_shard(8) is None
    assert data_sharding.global_batch_rows(8) is None
