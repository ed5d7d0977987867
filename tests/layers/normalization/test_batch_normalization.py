import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import lamina
from harness import random_input
from harness import run_layer_test
from lamina.layers.core.dense import Dense
from lamina.layers.normalization import BatchNormalization


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else \
        np.asarray(x)


def _shifted_batches(shape, count=3, seed=0):
    """Batches with non-trivial means and scales, different each step."""
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(shape) * (1.5 + i) + (i - 1.3)).astype(
        "float32") for i in range(count)]


def _paired(keras, kwargs, shape, seed=0):
    """A Keras and a Lamina layer with identical, non-trivial weights."""
    theirs = keras.layers.BatchNormalization(**kwargs)
    theirs.build(shape)
    ours = BatchNormalization(**kwargs)
    ours.build(shape)
    rng = np.random.default_rng(seed)
    weights = []
    for w in theirs.weights:
        value = rng.uniform(0.5, 1.5, tuple(w.shape)).astype("float32")
        weights.append(value)
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return theirs, ours


CASES = [
    ({}, (2, 3, 4)),
    ({}, (4, 5)),
    ({}, (2, 3, 4, 5)),
    ({}, (2, 2, 3, 3, 4)),
    ({"axis": 1}, (2, 3, 4, 5)),
    ({"axis": 1}, (3, 4, 5)),
    ({"axis": 2}, (2, 3, 4, 5)),
    ({"center": False}, (2, 3, 4)),
    ({"scale": False}, (2, 3, 4)),
    ({"center": False, "scale": False, "axis": 1}, (2, 3, 4, 5)),
    ({"momentum": 0.5, "epsilon": 0.1}, (4, 6)),
    ({"gamma_initializer": "random_uniform", "beta_initializer": "ones",
      "moving_mean_initializer": "ones",
      "moving_variance_initializer": "zeros"}, (2, 3, 4)),
]


@pytest.mark.parametrize("kwargs,shape", CASES)
@pytest.mark.parametrize("training", [False, True])
def test_harness_and_keras_parity(keras_ref, kwargs, shape, training):
    trainable = int(kwargs.get("center", True)) + int(
        kwargs.get("scale", True))
    run_layer_test(
        BatchNormalization, kwargs, input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=2, supports_masking=True,
        keras_reference=keras_ref, parity_training=training,
    )


@pytest.mark.parametrize("kwargs,shape", [
    ({}, (6, 5, 4, 3)),         # NHWC: the channels_last view path
    ({"axis": 1}, (6, 3, 4, 5)),  # NCHW: the direct path
    ({}, (8, 3)),
    ({"momentum": 0.8}, (4, 7, 3)),   # flattened (N*L, C) path
    ({"axis": -2}, (3, 4, 5, 2)),     # permuted path
    ({}, (1, 3)),                   # one row: moments path, variance 0
])
def test_moving_statistics_after_three_training_steps(keras_ref, kwargs,
                                                      shape):
    theirs, ours = _paired(keras_ref, kwargs, shape)
    for x in _shifted_batches(shape):
        expected = keras_ref.ops.convert_to_numpy(theirs(x, training=True))
        np.testing.assert_allclose(_np(ours(x, training=True)), expected,
                                   atol=1e-5, rtol=1e-5)
    for theirs_w, ours_w in zip(theirs.weights, ours.weights):
        np.testing.assert_allclose(
            _np(ours_w), keras_ref.ops.convert_to_numpy(theirs_w),
            atol=1e-5, rtol=1e-5, err_msg=ours_w.path)
    x = _shifted_batches(shape, seed=1)[0]
    np.testing.assert_allclose(
        _np(ours(x)), keras_ref.ops.convert_to_numpy(theirs(x)),
        atol=1e-5, rtol=1e-5)


def test_moving_variance_is_biased_batch_variance():
    x = torch.randn(5, 3) * 2 + 1
    layer = BatchNormalization(momentum=0.0)
    layer(x, training=True)
    torch.testing.assert_close(layer.moving_mean.detach(), x.mean(0))
    torch.testing.assert_close(layer.moving_variance.detach(),
                               x.var(0, correction=0))


