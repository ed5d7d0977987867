"""The timestep loop shared by every RNN, with Keras's masking rules.

At a masked step the states keep their previous values and the output
repeats the previous step's output (zeros before the first unmasked step),
or is zero when `zero_output_for_mask` is set. With `go_backwards` the
sequence (and its mask) is read last step first, and the outputs come back
in that reading order.
"""

import torch

from lamina.utils import tree


def _broadcast_mask(mask_t, like):
    return mask_t.view(mask_t.shape + (1,) * (like.dim() - mask_t.dim()))


def run_steps(step, inputs, states, mask=None, go_backwards=False,
              zero_output_for_mask=False, return_sequences=True):
    """Runs `step(inputs_t, states) -> (output, new_states)` over time.

    Args:
        step: the per-timestep function.
        inputs: a `(batch, time, ...)` tensor.
        states: the initial states (a list, possibly nested).
        mask: optional `(batch, time)` boolean tensor.
        go_backwards: read the sequence from its last step.
        zero_output_for_mask: masked steps output zeros instead of the
            previous output.
        return_sequences: whether to stack the per-step outputs.

    Returns:
        `(last_output, outputs or None, final_states)`; `outputs` is
        `(batch, time, ...)` in reading order.
    """
    steps = inputs.unbind(1)
    masks = mask.unbind(1) if mask is not None else None
    order = range(len(steps) - 1, -1, -1) if go_backwards else \
        range(len(steps))
    outputs = []
    output = previous = None
    for t in order:
        output, new_states = step(steps[t], states)
        if not tree.is_nested(new_states):
            new_states = [new_states]
        if masks is not None:
            keep = _broadcast_mask(masks[t], output)
            fallback = previous if previous is not None and \
                not zero_output_for_mask else torch.zeros_like(output)
            output = torch.where(keep, output, fallback)
            flat_new = tree.flatten(new_states)
            flat_old = tree.flatten(states)
            new_states = tree.pack_sequence_as(new_states, [
                torch.where(_broadcast_mask(masks[t], new), new, old)
                for new, old in zip(flat_new, flat_old)
            ])
            previous = output
        states = new_states
        if return_sequences:
            outputs.append(output)
    stacked = torch.stack(outputs, dim=1) if return_sequences else None
    return output, stacked, states
