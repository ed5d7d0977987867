"""ResNet50 inference forward pass (batch 8, 224x224): Lamina on NHWC input
against torch, and Keras 3 on torch with --keras.

Torch baselines, all in eval mode under `torch.no_grad()`:
  torch      torchvision's resnet50 (or, where torchvision does not import,
             the same network written here: ResNet "v1.5", stride on the
             3x3 convolution, no convolution biases), NCHW input. This is
             the comparison issue 16 names; it does ~5% more FLOPs than
             Keras's ResNet50 (4.1 against 3.9 GMACs).
  torch_k    Keras's ResNet50 architecture written in torch (stride on the
             first 1x1 convolution, biases on every convolution, softmax
             top): the same FLOPs as Lamina's model. Lamina's weights are
             copied in and the outputs compared before timing.
  torch_k_cl the same model and input in `torch.channels_last`, as a torch
             user would run NHWC data.

Wall-clock medians of interleaved runs, and medians of the process's CPU
time (`time.process_time`, robust to other jobs on a shared machine); one
thread (`bench/common.py`). Then the copies (`aten::copy_`, `contiguous`,
`clone`) one forward makes, counted with the torch profiler.

Run: python bench/bench_resnet50.py [--keras] [--batch N] [--size S]
     [--repeats R]
"""

import argparse
import statistics
import time

import numpy as np
import torch

import common  # noqa: F401  (pins threads first)
from bench_cnn import count_copies

import lamina  # noqa: E402

nn = torch.nn


class Bottleneck(nn.Module):
    """A residual bottleneck block. `keras_style`: stride on the first 1x1
    convolution and biases on the convolutions (Keras's ResNet50);
    otherwise torchvision's (stride on the 3x3, no biases)."""

    def __init__(self, inplanes, planes, stride=1, keras_style=False):
        super().__init__()
        s1, s2 = (stride, 1) if keras_style else (1, stride)
        bias = keras_style
        self.conv1 = nn.Conv2d(inplanes, planes, 1, s1, bias=bias)
        self.bn1 = nn.BatchNorm2d(planes, eps=1.001e-5)
        self.conv2 = nn.Conv2d(planes, planes, 3, s2, 1, bias=bias)
        self.bn2 = nn.BatchNorm2d(planes, eps=1.001e-5)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=bias)
        self.bn3 = nn.BatchNorm2d(planes * 4, eps=1.001e-5)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes * 4, 1, stride, bias=bias),
                nn.BatchNorm2d(planes * 4, eps=1.001e-5))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return torch.relu(out + identity)


class TorchResNet50(nn.Module):
    """ResNet50 in plain torch, torchvision's layout or Keras's."""

    def __init__(self, classes=1000, keras_style=False):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=keras_style),
            nn.BatchNorm2d(64, eps=1.001e-5), nn.ReLU(),
            # After the ReLU, torch's -inf padding equals Keras's zero one.
            nn.MaxPool2d(3, 2, 1))
        blocks, inplanes = [], 64
        for planes, count, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2),
                                      (512, 3, 2)):
            for i in range(count):
                blocks.append(Bottleneck(inplanes, planes,
                                         stride if i == 0 else 1,
                                         keras_style))
                inplanes = planes * 4
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(2048, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return torch.softmax(self.fc(x.mean((2, 3))), -1)


def torchvision_resnet50():
    try:
        import torchvision

        return "torchvision", torchvision.models.resnet50()
    except Exception:   # not installed, or built for another torch
        return "hand-written torchvision layout", TorchResNet50()


def copy_lamina_weights(model, net):
    """Loads Lamina's ResNet50 weights into the Keras-style torch model,
    matching Keras's layer names (`conv3_block1_0_conv` is a shortcut)."""
    pairs = [("conv1", net.stem[0], net.stem[1])]
    counts = (3, 4, 6, 3)
    blocks = iter(net.blocks)
    for stage, count in enumerate(counts, start=2):
        for b in range(1, count + 1):
            block, name = next(blocks), f"conv{stage}_block{b}"
            if block.downsample is not None:
                pairs.append((f"{name}_0", *block.downsample))
            pairs += [(f"{name}_1", block.conv1, block.bn1),
                      (f"{name}_2", block.conv2, block.bn2),
                      (f"{name}_3", block.conv3, block.bn3)]
    with torch.no_grad():
        for name, conv, bn in pairs:
            lconv = model.get_layer(f"{name}_conv")
            lbn = model.get_layer(f"{name}_bn")
            conv.weight.copy_(lconv.kernel.permute(3, 2, 0, 1))
            conv.bias.copy_(lconv.bias)
            bn.weight.copy_(lbn.gamma)
            bn.bias.copy_(lbn.beta)
            bn.running_mean.copy_(lbn.moving_mean)
            bn.running_var.copy_(lbn.moving_variance)
        dense = model.get_layer("predictions")
        net.fc.weight.copy_(dense.kernel.T)
        net.fc.bias.copy_(dense.bias)
    assert len(pairs) == 53


def check_same_network(model, net, size):
    """Fails unless the torch model computes Lamina's function."""
    with torch.no_grad():
        for layer in model.layers:   # non-trivial statistics
            if isinstance(layer, lamina.layers.BatchNormalization):
                layer.moving_mean.uniform_(-0.1, 0.1)
                layer.moving_variance.uniform_(0.5, 1.5)
    copy_lamina_weights(model, net)
    x = torch.rand(2, size, size, 3) * 2 - 1
    with torch.no_grad():
        ours = model(x, training=False)
        theirs = net(x.permute(0, 3, 1, 2).contiguous())
    error = float((ours - theirs).abs().max())
    assert error < 1e-5, f"torch_k differs from Lamina's ResNet50: {error}"
    return error


def interleaved(tasks, repeats):
    """name -> (median wall seconds, median process CPU seconds)."""
    wall = {name: [] for name in tasks}
    cpu = {name: [] for name in tasks}
    for _ in range(repeats):
        for name, fn in tasks.items():
            w, c = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - w)
    return {name: (statistics.median(wall[name]),
                   statistics.median(cpu[name])) for name in tasks}


