"""CTC decoding for `keras.ops.ctc_decode`: greedy (best class per step,
scored by the raw inputs) and prefix beam search on log-softmax scores."""

import collections
import math

import torch

from lamina.ops import _dtypes
from lamina.ops import _op
from lamina.ops.core import _tensor


def _greedy(scores_in, lengths, merge_repeated, mask_index):
    batch, steps, _ = scores_in.shape
    best_scores, best = torch.max(scores_in, dim=-1)
    valid = torch.arange(steps, device=best.device)[None, :] < lengths[:, None]
    best = torch.where(valid, best, torch.full_like(best, mask_index))
    keep = best != mask_index
    if merge_repeated:
        repeated = torch.zeros_like(keep)
        repeated[:, 1:] = best[:, 1:] == best[:, :-1]
        keep = keep & ~repeated
    decoded = torch.full_like(best, -1)
    for b in range(batch):
        labels = best[b][keep[b]]
        decoded[b, :labels.shape[0]] = labels
    scores = -torch.sum(torch.where(valid, best_scores,
                                    torch.zeros_like(best_scores)), dim=1)
    return decoded.unsqueeze(0).to(torch.int32), scores.unsqueeze(1)


def _logadd(*values):
    top = max(values)
    if top == -math.inf:
        return -math.inf
    return top + math.log(sum(math.exp(v - top) for v in values))


def _beam(log_probs, lengths, beam_width, top_paths, mask_index):
    batch, steps, classes = log_probs.shape
    decoded = torch.full((top_paths, batch, steps), -1, dtype=torch.int32)
    scores = torch.zeros(batch, top_paths, dtype=log_probs.dtype)
    table = log_probs.detach().cpu().double().tolist()
    for b in range(batch):
        # prefix -> (log P ending in blank, log P ending in a label)
        beams = {(): (0.0, -math.inf)}
        for t in range(int(lengths[b])):
            row = table[b][t]
            grown = collections.defaultdict(lambda: [-math.inf, -math.inf])
            for prefix, (blank, label) in beams.items():
                entry = grown[prefix]
                entry[0] = _logadd(entry[0], blank + row[mask_index],
                                   label + row[mask_index])
                for c in range(classes):
                    if c == mask_index:
                        continue
                    extended = prefix + (c,)
                    entry_ext = grown[extended]
                    if prefix and prefix[-1] == c:
                        entry_ext[1] = _logadd(entry_ext[1], blank + row[c])
                        entry[1] = _logadd(entry[1], label + row[c])
                    else:
                        entry_ext[1] = _logadd(entry_ext[1],
                                               blank + row[c], label + row[c])
            ranked = sorted(grown.items(), key=lambda kv: -_logadd(*kv[1]))
            beams = {k: tuple(v) for k, v in ranked[:beam_width]}
        ranked = sorted(beams.items(), key=lambda kv: -_logadd(*kv[1]))
        for p, (prefix, probs) in enumerate(ranked[:top_paths]):
            decoded[p, b, :len(prefix)] = torch.tensor(prefix,
                                                       dtype=torch.int32)
            scores[b, p] = _logadd(*probs)
    return decoded.to(log_probs.device), scores.to(log_probs.device)


@_op.op("ctc_decode")
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100,
               top_paths=1, merge_repeated=True, mask_index=0):
    """Decodes `(batch, time, classes)` scores: returns `(decoded, scores)`,
    `decoded` of shape `(top_paths, batch, time)` padded with -1."""
    scores = _dtypes.to_float(_tensor(inputs))
    lengths = _tensor(sequence_lengths).long()
    if strategy == "greedy":
        # Keras scores a greedy path by the raw inputs it picks.
        return _greedy(scores, lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        return _beam(torch.log_softmax(scores, dim=-1), lengths, beam_width,
                     top_paths, mask_index)
    raise ValueError("Argument `strategy` must be 'greedy' or 'beam_search'. "
                     f"Received: strategy={strategy!r}")


__all__ = ["ctc_decode"]
