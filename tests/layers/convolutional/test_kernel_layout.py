"""Convolution kernels: Keras's shapes, with memory laid out so torch's
convolution takes them without a copy, and that layout kept through
training, weight I/O, copies, LoRA and DDP."""

import copy
import os
import warnings

import numpy as np
import pytest
import torch

import lamina
from lamina import layers
from lamina.layers.convolutional import conv_utils

COPIES = ("aten::copy_", "aten::contiguous", "aten::clone", "aten::_to_copy")

# name -> (layer class, arguments, spatial input size); built without a
# bias, so the only tensor a forward could copy is the kernel (or the data).
KINDS = {
    "Conv1D": (layers.Conv1D, dict(filters=4, kernel_size=3), (9,)),
    "Conv2D": (layers.Conv2D, dict(filters=4, kernel_size=3), (9, 9)),
    "Conv2D_groups": (layers.Conv2D,
                      dict(filters=4, kernel_size=3, groups=2), (9, 9)),
    "Conv3D": (layers.Conv3D, dict(filters=4, kernel_size=3), (5, 5, 5)),
    "Conv1DTranspose": (layers.Conv1DTranspose,
                        dict(filters=4, kernel_size=3), (6,)),
    "Conv2DTranspose": (layers.Conv2DTranspose,
                        dict(filters=4, kernel_size=3, strides=2), (6, 6)),
    "Conv3DTranspose": (layers.Conv3DTranspose,
                        dict(filters=4, kernel_size=3), (4, 4, 4)),
    "DepthwiseConv1D": (layers.DepthwiseConv1D,
                        dict(kernel_size=3, depth_multiplier=2), (9,)),
    "DepthwiseConv2D": (layers.DepthwiseConv2D,
                        dict(kernel_size=3, depth_multiplier=2), (9, 9)),
    "SeparableConv1D": (layers.SeparableConv1D,
                        dict(filters=4, kernel_size=3), (9,)),
    "SeparableConv2D": (layers.SeparableConv2D,
                        dict(filters=4, kernel_size=3, depth_multiplier=2),
                        (9, 9)),
}


def _inputs(spatial, data_format, channels=4):
    shape = ((2,) + spatial + (channels,) if data_format == "channels_last"
             else (2, channels) + spatial)
    return torch.randn(shape)


def _weight_copies(layer, fn):
    """The copies `fn` makes of tensors the size of one of `layer`'s
    weights (torch's own transposed convolution copies its NCHW output,
    with or without Lamina)."""
    sizes = {w.numel() for w in layer.weights}
    with torch.profiler.profile(record_shapes=True) as profile:
        fn()
    return [(e.name, e.input_shapes[0]) for e in profile.events()
            if e.name in COPIES and e.input_shapes and e.input_shapes[0]
            and int(np.prod(e.input_shapes[0])) in sizes]


def _torch_ready(kernel):
    """The kernel's torch view is in the memory format torch's convolution
    takes for channels_last 2D data (channels_last strides)."""
    view = conv_utils.kernel_to_torch(kernel, kernel.dim() - 2)
    return view.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_forward_copies_no_kernel(kind, data_format, on_layer_device):
    if on_layer_device.type != "cpu":
        # cuDNN picks its own weight formats per algorithm; counted on the
        # CPU (the layout is the same on every device).
        pytest.skip("kernel copies are counted on the CPU")
    cls, kwargs, spatial = KINDS[kind]
    layer = cls(data_format=data_format, use_bias=False, **kwargs)
    x = _inputs(spatial, data_format)
    with torch.no_grad():
        layer(x)  # builds
        assert _weight_copies(layer, lambda: layer(x)) == []
    # Keras's shapes, as before: the layout is the memory, not the shape.
    for weight in layer.weights:
        assert weight.dim() == len(spatial) + 2


def _convnet():
    return lamina.Sequential([
        lamina.Input((8, 8, 3)), layers.Conv2D(4, 3),
        layers.DepthwiseConv2D(3), layers.Flatten(), layers.Dense(2)])


def _kernels(model):
    return [model.layers[0].kernel, model.layers[1].kernel]


