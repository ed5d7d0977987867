"""What `compile(loss=..., metrics=...)` becomes: per-output losses with
weights, and per-output metrics, built lazily from the first batch's
shapes (so `"accuracy"` and `"crossentropy"` resolve as Keras does)."""

import torch

from lamina.trainers import argument_checks
from lamina.utils import tree


def _output_names(model):
    """The names of a functional model's outputs (their layers' names);
    None for Sequential and subclassed models."""
    graph = model._functional_graph()
    if graph is None:
        return None
    return [t._keras_history[0].name for t in graph.outputs]


def _match_outputs(spec, what, output_names, num_outputs, y_struct=None):
    """Spreads a per-output spec (single value, list or dict) over the
    flattened outputs; returns a list of length num_outputs."""
    if isinstance(spec, dict) and not _looks_like_config(spec):
        keys = output_names or (list(y_struct) if isinstance(y_struct, dict)
                                else None)
        if keys is None:
            raise ValueError(
                f"`{what}` was given as a dict {list(spec)}, but the model's "
                "outputs have no names to match it against; pass a list."
            )
        unknown = [k for k in spec if k not in keys]
        if unknown:
            raise ValueError(
                f"In `{what}`, the keys {unknown} don't match any model "
                f"output. Expected keys among: {keys}"
            )
        return [spec.get(k) for k in keys]
    if what == "loss_weights":
        argument_checks.check_loss_weights(spec, num_outputs)
    if isinstance(spec, (list, tuple)) and num_outputs == 1 and \
            len(spec) == 1 and what in ("loss", "loss_weights"):
        return [spec[0]]
    if isinstance(spec, (list, tuple)) and num_outputs > 1:
        if len(spec) != num_outputs:
            raise ValueError(
                f"For a model with {num_outputs} outputs, `{what}` given as a "
                f"list must have {num_outputs} entries. Received "
                f"{len(spec)}: {spec}"
            )
        return list(spec)
    return [spec] * num_outputs


def _looks_like_config(value):
    return "class_name" in value and "config" in value


class CompileLoss:
    """The total loss: sum over outputs of `loss_weight * loss(y, y_pred)`.

    With several outputs it also tracks each output's unweighted loss as
    `<output>_loss`, as Keras logs it.
    """

    def __init__(self, loss, loss_weights=None, output_names=None):
        argument_checks.check_loss_weights(loss_weights, output_names)
        self.loss = loss
        self.loss_weights = loss_weights
        self.output_names = output_names
        self.built = False
        self.metrics = []

    def build(self, y_true, y_pred):
        from lamina import losses
        from lamina import metrics as metrics_module
        from lamina.losses.loss import Loss
        from lamina.losses.loss_function_wrapper import LossFunctionWrapper

        flat_pred = tree.flatten(y_pred)
        flat_true = tree.flatten(y_true)
        names = self.output_names
        if isinstance(y_pred, dict):
            names = list(y_pred)
        count = len(flat_pred)
        specs = _match_outputs(self.loss, "loss", names, count, y_pred)
        weights = (
            _match_outputs(self.loss_weights, "loss_weights", names, count,
                           y_pred)
            if self.loss_weights is not None else [None] * count
        )
        self.entries = []
        for index, (spec, weight) in enumerate(zip(specs, weights)):
            if spec is None:
                self.entries.append(None)
                continue
            if isinstance(spec, str) and spec.lower() in ("crossentropy",
                                                          "ce"):
                fn = metrics_module.get_crossentropy_for_shapes(
                    flat_true[index].shape, flat_pred[index].shape)
            else:
                fn = losses.get(spec)
            if not isinstance(fn, Loss):
                name = spec if isinstance(spec, str) else getattr(
                    fn, "__name__", type(fn).__name__)
                # A float64 model's loss function computes in float64 too.
                dtype = "float64" if getattr(flat_pred[index], "dtype", None) \
                    == torch.float64 else None
                fn = LossFunctionWrapper(fn, name=name, dtype=dtype)
            self.entries.append((fn, weight))
        if count > 1:
            output_labels = names or [f"output_{i}" for i in range(count)]
            self.metrics = [
                metrics_module.Mean(name=f"{label}_loss")
                if entry is not None else None
                for label, entry in zip(output_labels, self.entries)
            ]
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        if len(self.entries) == 1 and isinstance(y_pred, torch.Tensor) and \
                isinstance(y_true, torch.Tensor):
            # One output: no structure to walk, every step.
            fn, weight = self.entries[0]
            value = fn(y_true, y_pred, sample_weight)
            return value if weight is None else value * weight
        flat_true = _flatten_like(y_true, y_pred, self.output_names)
        flat_pred = tree.flatten(y_pred)
        flat_sw = _broadcast_sample_weight(sample_weight, len(flat_pred))
        total = None
        batch = flat_pred[0].shape[0] if flat_pred[0].dim() else 1
        for index, entry in enumerate(self.entries):
            if entry is None:
                continue
            fn, weight = entry
            value = fn(flat_true[index], flat_pred[index], flat_sw[index])
            if self.metrics:
                self.metrics[index].update_state(value.detach(),
                                                 sample_weight=batch)
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total


