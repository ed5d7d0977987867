"""Checks and timings that need a GPU; `scripts/cuda_check.sh` runs them.

    python scripts/cuda_checks.py checks [--device cuda]
    python scripts/cuda_checks.py bench [--device cuda] [--repeats 5]

`checks`: recurrent layers fit on the device and match the CPU's outputs
for the same weights; models train, move to the CPU, train, move back and
train; out-of-range indices raise ValueError and leave the device usable.
`bench`: step time of Lamina's `fit` against a hand-written torch loop on
the same device and data (medians of interleaved runs), and Keras 3 on its
torch backend when it is installed (fed host arrays, as its adapters take).

`--device cpu` runs everything on the CPU, to check this script itself.
Each check prints one PASS/FAIL line; the exit status is the number of
failed checks (capped at 100).
"""

import argparse
import os
import statistics
import sys
import time
import traceback

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import lamina as keras  # noqa: E402

RESULTS = []


def check(name):
    def decorator(fn):
        def run(*args):
            start = time.perf_counter()
            try:
                detail = fn(*args)
            except Exception as error:  # noqa: BLE001 (reported, not hidden)
                lines = traceback.format_exc().strip().splitlines()
                first = f"{type(error).__name__}: {error}".splitlines()[0]
                print(f"FAIL  {name}: {first[:300]}")
                print("      " + "\n      ".join(lines[-8:]))
                RESULTS.append((name, False))
                return
            took = time.perf_counter() - start
            note = f": {detail}" if detail else ""
            print(f"PASS  {name} ({took:.1f}s){note}")
            RESULTS.append((name, True))
        return run
    return decorator


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


# -- recurrent layers: fit on the device, outputs equal to the CPU's ------

RNN_CASES = {
    "LSTM": lambda L: [L.LSTM(16)],
    "GRU": lambda L: [L.GRU(16)],
    "GRU(reset_after=False)": lambda L: [L.GRU(16, reset_after=False)],
    "SimpleRNN": lambda L: [L.SimpleRNN(16)],
    "Bidirectional(LSTM)": lambda L: [L.Bidirectional(L.LSTM(16))],
    "LSTM(return_sequences)": lambda L: [L.LSTM(16, return_sequences=True),
                                         L.GlobalAveragePooling1D()],
    "GRU(go_backwards)": lambda L: [L.GRU(16, go_backwards=True)],
}


def _rnn_model(make, device, masked=False):
    L = keras.layers
    with keras.device(device):
        if masked:
            layers = [keras.Input((12,), dtype="int64"),
                      L.Embedding(20, 8, mask_zero=True)]
        else:
            layers = [keras.Input((12, 8))]
        model = keras.Sequential(layers + make(L) + [L.Dense(3)])
    return model


def _rnn_data(masked, n=64):
    rng = np.random.default_rng(0)
    if masked:
        x = rng.integers(1, 20, (n, 12))
        lengths = rng.integers(3, 13, n)
        x[np.arange(12)[None, :] >= lengths[:, None]] = 0  # right-padded
    else:
        x = rng.standard_normal((n, 12, 8)).astype("float32")
    y = rng.standard_normal((n, 3)).astype("float32")
    return x, y


def rnn_checks(device):
    for name, make in RNN_CASES.items():
        for masked in (False, True):
            label = f"{name}{' + mask' if masked else ''}"
            check(f"rnn parity and fit on {device}: {label}")(
                _rnn_case)(make, masked, device)


def _rnn_case(make, masked, device):
    x, y = _rnn_data(masked)
    cpu = _rnn_model(make, "cpu", masked)
    ours = _rnn_model(make, device, masked)
    ours.set_weights(cpu.get_weights())
    assert next(ours.parameters()).device.type == device.type
    expected = cpu.predict(x, verbose=0)
    tf32 = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False
    try:
        got = ours.predict(x, verbose=0)
    finally:
        torch.backends.cudnn.allow_tf32 = tf32
    exact = float(np.abs(got - expected).max())
    default = float(np.abs(ours.predict(x, verbose=0) - expected).max())
    # float32 within 1e-5, relative to the output's size: cuDNN sums in
    # another order than the CPU, and a tanh recurrence without gates
    # (SimpleRNN) carries the rounding across the 12 steps (1.7e-5 on
    # outputs above 1). A layout mistake would be off by O(1).
    worst = float((np.abs(got - expected) / (1 + np.abs(expected))).max())
    assert worst <= 1e-5, (
        f"max |cpu - {device}| = {exact:.2e}, relative {worst:.2e} "
        "(TF32 off)")
    ours.compile("adam", "mse")
    before = ours.get_weights()
    history = ours.fit(x, y, batch_size=16, epochs=2, verbose=0)
    losses = history.history["loss"]
    assert all(np.isfinite(losses)), losses
    assert any(not np.array_equal(b, a)
               for b, a in zip(before, ours.get_weights())), \
        "weights unchanged"
    return f"max diff {exact:.1e} (TF32 off), {default:.1e} (defaults)"


