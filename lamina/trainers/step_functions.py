"""The functions `fit`, `evaluate` and `predict` run per batch (or per
group of `steps_per_execution` batches): the model's steps, compiled with
`torch.compile` under `jit_compile=True` (`compiled_step`), eager
otherwise or where the distribution's variables cannot be compiled."""

import warnings

import torch

from lamina.trainers import compiled_step
from lamina.trainers import distribution_hook
from lamina.trainers.data_adapters.data_adapter_utils import (
    unpack_x_y_sample_weight,
)


class StepFunctionsMixin:
    """`make_train_function`, `make_test_function`,
    `make_predict_function` and the compiled steps they use, kept per
    `compile()`."""

    def make_train_function(self, force=False):
        """The function `fit` runs per step; built once (again with
        `force=True`, or after `compile`)."""
        if self.train_function is not None and not force:
            return self.train_function
        if distribution_hook.active() is not None:
            distribution_hook.active().check_train_step(self)
        step = self.train_step
        run_group = None
        if self._compiles():
            step = self._compiled_train_step()
            run_group = getattr(step, "run_group", None)

        def train_function(batches):
            if run_group is not None and len(batches) > 1:
                return run_group(batches)
            edges = distribution_hook.active() if len(batches) > 1 \
                else None
            logs = None
            for batch in batches:
                if edges is not None:  # (batches read ahead of their step)
                    edges.before_step(batch)
                logs = step(batch)
            return logs

        self.train_function = train_function
        return train_function

    def _compiles(self):
        """`jit_compile`, unless the distribution's variables cannot go
        through torch.compile (ModelParallel's sharded variables, which it
        refuses as inputs): then the steps run eagerly, with a warning
        once per compile."""
        if not self.jit_compile:
            return False
        edges = distribution_hook.active()
        if edges is None or edges.compilable:
            return True
        if not self.__dict__.get("_warned_uncompilable"):
            self.__dict__["_warned_uncompilable"] = True
            warnings.warn(
                f"jit_compile=True: model '{self.name}' runs its steps "
                "eagerly under ModelParallel: torch.compile does not take "
                "its sharded variables (Keras variables over DTensors) as "
                "graph inputs.", stacklevel=3)
        return False

    def _compiled(self, kind, make_step):
        """The compiled `kind` step, made once per `compile()` and kept
        across `fit`/`evaluate` calls (so is its graph cache)."""
        key = f"_compiled_{kind}_step"
        compiled = self.__dict__.get(key)
        if compiled is None:
            compiled = compiled_step.CompiledStep(
                make_step(), f"{kind} step", lambda: [
                    v for m in self._flat_metrics() for v in m.variables])
            self.__dict__[key] = compiled
        return compiled

    def _compiled_train_step(self):
        if not getattr(type(self).train_step, "_is_default_step", False):
            # A custom train_step compiles as it is.
            return self._compiled("custom train", lambda: self.train_step)
        if distribution_hook.active() is not None:
            # DDP and FSDP2 reduce gradients in hooks that `loss.backward()`
            # fires, which `torch.autograd.grad` in the whole-step graph
            # would bypass (each process would keep its own gradients):
            # the default step compiles as it is, its backward run by
            # autograd through the compiled graph, as torch compiles DDP.
            return self._compiled("train", lambda: self.train_step)
        whole = self._compiled(
            "train", lambda: compiled_step.whole_train_step(self))

        def step(data):
            x, y, sample_weight = unpack_x_y_sample_weight(data)
            trainable = self._training_cache()["trainable"]
            y_pred, grads = whole(x, y, sample_weight, trainable)
            if grads is not None:
                self.optimizer.apply(grads, trainable)
            return self.compute_metrics(x, y, y_pred, sample_weight)

        if self.steps_per_execution > 1 and \
                compiled_step.updates_in_graph(self.optimizer):
            step.run_group = compiled_step.group_runner(self, step)
        return step

    def make_test_function(self, force=False):
        if self.test_function is not None and not force:
            return self.test_function
        step = self.test_step
        if self._compiles():
            step = self._compiled("test", lambda: self.test_step)

        @torch.no_grad()
        def test_function(batches):
            logs = None
            for batch in batches:
                logs = step(batch)
            return logs

        self.test_function = test_function
        return test_function

    def make_predict_function(self, force=False):
        if self.predict_function is not None and not force:
            return self.predict_function
        step = self.predict_step
        if self._compiles():
            step = self._compiled("predict", lambda: self.predict_step)

        def predict_function(batches):
            outputs = None
            for batch in batches:
                outputs = step(batch)
            return outputs

        self.predict_function = predict_function
        return predict_function