@pytest.mark.parametrize("kwargs,shape", [
    ({}, (2, 3, 4, 5)), ({"axis": 1}, (2, 3, 4, 5)), ({}, (4, 6)),
    ({"renorm": True}, (4, 3, 2)),
])
def test_training_gradients_match_keras(keras_ref, kwargs, shape):
    theirs, ours = _paired(keras_ref, kwargs, shape)
    x = random_input(shape, seed=3) * 2 + 1
    weights = torch.linspace(-1, 2, int(np.prod(shape))).reshape(shape)
    grads = []
    for layer in (theirs, ours):
        xt = torch.tensor(x, requires_grad=True)
        (layer(xt, training=True) * weights).square().sum().backward()
        params = [getattr(layer, "gamma"), getattr(layer, "beta")]
        params = [getattr(p, "value", p) for p in params]
        grads.append([xt.grad] + [p.grad for p in params])
    for theirs_g, ours_g in zip(*grads):
        np.testing.assert_allclose(_np(ours_g), _np(theirs_g), atol=1e-4,
                                   rtol=1e-4)


@pytest.mark.parametrize("clipping", [None, {"rmax": 1.2, "rmin": 0.9,
                                             "dmax": 0.1}])
def test_renorm_matches_keras(keras_ref, clipping):
    kwargs = {"renorm": True, "renorm_clipping": clipping,
              "renorm_momentum": 0.7, "momentum": 0.8}
    shape = (6, 4, 3)
    theirs, ours = _paired(keras_ref, kwargs, shape)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    for x in _shifted_batches(shape):
        np.testing.assert_allclose(
            _np(ours(x, training=True)),
            keras_ref.ops.convert_to_numpy(theirs(x, training=True)),
            atol=1e-5, rtol=1e-5)
    for theirs_w, ours_w in zip(theirs.weights, ours.weights):
        np.testing.assert_allclose(
            _np(ours_w), keras_ref.ops.convert_to_numpy(theirs_w),
            atol=1e-5, rtol=1e-5, err_msg=ours_w.path)
    assert len(ours.non_trainable_weights) == 5


def test_mask_excludes_positions_from_statistics(keras_ref):
    shape = (3, 5, 4)
    theirs, ours = _paired(keras_ref, {"momentum": 0.6}, shape)
    mask = np.ones((3, 5), dtype=bool)
    mask[0, 3:] = False
    mask[2, 1:] = False
    for x in _shifted_batches(shape):
        np.testing.assert_allclose(
            _np(ours(x, training=True, mask=mask)),
            keras_ref.ops.convert_to_numpy(
                theirs(x, training=True, mask=mask)),
            atol=1e-5, rtol=1e-5)
    for theirs_w, ours_w in zip(theirs.weights, ours.weights):
        np.testing.assert_allclose(
            _np(ours_w), keras_ref.ops.convert_to_numpy(theirs_w),
            atol=1e-5, rtol=1e-5)
    # Changing masked-out values does not change the statistics.
    x = _shifted_batches(shape)[0]
    before = [w.detach().clone() for w in ours.weights]
    ours(x, training=True, mask=mask)
    after_a = ours.moving_mean.detach().clone()
    ours.set_weights([_np(w) for w in before])
    x[0, 4] += 100.0
    ours(x, training=True, mask=mask)
    torch.testing.assert_close(ours.moving_mean.detach(), after_a)


def test_keras_mask_from_previous_layer_is_used():
    x = torch.randn(2, 4, 3)
    mask = torch.tensor([[True, True, False, False], [True] * 4])
    x._keras_mask = mask
    layer = BatchNormalization(momentum=0.0)
    out = layer(x, training=True)
    kept = x[mask]
    torch.testing.assert_close(layer.moving_mean.detach(), kept.mean(0),
                               atol=1e-5, rtol=1e-5)
    assert torch.equal(out._keras_mask, mask)


def test_frozen_layer_uses_moving_statistics():
    x = torch.randn(8, 3) * 4 + 2
    layer = BatchNormalization(trainable=False)
    out = layer(x, training=True)
    torch.testing.assert_close(out, layer(x, training=False))
    torch.testing.assert_close(layer.moving_mean.detach(), torch.zeros(3))
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 4