# -- train, move to the CPU, train, move back -----------------------------

def _mlp(L):
    return [keras.Input((32,)), L.Dense(64, activation="relu"),
            L.Dropout(0.2, seed=1), L.Dense(10)], "rmsprop", (32,)


def _convnet(L):
    return [keras.Input((16, 16, 3)), L.Conv2D(8, 3, padding="same"),
            L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(),
            L.Conv2D(8, 3), L.BatchNormalization(), L.ReLU(),
            L.GlobalAveragePooling2D(), L.Dense(10)], "adam", (16, 16, 3)


def _bilstm(L):
    return [keras.Input((10,), dtype="int64"),
            L.Embedding(50, 8, mask_zero=True),
            L.Bidirectional(L.LSTM(8)), L.Dense(10)], "adam", None


MOVE_CASES = {"MLP": _mlp, "convnet + BatchNormalization": _convnet,
              "Bidirectional(LSTM)": _bilstm}


def move_checks(device):
    for name, make in MOVE_CASES.items():
        check(f"train on {device} -> cpu -> {device}: {name}")(
            _move_case)(make, device)


def _move_case(make, device):
    layers, optimizer, shape = make(keras.layers)
    rng = np.random.default_rng(0)
    if shape is None:
        x = rng.integers(0, 50, (96, 10))
    else:
        x = rng.standard_normal((96,) + shape).astype("float32")
    y = rng.integers(0, 10, 96)
    with keras.device(device):
        model = keras.Sequential(layers)
    model.compile(optimizer, keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    cpu = torch.device("cpu")
    steps = []
    for where in (device, cpu, device):
        model.to(where)
        history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        loss = history.history["loss"][-1]
        assert np.isfinite(loss), f"loss {loss} after moving to {where}"
        places = {p.device.type for p in model.parameters()}
        places |= {b.device.type for b in model.buffers()}
        slots = {v.device.type for v in model.optimizer.variables
                 if v.ndim > 0}
        assert places == {where.type}, f"weights on {places}, not {where}"
        assert slots <= {where.type}, f"optimizer slots on {slots}"
        evaluated = model.evaluate(x, y, verbose=0)
        assert np.all(np.isfinite(evaluated)), evaluated
        assert model.predict(x[:8], verbose=0).shape == (8, 10)
        steps.append(f"{where.type} loss {loss:.3f}")
    return ", ".join(steps)


# -- bad indices: a clear ValueError, and the device still works ----------

def index_checks(device):
    L = keras.layers
    on = lambda values: torch.tensor(values, device=device)  # noqa: E731
    probs = torch.full((2, 3), 1 / 3, device=device)
    cases = {
        "CategoryEncoding": lambda: L.CategoryEncoding(3)(on([[0, 5]])),
        "CategoryEncoding(one_hot)": lambda: L.CategoryEncoding(
            3, output_mode="one_hot")(on([0, 7])),
        "Embedding": lambda: _on(L.Embedding(5, 2), device)(on([[1, 9]])),
        "Embedding(negative)": lambda: _on(L.Embedding(5, 2), device)(
            on([[-1, 2]])),
        "SparseCategoricalCrossentropy": lambda: keras.losses.
        SparseCategoricalCrossentropy()(on([0, 3]), probs),
        "SparseCategoricalCrossentropy(from_logits)": lambda: keras.losses.
        SparseCategoricalCrossentropy(from_logits=True)(on([0, 4]), probs),
        "SparseTopKCategoricalAccuracy": lambda: keras.metrics.
        SparseTopKCategoricalAccuracy(k=2)(on([0, 3]), probs),
        "ops.one_hot": lambda: keras.ops.one_hot(on([0, 3]), 3),
        "fit with bad labels": lambda: _fit_bad_labels(device),
    }
    for name, call in cases.items():
        check(f"bad index on {device}: {name}")(_expect_value_error)(call)
    check(f"{device} usable after the bad indices")(_device_works)(device)


def _on(layer, device):
    with keras.device(device):
        layer.build((None, 2))
    return layer


def _fit_bad_labels(device):
    with keras.device(device):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    model.fit(np.zeros((8, 4), "float32"), np.full((8,), 3), verbose=0)


def _expect_value_error(call):
    try:
        call()
    except ValueError as error:
        return str(error).splitlines()[0][:160]
    raise AssertionError("no ValueError raised")


def _device_works(device):
    value = torch.ones(1000, device=device).sum()
    sync(device)
    assert float(value) == 1000.0
    with keras.device(device):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 4), "float32"), np.ones((8, 2), "float32"),
              verbose=0)
    return "kernels run, a model trains"