def _flatten_like(y_true, y_pred, output_names=None):
    if isinstance(y_true, dict):
        names = list(y_pred) if isinstance(y_pred, dict) else output_names
        if names is not None:
            return argument_checks.targets_by_output(y_true, names)
    flat = tree.flatten(y_true)
    if len(flat) == 1 and len(tree.flatten(y_pred)) > 1:
        raise ValueError(
            f"The model has {len(tree.flatten(y_pred))} outputs but a single "
            "target was given; pass one target per output (a list or dict)."
        )
    return flat


def _broadcast_sample_weight(sample_weight, count):
    if sample_weight is None:
        return [None] * count
    if isinstance(sample_weight, torch.Tensor) or not isinstance(
        sample_weight, (list, tuple, dict)
    ):
        return [sample_weight] * count
    flat = tree.flatten(sample_weight)
    return flat if len(flat) == count else [flat[0]] * count


class CompileMetrics:
    """`compile(metrics=..., weighted_metrics=...)` for every output."""

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None):
        self.metrics_spec = metrics
        self.weighted_spec = weighted_metrics
        self.output_names = output_names
        self.built = False
        self.name = "compile_metrics"
        self.unweighted = []
        self.weighted = []

    def build(self, y_true, y_pred):
        from lamina import metrics as metrics_module

        flat_pred = tree.flatten(y_pred)
        flat_true = _flatten_like(y_true, y_pred, self.output_names)
        names = list(y_pred) if isinstance(y_pred, dict) else self.output_names
        count = len(flat_pred)

        def resolve(spec, what):
            per_output = _match_outputs(spec, what, names, count, y_pred) \
                if spec is not None else [None] * count
            built = []
            for index, entries in enumerate(per_output):
                if entries is None:
                    built.append([])
                    continue
                if not isinstance(entries, (list, tuple)):
                    entries = [entries]
                resolved = []
                for entry in entries:
                    metric = metrics_module.get_metric_for_shapes(
                        entry, flat_true[index].shape, flat_pred[index].shape)
                    if count > 1:
                        label = names[index] if names else f"output_{index}"
                        metric.name = f"{label}_{metric.name}"
                    resolved.append(metric)
                built.append(resolved)
            return built

        if count == 1 and isinstance(self.metrics_spec, dict):
            self.metrics_spec = list(self.metrics_spec.values())[0]
        self.unweighted = resolve(self.metrics_spec, "metrics")
        self.weighted = resolve(self.weighted_spec, "weighted_metrics")
        self.built = True

    @property
    def metrics(self):
        return [m for group in self.unweighted + self.weighted for m in group]

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        flat_true = _flatten_like(y_true, y_pred, self.output_names)
        flat_pred = tree.flatten(y_pred)
        flat_sw = _broadcast_sample_weight(sample_weight, len(flat_pred))
        for index, group in enumerate(self.unweighted):
            for metric in group:
                metric.update_state(flat_true[index], flat_pred[index])
        for index, group in enumerate(self.weighted):
            for metric in group:
                metric.update_state(flat_true[index], flat_pred[index],
                                    sample_weight=flat_sw[index])

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def result(self):
        return {metric.name: metric.result() for metric in self.metrics}