@pytest.mark.parametrize("renorm", [False, True])
def test_empty_training_batch_keeps_moving_statistics(renorm):
    # A DataParallel process's empty shard of a short global batch: as in
    # torch's batch norm, no NaN moments reach the moving statistics.
    layer = BatchNormalization(renorm=renorm)
    layer(torch.randn(8, 3) * 4 + 2, training=True)
    before = [w.detach().clone() for w in layer.non_trainable_weights]
    out = layer(torch.randn(0, 3), training=True)
    assert out.shape == (0, 3)
    for got, want in zip(layer.non_trainable_weights, before):
        torch.testing.assert_close(got.detach(), want)


@pytest.mark.parametrize("functional", [True, False])
def test_frozen_model_runs_batch_norm_in_inference_mode(functional):
    x = random_input((8, 4), seed=1) * 3 + 2
    if functional:
        inputs = lamina.Input(shape=(4,))
        bn = BatchNormalization()
        model = lamina.Model(inputs, bn(Dense(4)(inputs)))
    else:
        bn = BatchNormalization()
        model = lamina.Sequential([lamina.Input(shape=(4,)), Dense(4), bn])
    model.trainable = False
    np.testing.assert_allclose(_np(model(x, training=True)),
                               _np(model(x, training=False)), atol=1e-6)
    np.testing.assert_array_equal(_np(bn.moving_mean), np.zeros(4))
    model.trainable = True
    assert not np.allclose(_np(model(x, training=True)), _np(model(x)))
    assert np.abs(_np(bn.moving_mean)).sum() > 0


def test_weights_order_names_and_paths():
    layer = BatchNormalization()
    layer(torch.zeros(2, 3))
    assert [w.path for w in layer.weights] == [
        "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization/moving_mean",
        "batch_normalization/moving_variance",
    ]
    assert [w.trainable for w in layer.weights] == [True, True, False, False]
    assert list(layer.state_dict()) == [
        "gamma", "beta", "moving_mean", "moving_variance"]


@pytest.mark.parametrize("kwargs", [
    {}, {"axis": 1, "momentum": 0.9, "epsilon": 0.01, "center": False},
    {"gamma_regularizer": "l2", "beta_constraint": "non_neg",
     "gamma_initializer": "random_normal"},
    {"renorm": True, "renorm_clipping": {"rmax": 2.0}},
])
def test_config_matches_keras(keras_ref, kwargs):
    ours = BatchNormalization(name="bn", **kwargs).get_config()
    theirs = keras_ref.layers.BatchNormalization(name="bn", **kwargs)
    assert ours == theirs.get_config()


def test_regularizers_add_losses():
    layer = BatchNormalization(gamma_regularizer="l2", beta_regularizer="l1")
    layer(torch.randn(4, 3))
    assert len(layer.losses) == 2