# -- step time against a hand-written loop --------------------------------

def _timed(fn, device):
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def interleaved(tasks, device, repeats):
    for fn in tasks.values():
        fn()  # warm-up (allocator, cuDNN/cuBLAS plans, first-call paths)
    times = {name: [] for name in tasks}
    for _ in range(repeats):
        for name, fn in tasks.items():
            times[name].append(_timed(fn, device))
    return {name: statistics.median(t) for name, t in times.items()}


def _torch_loop(model, optimizer, x, y, batch_size):
    def epoch():
        order = torch.randperm(len(x), device=x.device)
        total = torch.zeros((), device=x.device)
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        return float(total)
    return epoch


def _keras_reference():
    """Keras 3 on its torch backend, when installed (same GPU)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras as reference
    except Exception:  # noqa: BLE001 (an optional column)
        return None
    return reference if reference.backend.backend() == "torch" else None


def _keras_fit(reference, layers, shape, optimizer, x, y, batch_size):
    model = reference.Sequential([reference.Input(shape)] + layers)
    model.compile(optimizer, reference.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    # Keras's adapters take host arrays; it copies each batch over.
    x, y = x.cpu().numpy(), y.cpu().numpy()
    return lambda: model.fit(x, y, batch_size=batch_size, verbose=0)


def bench(device, repeats, steps=100):
    rows = []
    rng = np.random.default_rng(0)
    # Dense(10) on 64 features, batch 32: per-step overhead.
    n = 32 * steps
    x = torch.from_numpy(rng.random((n, 64), dtype=np.float32)).to(device)
    y = torch.from_numpy(rng.integers(0, 10, n)).to(device)
    with keras.device(device):
        dense = keras.Sequential([keras.Input((64,)), keras.layers.Dense(10)])
    dense.compile("sgd", keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    linear = torch.nn.Linear(64, 10).to(device)
    tasks = {
        "torch": _torch_loop(linear, torch.optim.SGD(linear.parameters(),
                                                     lr=0.01), x, y, 32),
        "lamina": lambda: dense.fit(x, y, batch_size=32, verbose=0),
    }
    reference = _keras_reference()
    if reference is not None:
        tasks["keras-torch"] = _keras_fit(
            reference, [reference.layers.Dense(10)], (64,), "sgd", x, y, 32)
    rows.append((f"Dense(10) b32, {steps} steps",
                 interleaved(tasks, device, repeats), steps))
    # MLP 784-512-512-10, RMSprop, batch 128.
    n = 128 * steps
    x = torch.from_numpy(rng.random((n, 784), dtype=np.float32)).to(device)
    y = torch.from_numpy(rng.integers(0, 10, n)).to(device)
    L = keras.layers
    with keras.device(device):
        mlp = keras.Sequential([
            keras.Input((784,)), L.Dense(512, activation="relu"),
            L.Dense(512, activation="relu"), L.Dense(10)])
    mlp.compile(keras.optimizers.RMSprop(),
                keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512),
        torch.nn.ReLU(), torch.nn.Linear(512, 10)).to(device)
    rmsprop = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9,
                                  eps=1e-7)
    tasks = {
        "torch": _torch_loop(net, rmsprop, x, y, 128),
        "lamina": lambda: mlp.fit(x, y, batch_size=128, verbose=0),
    }
    if reference is not None:
        layers = reference.layers
        tasks["keras-torch"] = _keras_fit(
            reference, [layers.Dense(512, activation="relu"),
                        layers.Dense(512, activation="relu"),
                        layers.Dense(10)], (784,), "rmsprop", x, y, 128)
    rows.append((f"MLP 784-512-512-10 b128, {steps} steps",
                 interleaved(tasks, device, repeats), steps))
    print(f"step time on {device} (median of {repeats} interleaved epochs):")
    for title, medians, steps in rows:
        base = medians["torch"]
        cells = ", ".join(
            f"{name} {t / steps * 1e6:.0f} us/step ({t / base:.2f}x)"
            for name, t in medians.items())
        print(f"  {title}: {cells}")
        RESULTS.append((f"bench {title}", True))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["checks", "bench"])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("FAIL  CUDA is not available to torch")
        return 1
    print(f"torch {torch.__version__}, device {device}"
          + (f" ({torch.cuda.get_device_name()})" if device.type == "cuda"
             else ""))
    if args.what == "checks":
        rnn_checks(device)
        move_checks(device)
        index_checks(device)
    else:
        bench(device, args.repeats, args.steps)
    failed = [name for name, ok in RESULTS if not ok]
    print(f"{args.what}: {len(RESULTS) - len(failed)} passed, "
          f"{len(failed)} failed")
    return min(len(failed), 100)


if __name__ == "__main__":
    sys.exit(main())