def forward(model, x, **kwargs):
    def run():
        with torch.no_grad():
            model(x, **kwargs)
    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keras", action="store_true")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x_nhwc = torch.from_numpy(rng.uniform(
        -1, 1, (args.batch, args.size, args.size, 3)).astype("float32"))
    x_nchw = x_nhwc.permute(0, 3, 1, 2).contiguous()
    x_cl = x_nchw.contiguous(memory_format=torch.channels_last)

    baseline, net = torchvision_resnet50()
    net.eval()
    shape = (args.size, args.size, 3)
    ours = lamina.applications.ResNet50(weights=None, input_shape=shape)
    net_k = TorchResNet50(keras_style=True).eval()
    error = check_same_network(ours, net_k, args.size)
    net_k_cl = TorchResNet50(keras_style=True).eval().to(
        memory_format=torch.channels_last)
    net_k_cl.load_state_dict(net_k.state_dict())

    tasks = {
        "torch": forward(net, x_nchw),
        "torch_k": forward(net_k, x_nchw),
        "torch_k_cl": forward(net_k_cl, x_cl),
        "lamina": forward(ours, x_nhwc, training=False),
    }
    if args.keras:
        import os

        os.environ.setdefault("KERAS_BACKEND", "torch")
        import keras

        theirs = keras.applications.ResNet50(weights=None,
                                             input_shape=shape)
        tasks["keras"] = forward(theirs, x_nhwc, training=False)

    for fn in tasks.values():   # warm-up
        fn()
    results = interleaved(tasks, args.repeats)
    print(f"\nResNet50 forward, batch {args.batch}, {args.size}x{args.size}, "
          f"median of {args.repeats} (torch: {baseline}, NCHW; torch_k: "
          f"Keras's architecture, NCHW, max |diff| to Lamina {error:.1e}; "
          "Lamina and Keras: NHWC)")
    print(f"  {'':<11}{'wall ms':>9} {'vs torch':>9} {'vs torch_k':>11}"
          f"{'cpu ms':>10} {'vs torch':>9} {'vs torch_k':>11}")
    base_w, base_c = results["torch"]
    k_w, k_c = results["torch_k"]
    for name, (w, c) in results.items():
        print(f"  {name:<11}{w * 1e3:9.1f} {w / base_w:8.2f}x {w / k_w:10.2f}x"
              f"{c * 1e3:10.1f} {c / base_c:8.2f}x {c / k_c:10.2f}x")
    print("\ncopies in one forward (torch profiler):")
    for name in ("torch_k", "torch_k_cl", "lamina"):
        print(f"  {name:<11}{count_copies(tasks[name])}")


if __name__ == "__main__":
    main()
