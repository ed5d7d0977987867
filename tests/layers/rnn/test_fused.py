"""Which path runs (torch's fused kernels or the step loop), and that both
give the same outputs and gradients on Keras-layout weights."""

import numpy as np
import pytest
import torch

from lamina.layers.rnn import GRU
from lamina.layers.rnn import LSTM
from lamina.layers.rnn import SimpleRNN
from lamina.layers.rnn import fused

# The CPU's fused kernels: which path runs, their weight views and layouts
# (scripts/cuda_checks.py checks the CUDA kernels against these outputs).
pytestmark = pytest.mark.usefixtures("on_cpu")


@pytest.fixture
def fused_calls(monkeypatch):
    calls = []
    original = fused.run

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(fused, "run", spy)
    return calls


CASES = [
    (lambda: LSTM(3), {}, [True]),
    (lambda: GRU(3), {}, [True]),
    (lambda: SimpleRNN(3), {}, [True]),
    (lambda: SimpleRNN(3, activation="relu"), {}, [True]),
    (lambda: LSTM(3, go_backwards=True), "padded", [True]),
    (lambda: GRU(3), "holey", [False]),
    (lambda: LSTM(3, unroll=True), {}, []),
    (lambda: LSTM(3, use_cudnn=False), {}, []),
    (lambda: LSTM(3, recurrent_activation="hard_sigmoid"), {}, []),
    (lambda: GRU(3, reset_after=False), {}, []),
    (lambda: SimpleRNN(3, activation="linear"), {}, []),
    (lambda: LSTM(3, recurrent_dropout=0.5), {}, [True]),
    (lambda: LSTM(3, recurrent_dropout=0.5), {"training": True}, []),
    (lambda: GRU(3, dropout=0.5), {"training": True}, [True]),
]


@pytest.mark.parametrize("make,call,expected", CASES)
def test_path_selection(make, call, expected, fused_calls, sequences,
                        padded_mask, holey_mask):
    if call == "padded":
        call = {"mask": padded_mask}
    elif call == "holey":
        call = {"mask": holey_mask}
    make()(sequences, **call)
    assert fused_calls == expected


@pytest.mark.parametrize("make", [
    lambda **kw: LSTM(4, return_sequences=True, **kw),
    lambda **kw: LSTM(4, go_backwards=True, return_state=True, **kw),
    lambda **kw: GRU(4, return_sequences=True, **kw),
    lambda **kw: GRU(4, go_backwards=True, return_sequences=True, **kw),
    lambda **kw: SimpleRNN(4, return_state=True, **kw),
])
@pytest.mark.parametrize("with_mask", [False, True])
def test_fused_and_loop_agree_on_outputs_and_gradients(
        make, with_mask, sequences, padded_mask):
    fast, slow = make(), make(use_cudnn=False)
    fast(sequences)
    slow(sequences)
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-0.6, 0.6, w.shape).astype("float32")
               for w in fast.get_weights()]
    fast.set_weights(weights)
    slow.set_weights(weights)
    h0 = torch.full((3, 4), 0.3)
    states = [h0, h0] if isinstance(fast, LSTM) else [h0]
    call = {"initial_state": states}
    if with_mask:
        call["mask"] = padded_mask
    results = []
    for layer in (fast, slow):
        outputs = layer(sequences, **call)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        loss = sum((o * torch.linspace(-1, 1, o.shape[-1])).sum()
                   for o in outputs)
        grads = torch.autograd.grad(loss, layer.trainable_weights)
        results.append(([o.detach() for o in outputs], grads))
    for a, b in zip(results[0][0] + list(results[0][1]),
                    results[1][0] + list(results[1][1])):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_use_cudnn_true_requires_the_fused_path(sequences, holey_mask):
    LSTM(3, use_cudnn=True)(sequences)
    with pytest.raises(ValueError, match="use_cudnn=True"):
        LSTM(3, use_cudnn=True)(sequences, mask=holey_mask)
    with pytest.raises(ValueError, match="use_cudnn=True"):
        GRU(3, reset_after=False, use_cudnn=True)(sequences)