def test_training_keeps_the_layout_and_gradients_follow_it():
    model = _convnet()
    conv = model.layers[0].kernel
    assert _torch_ready(conv)
    strides = [k.stride() for k in _kernels(model)]
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.random((8, 8, 8, 3), "float32"),
              rng.random((8, 2), "float32"), epochs=1, verbose=0)
    assert [k.stride() for k in _kernels(model)] == strides
    assert conv.grad is None or conv.grad.stride() == conv.stride()
    # Adam's slots are laid out like the kernel they follow.
    slots = [v for v in model.optimizer.variables
             if tuple(v.shape) == tuple(conv.shape)]
    assert len(slots) == 2
    assert all(s.stride() == conv.stride() for s in slots)


def test_weight_io_and_copies_keep_the_layout(tmp_path):
    model = _convnet()
    strides = [k.stride() for k in _kernels(model)]
    values = model.get_weights()
    # Keras's arrays: C-ordered, whatever the memory layout.
    assert all(v.flags.c_contiguous for v in values)
    np.testing.assert_array_equal(
        values[0], model.layers[0].kernel.detach().cpu().numpy())

    model.layers[0].kernel.assign(values[0] + 1)
    model.set_weights(values)
    assert [k.stride() for k in _kernels(model)] == strides
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    other = _convnet()
    other.load_weights(path)
    for ours, theirs in zip(other.get_weights(), values):
        np.testing.assert_array_equal(ours, theirs)
    other.load_state_dict(dict(zip(other.state_dict(),
                                   model.state_dict().values())))
    clone = lamina.models.clone_model(model)
    for candidate in (other, clone, copy.deepcopy(model),
                      _convnet().to(torch.float64)):
        assert [k.stride() for k in _kernels(candidate)] == strides


def test_state_dict_shapes_are_keras_layouts():
    model = _convnet()
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes["conv2d.kernel"] == (3, 3, 3, 4)
    assert shapes["depthwise_conv2d.kernel"] == (3, 3, 4, 1)


def test_lora_merged_kernel_is_torch_ready(on_layer_device):
    layer = layers.Conv2D(4, 3)
    layer.build((None, 8, 8, 3))
    layer.enable_lora(2)
    with torch.no_grad():
        layer.lora_kernel_b.normal_()
    assert _torch_ready(layer.kernel)
    x = torch.randn(2, 8, 8, 3)
    expected = torch.nn.functional.conv2d(
        x.permute(0, 3, 1, 2), layer.kernel.detach().permute(3, 2, 0, 1),
        layer.bias.detach()).permute(0, 2, 3, 1)
    torch.testing.assert_close(layer(x).detach(), expected)


def test_ddp_buckets_follow_the_layout(tmp_path):
    dist = torch.distributed
    if not dist.is_available() or dist.is_initialized():
        pytest.skip("needs torch.distributed and no process group yet")
    dist.init_process_group(
        "gloo", init_method=f"file://{os.path.join(tmp_path, 'store')}",
        rank=0, world_size=1)
    try:
        model = _convnet()
        strides = [k.stride() for k in _kernels(model)]
        with warnings.catch_warnings():
            # "Grad strides do not match bucket view strides" would be one.
            warnings.simplefilter("error")
            ddp = torch.nn.parallel.DistributedDataParallel(model)
            for _ in range(2):
                ddp(torch.randn(4, 8, 8, 3)).sum().backward()
        for kernel, stride in zip(_kernels(model), strides):
            assert kernel.stride() == stride
            assert kernel.grad.stride() == stride
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not os.environ.get("LAMINA_SLOW_TESTS"),
                    reason="~10 s of tracing; run with LAMINA_SLOW_TESTS=1")
def test_torch_compile_traces_the_laid_out_kernels():
    # aot_eager: Dynamo and AOTAutograd see the strided kernels, with no
    # code generation (fast); outputs and gradients equal eager mode's.
    model = _convnet()
    x = torch.randn(2, 8, 8, 3)
    compiled = torch.compile(model, backend="aot_eager")
    expected = model(x)
    expected.sum().backward()
    grads = [k.grad.clone() for k in _kernels(model)]
    model.zero_grad()
    got = compiled(x)
    got.sum().backward()
    torch.testing.assert_close(got, expected)
    for kernel, grad in zip(_kernels(model), grads):
        torch.testing.assert_close(kernel.grad, grad)
        assert kernel.grad.stride() == kernel.stride()
