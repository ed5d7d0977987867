"""Discretization: buckets continuous features by bin boundaries, given or
learned by `adapt()` with Keras's approximate quantiles."""

import numpy as np
import torch

from lamina import config
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import _encoding
from lamina.layers.registry import register
from lamina.graph import symbolic


@register()
class Discretization(Layer):
    """Maps each value to the index of its bin.

    With boundaries `[b0, b1, ..., bn]` the bins are `(-inf, b0)`,
    `[b0, b1)`, ..., `[bn, inf)`, indexed `0 ... n + 1`. Boundaries are
    given as `bin_boundaries` or learned by `adapt()` for `num_bins`
    bins of about equal population (Keras's approximate quantile summary,
    with `epsilon` its error tolerance; the computation is Keras's, in
    NumPy, so boundaries are identical).

    Args:
        bin_boundaries: sorted list of boundaries, or None to `adapt()`.
        num_bins: number of bins to learn with `adapt()`.
        epsilon: error tolerance of the quantile summary (default 0.01).
        output_mode: `"int"` (default; int32 bin indices), `"one_hot"`,
            `"multi_hot"` or `"count"`.
        sparse: return a torch sparse COO tensor (non-`"int"` modes).

    Example:
        >>> layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        >>> layer(np.array([[-1.5, 1.0, 3.4, 0.5]]))
        tensor([[0, 2, 3, 1]], dtype=torch.int32)
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01,
                 output_mode="int", sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        if sparse and output_mode == "int":
            raise ValueError(
                "Argument `sparse=True` of Discretization needs output_mode "
                "'one_hot', 'multi_hot' or 'count'. Received: "
                f"output_mode={output_mode!r}"
            )
        _encoding.check_output_mode("Discretization", output_mode)
        if num_bins is not None and num_bins < 0:
            raise ValueError(
                "Invalid value for argument `num_bins` of Discretization. "
                f"Expected an integer >= 0. Received: num_bins={num_bins}"
            )
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Only one of `num_bins` and `bin_boundaries` of "
                f"Discretization can be set. Received: num_bins={num_bins}, "
                f"bin_boundaries={bin_boundaries}"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError(
                "Discretization needs either `num_bins` (then call adapt()) "
                "or `bin_boundaries`."
            )
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries else \
            np.array([[], []], dtype="float32")

    @property
    def input_dtype(self):
        return config.floatx()

    @property
    def output_dtype(self):
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def adapt(self, data, steps=None):
        """Learns `num_bins - 1` boundaries from `data`.

        Args:
            data: an array or tensor, or an iterable (e.g. a PyDataset or
                a list) of batches.
            steps: read at most this many batches of an iterable.
        """
        if self.num_bins is None:
            raise ValueError(
                "Cannot adapt a Discretization layer constructed with "
                "`bin_boundaries`; pass `num_bins` instead."
            )
        self.reset_state()
        if isinstance(data, (np.ndarray, torch.Tensor)):
            batches = [data]
        elif hasattr(data, "on_epoch_end") and hasattr(data, "__len__"):
            batches = (data[i] for i in range(len(data)))
        else:
            batches = data
        seen = False
        for index, batch in enumerate(batches):
            if steps is not None and index >= steps:
                break
            if isinstance(batch, tuple):
                batch = batch[0]
            self.update_state(batch)
            seen = True
        if not seen or self.summary.shape[1] == 0:
            raise ValueError(
                "Discretization.adapt() received an empty dataset. Expected "
                "at least one value."
            )
        self.finalize_state()

    def update_state(self, data):
        if isinstance(data, torch.Tensor):
            data = data.detach().cpu().numpy()
        data = np.array(data).astype("float32")
        summary = summarize(data, self.epsilon)
        self.summary = merge_summaries(summary, self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is None:
            return
        self.bin_boundaries = get_bin_boundaries(
            self.summary, self.num_bins).tolist()

    def reset_state(self):
        if self.num_bins is None:
            return
        self.summary = np.array([[], []], dtype="float32")

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f"Discretization layer '{self.name}' has no bin boundaries. "
                "Pass `bin_boundaries` to the constructor or call "
                "`adapt(data)` first."
            )
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.as_tensor(np.asarray(inputs),
                                     device=config.default_device())
        boundaries = self._boundaries_tensor(inputs)
        if inputs.dtype == torch.bool:
            inputs = inputs.to(torch.uint8)
        if inputs.dtype != boundaries.dtype:
            inputs = inputs.to(boundaries.dtype)
        indices = torch.bucketize(inputs, boundaries, right=True)
        return _encoding.encode_categorical_inputs(
            indices.to(torch.int32), self.output_mode,
            len(self.bin_boundaries) + 1, self.output_dtype,
            sparse=self.sparse)

    def _boundaries_tensor(self, inputs):
        key = (tuple(self.bin_boundaries), inputs.device)
        cached = self.__dict__.get("_boundaries_cache")
        if cached is None or cached[0] != key:
            dtype = inputs.dtype if inputs.dtype == torch.float64 else \
                torch.float32
            tensor = torch.tensor(self.bin_boundaries, dtype=dtype,
                                  device=inputs.device)
            self.__dict__["_boundaries_cache"] = (key, tensor)
            return tensor
        return cached[1]

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries \
            is not None else self.num_bins
        return _encoding.encoded_shape(input_shape, self.output_mode, depth)

    def compute_output_spec(self, inputs):
        return symbolic.KerasTensor(self.compute_output_shape(inputs.shape),
                                    dtype=self.output_dtype)

    def get_config(self):
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        if isinstance(config_.get("dtype"), dict):
            config_["dtype"] = config_["dtype"].get("config", {}).get("name")
        if config_.get("bin_boundaries") is not None and \
                config_.get("num_bins") is not None:
            # An adapted layer: keep the learned boundaries.
            bin_boundaries = config_.pop("bin_boundaries")
            layer = cls(**config_)
            layer.bin_boundaries = bin_boundaries
            return layer
        return cls(**config_)


def summarize(values, epsilon):
    """A `(2, n)` summary of sorted sample values and their weights."""
    values = np.sort(np.reshape(values, [-1]))
    elements = np.size(values)
    num_buckets = 1.0 / epsilon
    increment = elements / num_buckets
    step = max(increment, 1)
    start = step - 1
    boundaries = values[int(start)::int(step)]
    weights = np.ones_like(boundaries) * step
    return np.stack([boundaries, weights])


def merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


def get_bin_boundaries(summary, num_bins):
    return compress_summary(summary, 1.0 / num_bins)[0, :-1]


def compress_summary(summary, epsilon):
    """Interpolates the summary down to about `1 / epsilon` points."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]),
                                                cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