def test_list_axis_normalizes_each_feature_pair():
    x = torch.randn(6, 3, 5, 2) * 3 + 1
    layer = BatchNormalization(axis=[1, 3], momentum=0.0)
    out = layer(x, training=True)
    assert tuple(layer.gamma.shape) == (3, 2)
    var, mean = torch.var_mean(x, dim=(0, 2), correction=0, keepdim=True)
    torch.testing.assert_close(out, (x - mean) / torch.sqrt(var + 1e-3),
                               atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(layer.moving_variance.detach(),
                               var.reshape(3, 2))
    assert layer.get_config()["axis"] == [1, 3]


def test_channels_last_output_is_contiguous_nhwc():
    x = torch.randn(2, 5, 5, 3)
    layer = BatchNormalization()
    for training in (False, True):
        out = layer(x, training=training)
        assert out.shape == x.shape and out.is_contiguous()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_inputs_use_float32_statistics(dtype):
    # Sums of squares of these values overflow float16 (max 65504).
    x = (torch.randn(16, 4) * 50 + 300).to(getattr(torch, dtype))
    layer = BatchNormalization(dtype=f"mixed_{dtype}")
    reference = BatchNormalization()
    out = layer(x, training=True)
    assert out.dtype == getattr(torch, dtype)
    torch.testing.assert_close(out.float(),
                               reference(x.float(), training=True),
                               atol=2e-2, rtol=2e-2)
    torch.testing.assert_close(layer.moving_variance,
                               reference.moving_variance)
    assert layer.moving_variance.dtype == torch.float32


def test_symbolic_functional_model():
    inputs = lamina.Input(shape=(8, 8, 3))
    outputs = BatchNormalization()(inputs)
    assert tuple(outputs.shape) == (None, 8, 8, 3)
    model = lamina.Model(inputs, outputs)
    assert model(np.ones((2, 8, 8, 3), "float32")).shape == (2, 8, 8, 3)


def test_synchronized_single_process_group_matches_local(tmp_path):
    dist = torch.distributed
    if not dist.is_available():
        pytest.skip("torch.distributed unavailable")
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0,
        world_size=1)
    try:
        x = torch.randn(6, 4, 3, requires_grad=True)
        synced = BatchNormalization(synchronized=True, momentum=0.5)
        local = BatchNormalization(momentum=0.5)
        out_synced = synced(x, training=True)
        out_local = local(x, training=True)
        torch.testing.assert_close(out_synced, out_local, atol=1e-5,
                                   rtol=1e-5)
        torch.testing.assert_close(synced.moving_variance,
                                   local.moving_variance)
        grad_synced, = torch.autograd.grad(out_synced.square().sum(), x)
        grad_local, = torch.autograd.grad(out_local.square().sum(), x)
        torch.testing.assert_close(grad_synced, grad_local, atol=1e-4,
                                   rtol=1e-4)
        mask = torch.rand(6, 4) > 0.3
        torch.testing.assert_close(
            synced(x, training=True, mask=mask),
            local(x, training=True, mask=mask), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(synced.moving_mean, local.moving_mean)
    finally:
        dist.destroy_process_group()


_TWO_PROCESS_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import torch
    import torch.distributed as dist
    import torch.multiprocessing as mp
    from lamina.layers.normalization import BatchNormalization

    def worker(rank, store, x, out):
        dist.init_process_group("gloo", init_method="file://" + store,
                                rank=rank, world_size=2)
        layer = BatchNormalization(synchronized=True, momentum=0.5)
        part = x[rank * 4:(rank + 1) * 4].clone().requires_grad_(True)
        y = layer(part, training=True)
        (y * torch.arange(3.0)).square().sum().backward()
        np.save(f"{out}/y{rank}.npy", y.detach().numpy())
        np.save(f"{out}/g{rank}.npy", part.grad.numpy())
        np.save(f"{out}/v{rank}.npy", layer.moving_variance.detach().numpy())
        dist.destroy_process_group()

    if __name__ == "__main__":
        out = sys.argv[1]
        x = torch.tensor(np.load(out + "/x.npy"))
        mp.start_processes(worker, args=(out + "/store", x, out), nprocs=2,
                           start_method="fork")
""")


def test_synchronized_statistics_span_two_processes(tmp_path):
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed unavailable")
    x = random_input((8, 3), seed=5) * 2 + np.array([0.0, 5.0, -3.0],
                                                     "float32")
    x[4:] += 3.0  # the two halves have different statistics
    np.save(tmp_path / "x.npy", x)
    script = tmp_path / "sync_bn.py"
    script.write_text(_TWO_PROCESS_SCRIPT)
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))))
    # Two gloo processes on the CPU, whatever GPUs the machine has.
    env = {**os.environ, "PYTHONPATH": root, "OMP_NUM_THREADS": "1",
           "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, str(script), str(tmp_path)],
                            env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    # One process on the whole batch is the reference.
    reference = BatchNormalization(momentum=0.5)
    xt = torch.tensor(x, requires_grad=True)
    y = reference(xt, training=True)
    (y * torch.arange(3.0)).square().sum().backward()
    outputs = np.concatenate([np.load(tmp_path / f"y{r}.npy")
                              for r in (0, 1)])
    grads = np.concatenate([np.load(tmp_path / f"g{r}.npy") for r in (0, 1)])
    np.testing.assert_allclose(outputs, _np(y), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(grads, _np(xt.grad), atol=1e-4, rtol=1e-4)
    for rank in (0, 1):
        np.testing.assert_allclose(np.load(tmp_path / f"v{rank}.npy"),
                                   _np(reference.moving_variance),
                                   atol=1e-5, rtol=1e-5)
