"""ResNet50 inference forward pass (batch 8, 224x224): Lamina on NHWC
input against torchvision's resnet50 (or, without torchvision, the same
network written by hand in torch) on NCHW input, and Keras 3 on torch.

Run: python bench/bench_resnet50.py [--keras] [--batch N] [--size S]
     [--repeats R]
"""

import argparse

import numpy as np
import torch

import common  # noqa: F401  (pins threads first)
from common import interleaved_medians
from common import report

import lamina  # noqa: E402


class Bottleneck(torch.nn.Module):
    """torchvision's Bottleneck (stride on the 3x3 convolution)."""

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return torch.relu(out + identity)


class TorchResNet50(torch.nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        nn = torch.nn
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
            nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        blocks, inplanes = [], 64
        for planes, count, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2),
                                      (512, 3, 2)):
            for i in range(count):
                blocks.append(Bottleneck(inplanes, planes,
                                         stride if i == 0 else 1))
                inplanes = planes * 4
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(2048, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return torch.softmax(self.fc(x.mean((2, 3))), -1)


def torch_resnet50():
    try:
        import torchvision

        return "torchvision", torchvision.models.resnet50()
    except ImportError:
        return "torch", TorchResNet50()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keras", action="store_true")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x_nhwc = rng.uniform(-1, 1, (args.batch, args.size, args.size, 3)) \
        .astype("float32")
    x_nchw = torch.from_numpy(x_nhwc).permute(0, 3, 1, 2).contiguous()
    x_nhwc_t = torch.from_numpy(x_nhwc)

    baseline, net = torch_resnet50()
    net.eval()
    ours = lamina.applications.ResNet50(
        weights=None, input_shape=(args.size, args.size, 3),
        include_top=args.size == 224)

    def run_torch():
        with torch.no_grad():
            net(x_nchw)

    def run_lamina():
        with torch.no_grad():
            ours(x_nhwc_t, training=False)

    tasks = {"torch": run_torch, "lamina": run_lamina}
    if args.keras:
        import os

        os.environ.setdefault("KERAS_BACKEND", "torch")
        import keras

        theirs = keras.applications.ResNet50(
            weights=None, input_shape=(args.size, args.size, 3),
            include_top=args.size == 224)

        def run_keras():
            with torch.no_grad():
                theirs(x_nhwc_t, training=False)
        tasks["keras"] = run_keras

    for fn in tasks.values():   # warm-up
        fn()
    medians = interleaved_medians(tasks, repeats=args.repeats)
    report(f"ResNet50 forward, batch {args.batch}, {args.size}x{args.size} "
           f"(torch baseline: {baseline}, NCHW; Lamina and Keras: NHWC)",
           medians)


if __name__ == "__main__":
    main()