def test_weights_are_remapped_each_call(sequences):
    layer = LSTM(3)
    before = layer(sequences)
    with torch.no_grad():
        layer.cell.recurrent_kernel.mul_(2)
    assert not torch.allclose(before, layer(sequences))


def _strict_kernels(monkeypatch):
    """Wraps torch's kernels with the layout checks cuDNN makes (it copies
    the weights into its flat buffer with `view`), for any device but the
    CPU, so the CUDA requirements are checked where no GPU is."""
    seen = []

    def strict(kernel):
        def run(inputs, *args):
            hx, params = (args[1], args[2]) if isinstance(args[0],
                                                          torch.Tensor) \
                and args[0].dim() == 1 else (args[0], args[1])
            states = hx if isinstance(hx, tuple) else (hx,)
            seen.append([inputs, *states, *params])
            if inputs.device.type != "cpu":
                for tensor in [inputs, *states, *params]:
                    if not tensor.is_contiguous():
                        raise RuntimeError(
                            "view size is not compatible with input "
                            "tensor's size and stride")
            return kernel(inputs, *args)
        return run

    for kind, kernel in list(fused._KERNELS.items()):
        monkeypatch.setitem(fused._KERNELS, kind, strict(kernel))
    return seen


@pytest.mark.parametrize("make,kind", [
    (lambda: LSTM(4, return_sequences=True), "lstm"),
    (lambda: GRU(4, return_sequences=True), "gru"),
    (lambda: SimpleRNN(4, return_sequences=True), "rnn_tanh"),
])
@pytest.mark.parametrize("with_mask", [False, True])
def test_accelerator_kernels_get_contiguous_tensors(
        make, kind, with_mask, monkeypatch, sequences, padded_mask):
    # `meta` stands in for CUDA: torch's kernels run on it by
    # decomposition, and `fused` treats it as any non-CPU device.
    seen = _strict_kernels(monkeypatch)
    layer = make()
    layer(sequences)
    layer.to("meta")
    seen.clear()
    cell = layer.cell
    params = fused.gru_params(cell) if kind == "gru" else \
        fused.dense_params(cell)
    x = torch.from_numpy(sequences).to("meta").transpose(0, 1)
    x = x.contiguous().transpose(0, 1)  # batch-first view of time-major
    states = [torch.zeros(3, 4, device="meta")] * (2 if kind == "lstm"
                                                   else 1)
    mask = None
    if with_mask:
        # The mask's layout is read on the host, which `meta` cannot do.
        lengths = torch.from_numpy(padded_mask.sum(1))
        monkeypatch.setattr(fused, "_mask_layout",
                            lambda m: (lengths, "padded"))
        mask = torch.from_numpy(padded_mask).to("meta")
    if with_mask:
        # Unpacking reads the sorted indices on the host, which `meta`
        # cannot do; the kernel call before it is what is checked here.
        with pytest.raises(NotImplementedError, match="meta"):
            fused.run(kind, params, x, states, mask)
    else:
        _, outputs, _ = fused.run(kind, params, x, states, mask)
        assert outputs.shape == (3, 6, 4) and outputs.device.type == "meta"
    assert len(seen) == 1
    assert all(t.is_contiguous() for t in seen[0])


@pytest.mark.parametrize("make", [lambda: LSTM(4), lambda: SimpleRNN(4)])
def test_cpu_kernels_take_the_weight_views_without_copies(
        make, monkeypatch, sequences):
    seen = _strict_kernels(monkeypatch)
    layer = make()
    layer(sequences)
    params = seen[-1][-4:]
    assert params[0].data_ptr() == layer.cell.kernel.data_ptr()
    assert not params[0].is_contiguous()
    assert params[1].data_ptr() == layer.cell.recurrent_kernel.data_ptr()
