"""Trainer: compile, the train/test/predict steps and the metrics they keep.

Mixed into `Model`. The steps follow Keras 3's torch trainer so custom
`train_step`s written for Keras (`self.zero_grad()`, `loss.backward()`,
`self.optimizer.apply(grads, self.trainable_weights)`) work unchanged.
"""

import inspect
import warnings

import torch

from lamina.layers import call_context
from lamina.layers.weights_mixin import weight_penalties
from lamina.trainers import argument_checks
from lamina.trainers import compile_utils
from lamina.trainers import distribution_hook
from lamina.trainers import loops
from lamina.trainers import predict_loop
from lamina.trainers import step_functions
from lamina.trainers.data_adapters.data_adapter_utils import (
    unpack_x_y_sample_weight,
)
from lamina.trainers.logs import LazyLogs
from lamina.utils import tree


class Trainer(loops.LoopsMixin, predict_loop.PredictMixin,
              step_functions.StepFunctionsMixin):
    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self.stop_training = False
        self.stop_evaluating = False
        self.stop_predicting = False
        self.history = None
        self.steps_per_execution = 1
        self.jit_compile = False
        self.run_eagerly = False
        self._compile_config = None
        self.__dict__["_step_cache"] = None
        self.train_function = None
        self.test_function = None
        self.predict_function = None
        self.train_iterator = None  # the EpochIterator, during `fit`

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None,
                metrics=None, weighted_metrics=None, run_eagerly=False,
                steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True, **kwargs):
        """Configures the model for training."""
        from lamina import metrics as metrics_module
        from lamina import optimizers

        if kwargs:
            raise ValueError(
                f"Unrecognized arguments passed to compile(): {sorted(kwargs)}"
            )
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(
                "Argument `steps_per_execution` must be a positive integer. "
                f"Received: steps_per_execution={steps_per_execution!r}"
            )
        if not isinstance(auto_scale_loss, bool):
            raise ValueError(
                "Argument `auto_scale_loss` of compile() must be a bool. "
                f"Received: auto_scale_loss={auto_scale_loss!r}"
            )
        self._init_trainer_if_needed()
        self.optimizer = optimizers.get(optimizer)
        if auto_scale_loss and self.dtype_policy.name == "mixed_float16" \
                and not isinstance(self.optimizer,
                                   optimizers.LossScaleOptimizer):
            # As Keras: float16 training scales the loss against underflow.
            self.optimizer = optimizers.LossScaleOptimizer(
                self.optimizer, name="loss_scale_optimizer")
        self.loss = loss
        output_names = compile_utils._output_names(self)
        self._compile_loss = (
            compile_utils.CompileLoss(loss, loss_weights, output_names)
            if loss is not None else None
        )
        self._compile_metrics = (
            compile_utils.CompileMetrics(metrics, weighted_metrics,
                                         output_names)
            if metrics is not None or weighted_metrics is not None else None
        )
        self._loss_tracker = metrics_module.Mean(
            name="loss", dtype=self._data_float_dtype())
        self.run_eagerly = bool(run_eagerly)
        self.jit_compile = jit_compile is True and not run_eagerly
        self.steps_per_execution = steps_per_execution
        self._compile_config = {
            "optimizer": self.optimizer, "loss": loss,
            "loss_weights": loss_weights, "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "run_eagerly": self.run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": self.jit_compile,
        }
        self.__dict__["_step_cache"] = None
        self.train_function = None
        self.test_function = None
        self.predict_function = None
        for kind in ("train", "train group", "custom train", "test",
                     "predict"):
            self.__dict__.pop(f"_compiled_{kind}_step", None)
        self.__dict__.pop("_warned_uncompilable", None)
        self.compiled = True

    def _init_trainer_if_needed(self):
        if "compiled" not in self.__dict__:
            self._init_trainer()

    def _data_float_dtype(self):
        """What float64 data becomes in fit/evaluate/predict: float64 when
        the model takes or computes float64 (an `Input(dtype="float64")`, a
        float64 policy), else None, i.e. floatx as in Keras."""
        dtypes = {str(getattr(x, "dtype", None))
                  for x in (getattr(self, "inputs", None) or ())}
        dtypes.add(str(self.input_dtype))
        return "float64" if "float64" in dtypes else None

    def _assert_compiled(self, method):
        if not getattr(self, "compiled", False):
            raise ValueError(
                f"You must call `compile()` before using the model in "
                f"`{method}()`."
            )

    # ------------------------------------------------------------------
    # Metrics
    @property
    def metrics(self):
        found = []
        if getattr(self, "compiled", False):
            if self._loss_tracker is not None:
                found.append(self._loss_tracker)
            if self._compile_metrics is not None:
                found.append(self._compile_metrics)
            if self._compile_loss is not None:
                found.extend(m for m in self._compile_loss.metrics
                             if m is not None)
        # Metrics set as attributes (of this model or its layers), as in the
        # Keras guides' custom train_steps.
        for layer in self._flatten_layers():
            for metric in layer.__dict__.get("_tracked_metrics", ()):
                if metric not in found and metric is not self._loss_tracker:
                    found.append(metric)
        return found

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def _flat_metrics(self):
        flat = []
        for metric in self.metrics:
            if isinstance(metric, compile_utils.CompileMetrics):
                continue
            flat.append(metric)
        if self._compile_metrics is not None:
            flat.extend(self._compile_metrics.metrics)
        return flat

    def get_metrics_result(self):
        results = {}
        for metric in self._flat_metrics():
            value = metric.result()
            if isinstance(value, dict):
                results.update(value)
            else:
                results[metric.name] = value
        return dict(sorted(results.items()))

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return LazyLogs(self.get_metrics_result)

    # ------------------------------------------------------------------
    # Losses
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                     training=True):
        """Compiled loss plus every loss added by layers (regularizers)."""
        total = None
        if self._compile_loss is not None and y is None:
            argument_checks.raise_missing_targets(self.loss)
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        extra = self._added_losses()
        if extra:
            added = torch.stack([
                torch.as_tensor(v).to(torch.float32).sum() for v in extra
            ]).sum()
            total = added if total is None else total + added
        if total is None:
            raise ValueError(
                "No loss to compute. Provide a `loss` argument in `compile()`."
            )
        return total

    def _added_losses(self):
        losses = call_context.step_losses()
        regularized = self._training_cache()["regularized"]
        if regularized:
            losses += weight_penalties(regularized)
        return losses

    def _training_cache(self):
        """Trainable weights, refreshed when any `trainable` flag changes,
        so a change is never silently ignored (the optimizer then raises
        as Keras's does, unless the model is recompiled)."""
        version = call_context.trainable_version[0]
        cache = self.__dict__.get("_step_cache")
        if cache is None or cache["version"] != version:
            trainable = self.trainable_weights
            cache = {
                "version": version,
                "trainable": trainable,
                "regularized": [w for w in trainable
                                if getattr(w, "regularizer", None)],
            }
            # Past `Layer.__setattr__`, which would wrap the dict for
            # tracking, move its key to the end of `__dict__` (a compiled
            # step's guards read key positions there: a retrace per `fit`)
            # and mark every layer changed.
            self.__dict__["_step_cache"] = cache
        return cache

    def _track_loss(self, loss, x):
        """The loss tracker's update (mean weighted by batch size), inlined:
        it runs every step."""
        tracker = self._loss_tracker
        total = tracker.total
        if total.device != loss.device:
            tracker.to(loss.device)
            total = tracker.total
        batch = _batch_size(x)
        if not batch:  # an empty shard of a distributed batch
            return
        value = loss.detach()
        if value.dtype != total.dtype:
            value = value.to(total.dtype)
        total.add_(value, alpha=batch)
        tracker.count.add_(batch)

    # ------------------------------------------------------------------
    # Steps
    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """Calls `compute_loss` positionally, as Keras does, passing
        `training` only to an override that accepts it (Keras 3.3 added
        the argument; older overrides lack it)."""
        if self._compute_loss_takes_training():
            return self.compute_loss(x, y, y_pred, sample_weight,
                                     training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _compute_loss_takes_training(self):
        """Whether `compute_loss` accepts `training`, kept in the model's
        `__dict__` by the function it was read for: a compiled step reads
        one constant there (a module-level cache's lookups, traced, left
        a length guard that failed on the next `fit`: a retrace)."""
        method = self.compute_loss
        function = getattr(method, "__func__", method)
        known = self.__dict__.get("_compute_loss_signature")
        if known is None or known[0] is not function:
            known = (function, _accepts_training(function))
            self.__dict__["_compute_loss_signature"] = known
        return known[1]

    def _forward_and_loss(self, x, y, sample_weight):
        edges = distribution_hook.active()  # DDP/FSDP2 under a distribution
        if edges is None:
            y_pred = self._training_forward(x)
        else:
            y_pred = edges.training_module(self, x)(x, training=True)
        loss = self._compute_loss(x, y, y_pred, sample_weight, True)
        if edges is not None:  # this shard's part of the global gradient
            loss = edges.weigh_loss(loss, _batch_size(x))
        return y_pred, loss

    def _training_forward(self, x):
        """`self(x, training=True)`. A batch the model's `__call__` has
        nothing to do for (`_needs_call`), of a feature shape and dtype
        the full call has already checked under the current plan, goes
        straight to the layers' direct calls (`_direct_layers_function`, the
        shortcut predict takes, guarded against hooks and layer changes)."""
        if torch.compiler.is_compiling():  # (no shortcut guards traced)
            return self(x, training=True)
        run = self._direct_layers_function()
        if run is None or self._needs_call(x, True):
            return self(x, training=True)
        checked = self.__dict__.get("_training_checked")
        if checked is None or checked[0] is not run:
            checked = (run, set())
            self.__dict__["_training_checked"] = checked
        key = (x.shape[1:], x.dtype)
        if key not in checked[1]:
            y_pred = self(x, training=True)
            checked[1].add(key)
            return y_pred
        return self._call_directly(run, x, True)

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred, loss = self._forward_and_loss(x, y, sample_weight)
        trainable = self._training_cache()["trainable"]
        for weight in trainable:
            weight.grad = None
        self._track_loss(loss, x)
        if self.optimizer is not None and hasattr(self.optimizer,
                                                  "scale_loss"):
            loss = self.optimizer.scale_loss(loss)
        if trainable:
            loss.backward()
            self.optimizer.apply([w.grad for w in trainable], trainable)
        else:
            warnings.warn("The model does not have any trainable weights.")
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    train_step._is_default_step = True

    def test_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x, y, y_pred, sample_weight, False)
        self._track_loss(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    predict_step._is_default_step = True

    def get_compile_config(self):
        if not getattr(self, "compiled", False) or self._compile_config is None:
            return None
        from lamina.saving.serialization import serialize_keras_object

        return serialize_keras_object(self._compile_config)

    def compile_from_config(self, config):
        """Compiles as the saved `get_compile_config()` says (on loading)."""
        from lamina.saving.serialization import deserialize_keras_object

        if type(self).compile is not Trainer.compile:
            warnings.warn(
                "`compile()` was not called as part of model loading because "
                "the model's `compile()` method is custom. All subclassed "
                "Models that have `compile()` overridden should also override "
                "`get_compile_config()` and `compile_from_config(config)`. "
                "Alternatively, you can call `compile()` manually after "
                "loading.", stacklevel=2)
            return
        config = deserialize_keras_object(config)
        self.compile(**config)
        if self.built and self.optimizer is not None and \
                hasattr(self.optimizer, "build"):
            # As Keras: the slots exist now, so a saved optimizer state
            # loads into them (under ModelParallel, sharded as the model).
            edges = distribution_hook.active()
            if edges is not None:
                edges.prepare_for_optimizer(self)
            self.optimizer.build(self.trainable_weights)


def _accepts_training(function):
    parameters = inspect.signature(function).parameters.values()
    return any(p.name == "training" or p.kind is p.VAR_KEYWORD
               for p in parameters)


def _batch_size(x):
    if isinstance(x, torch.Tensor):
        return x.shape[0] if x.dim() else 1
    first = tree.flatten(x)[0]
    return first.shape[0] if getattr(first, "dim", lambda: 0)() else 1
