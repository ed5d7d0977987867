"""LSTM and GRU on torch's fused kernels (cuDNN on GPU), Keras weights in.

Keras's weights are mapped to torch's layout on every call (transposed
views and, for the GRU, a reordering of the gate blocks), so the kernels
always see the current trainable weights and gradients flow back to them.
The CPU kernels take the transposed views as they are; cuDNN reads
contiguous inputs, states and weights, so off the CPU they are made
contiguous first (a no-op for tensors that already are).
Masks are supported when they describe right-padded sequences (every
sequence one or more unmasked steps followed only by masked ones), through
packed sequences; the results then follow Keras's masking rules exactly.
Anything else returns None and the caller runs its step loop.
"""

import warnings

import torch
from torch.nn.utils.rnn import PackedSequence
from torch.nn.utils.rnn import pack_padded_sequence
from torch.nn.utils.rnn import pad_packed_sequence

# cuDNN copies weights that are not one flat buffer; ours are views of the
# Keras-layout weights by design, so the copy (and its warning) is expected.
warnings.filterwarnings(
    "ignore", message="RNN module weights are not part of single contiguous")


_KERNELS = {"lstm": torch.lstm, "gru": torch.gru,
            "rnn_tanh": torch.rnn_tanh, "rnn_relu": torch.rnn_relu}


def dense_params(cell):
    """Torch's [w_ih, w_hh, b_ih, b_hh] for a SimpleRNN or LSTM cell, whose
    blocks are in torch's order (LSTM: Keras's i, f, c, o = torch's i, f, g,
    o); torch's second bias is zero as Keras has one."""
    params = [cell.kernel.t(), cell.recurrent_kernel.t()]
    if cell.bias is not None:
        params += [cell.bias, torch.zeros_like(cell.bias)]
    return params


def _zrh_to_rzh(weight, units):
    z, r, h = weight.split(units, dim=-1)
    return torch.cat([r, z, h], dim=-1)


def _zrh_to_rzh_transposed(kernel, units):
    # Concatenating the transposed blocks gives torch's (3 * units, in)
    # layout contiguous, in the one copy the reordering costs anyway.
    z, r, h = kernel.split(units, dim=-1)
    return torch.cat([r.t(), z.t(), h.t()], dim=0)


def gru_params(cell):
    """Torch's [w_ih, w_hh, b_ih, b_hh] from Keras's z, r, h blocks
    (torch's r, z, n); Keras's reset_after GRU is torch's formulation."""
    units = cell.units
    params = [_zrh_to_rzh_transposed(cell.kernel, units),
              _zrh_to_rzh_transposed(cell.recurrent_kernel, units)]
    if cell.bias is not None:
        params += [_zrh_to_rzh(cell.bias[0], units),
                   _zrh_to_rzh(cell.bias[1], units)]
    return params


def _mask_layout(mask):
    """(lengths, status): status is "full" (nothing masked), "padded"
    (right-padded, no empty sequence) or "other". One host sync."""
    lengths = mask.sum(dim=1)
    positions = torch.arange(mask.shape[1], device=mask.device)
    expected = positions.unsqueeze(0) < lengths.unsqueeze(1)
    padded, full = torch.stack([
        torch.logical_and((mask == expected).all(), (lengths > 0).all()),
        mask.all(),
    ]).tolist()
    return lengths, "full" if full else "padded" if padded else "other"


def _device_layout(inputs, hx, params):
    """Inputs, states and weights as the accelerator kernels read them.

    cuDNN copies the weights into its flat buffer through `view`, which
    fails on the transposed Keras-layout views, and wants contiguous
    inputs and states; the CPU kernels take strided tensors as they are,
    so there nothing is copied.
    """
    if inputs.device.type == "cpu":
        return inputs, hx, params
    if isinstance(hx, tuple):
        hx = tuple(h.contiguous() for h in hx)
    else:
        hx = hx.contiguous()
    return inputs.contiguous(), hx, [p.contiguous() for p in params]


def _kernel(kind, inputs, hx, params, has_biases, batch_sizes=None):
    train = torch.is_grad_enabled()
    fn = _KERNELS[kind]
    inputs, hx, params = _device_layout(inputs, hx, params)
    if batch_sizes is None:
        result = fn(inputs, hx, params, has_biases, 1, 0.0, train, False,
                    True)
    else:
        result = fn(inputs, batch_sizes, hx, params, has_biases, 1, 0.0,
                    train, False)
    output = result[0]
    states = [s[0] for s in result[1:]]
    return output, states


def run(kind, params, sequences, states, mask=None, go_backwards=False,
        zero_output_for_mask=False):
    """Runs torch's kernel `kind` ("lstm" with states [h, c]; "gru",
    "rnn_tanh" or "rnn_relu" with states [h]).

    Returns `(last_output, outputs, final_states)` as the step loop does
    (outputs in reading order), or None when the mask is not right-padded.
    """
    has_biases = len(params) == 4
    hx = tuple(s.unsqueeze(0).contiguous() for s in states)
    hx = hx if kind == "lstm" else hx[0]
    layout = "full"
    if mask is not None:
        lengths, layout = _mask_layout(mask)
    if layout == "other":
        return None
    if layout == "full":
        inputs = sequences.flip(1) if go_backwards else sequences
        outputs, final = _kernel(kind, inputs, hx, params, has_biases)
        return outputs[:, -1], outputs, final
    steps = sequences.shape[1]
    positions = torch.arange(steps, device=sequences.device).unsqueeze(0)
    inputs = sequences
    if go_backwards:
        # Reading backwards starts with the padding, which leaves the state
        # alone: that is running each sequence's valid part reversed.
        reverse = lengths.unsqueeze(1) - 1 - positions
        index = torch.where(reverse >= 0, reverse, positions)
        inputs = _gather_time(sequences, index)
    packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True,
                                  enforce_sorted=False)
    order, restore = packed.sorted_indices, packed.unsorted_indices
    hx = tuple(h.index_select(1, order) for h in hx) if kind == "lstm" \
        else hx.index_select(1, order)
    data, final = _kernel(kind, packed.data, hx, params, has_biases,
                          packed.batch_sizes)
    final = [s.index_select(0, restore) for s in final]
    outputs, _ = pad_packed_sequence(
        PackedSequence(data, packed.batch_sizes, order, restore),
        batch_first=True, total_length=steps)
    if go_backwards:
        # In reading order the valid outputs come last, after zeros.
        shift = positions - (steps - lengths).unsqueeze(1)
        outputs = _gather_time(outputs, shift.clamp(min=0))
        outputs = torch.where((shift >= 0).unsqueeze(-1), outputs, 0.0)
    elif not zero_output_for_mask:
        # Masked steps repeat the last valid output, which is the final h.
        outputs = torch.where(mask.unsqueeze(-1), outputs,
                              final[0].unsqueeze(1))
    return outputs[:, -1], outputs, final


def _gather_time(tensor, index):
    index = index.unsqueeze(-1).expand(-1, -1, tensor.shape[-1])
    return tensor.gather(1, index)
