"""The MNIST convnet's training step on channels-last input against a
hand-written channels-first torch loop, plus a count of layout copies.

Run: python bench/bench_cnn.py
"""

import numpy as np
import torch

import common  # noqa: F401  (pins threads first)
from common import interleaved_medians
from common import report

import lamina  # noqa: E402

BATCH = 128
STEPS = 20


def lamina_model():
    model = lamina.Sequential([
        lamina.Input((28, 28, 1)),
        lamina.layers.Conv2D(32, 3, activation="relu"),
        lamina.layers.MaxPooling2D(),
        lamina.layers.Conv2D(64, 3, activation="relu"),
        lamina.layers.MaxPooling2D(),
        lamina.layers.Flatten(),
        lamina.layers.Dropout(0.5),
        lamina.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3)
        self.conv2 = torch.nn.Conv2d(32, 64, 3)
        self.fc = torch.nn.Linear(1600, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.dropout(torch.flatten(x, 1), 0.5, self.training)
        return self.fc(x)


def torch_loop(x_nchw, y):
    net = TorchNet()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)

    def run():
        for start in range(0, len(x_nchw), BATCH):
            logits = net(x_nchw[start:start + BATCH])
            loss = torch.nn.functional.cross_entropy(logits,
                                                     y[start:start + BATCH])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return float(loss)

    return run


def count_copies(fn):
    with torch.profiler.profile(activities=[
            torch.profiler.ProfilerActivity.CPU]) as prof:
        fn()
    names = ("aten::contiguous", "aten::clone", "aten::copy_")
    return {e.key: e.count for e in prof.key_averages() if e.key in names}


def main():
    rng = np.random.default_rng(0)
    x = rng.random((BATCH * STEPS, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, BATCH * STEPS)
    model = lamina_model()
    x_nchw = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    y_t = torch.from_numpy(y)
    tasks = {
        "torch": torch_loop(x_nchw, y_t),
        "lamina": lambda: model.fit(x, y, batch_size=BATCH, epochs=1,
                                    shuffle=False, verbose=0),
    }
    report(f"CNN 2xConv2D+pool, Adam, batch {BATCH}, {STEPS} steps, "
           "NHWC input (torch loop: NCHW)", interleaved_medians(tasks, 5))
    one_step_x, one_step_y = x[:BATCH], y[:BATCH]
    print("\nlayout copies in one Lamina train step:",
          count_copies(lambda: model.train_on_batch(one_step_x, one_step_y)))
    print("layout copies in one torch step:      ",
          count_copies(lambda: torch_loop(x_nchw[:BATCH], y_t[:BATCH])()))


if __name__ == "__main__":
    main()
