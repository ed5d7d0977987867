"""Dynamic loss scaling around another optimizer, for float16 training."""

import torch

from lamina.optimizers import _gradients
from lamina.optimizers.base_optimizer import OPTIMIZERS
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin
from lamina.optimizers.base_optimizer import serialize_optimizer

# Base arguments LossScaleOptimizer accepts only at their defaults (older
# Keras configs wrote them all).
_BASE_DEFAULTS = {
    "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
    "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
    "ema_overwrite_frequency": None, "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


@register_builtin("lossscaleoptimizer")
class LossScaleOptimizer(Optimizer):
    """Scales the loss up, and gradients down, to avoid float16 underflow.

    A step whose gradients hold inf or NaN is skipped and halves the scale;
    after `dynamic_growth_steps` finite steps in a row the scale doubles.

    Args:
        inner_optimizer: The `Optimizer` that applies the unscaled
            gradients.
        initial_scale: Float, the starting loss scale.
        dynamic_growth_steps: Int, finite steps between scale doublings.
        name: String, the optimizer's name.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15,
                 dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. "
                "Instead, simply set `loss_scale_factor` directly on the "
                "`inner_optimizer`."
            )
        for arg_name, default in _BASE_DEFAULTS.items():
            if arg_name in kwargs and kwargs.pop(arg_name) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{arg_name}`. "
                    f"Instead, set `{arg_name}` on the `inner_optimizer`."
                )
        if kwargs:
            raise ValueError(
                "LossScaleOptimizer does not support arguments: "
                f"`{'`, `'.join(kwargs)}`."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(
                "Invalid value for argument `inner_optimizer`. Expected a "
                "Lamina `Optimizer` instance. Received: "
                f"inner_optimizer={inner_optimizer!r}"
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # The gradients reaching the inner optimizer are already unscaled.
        self.inner_optimizer.loss_scale_factor = None

    def build(self, var_list):
        if self.built:
            return
        self.step_counter = self._add_host_variable(0, "step_counter", "int32")
        self.dynamic_scale = self._add_host_variable(
            float(self.initial_scale), "dynamic_scale", "float32"
        )
        if not self.inner_optimizer.built:
            self.inner_optimizer._build_scope = (
                f"{self.name}/{self.inner_optimizer.name}"
            )
            self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    def apply(self, grads, trainable_variables=None):
        """Unscales `grads` and applies them, or skips a non-finite step."""
        if not self.built:
            if trainable_variables is None:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer "
                    "must already be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first."
                )
            self.build(trainable_variables)
            self.built = True
        grads = list(grads)
        if trainable_variables is not None:
            trainable_variables = list(trainable_variables)
        with torch.no_grad():
            if not self.check_finite(grads):
                self.step_counter.data.zero_()
                self.dynamic_scale.data.mul_(0.5)
                return
            variables = (self._trainable_variables
                         if trainable_variables is None
                         else trainable_variables)
            positions = [
                i for i, (g, v) in enumerate(zip(grads, variables))
                if g is not None
                and not getattr(v, "overwrite_with_gradient", False)
            ]
            if positions:
                unscaled = torch._foreach_div(
                    [grads[i] for i in positions], float(self.dynamic_scale)
                )
                for i, grad in zip(positions, unscaled):
                    grads[i] = grad
        self.inner_optimizer.apply(grads, trainable_variables)
        with torch.no_grad():
            if int(self.step_counter) == self.dynamic_growth_steps - 1:
                self.step_counter.data.zero_()
                self.dynamic_scale.data.mul_(2.0)
            else:
                self.step_counter.data.add_(1)

    def check_finite(self, grads):
        """True when every gradient is free of inf and NaN."""
        return _gradients.all_finite([g for g in grads if g is not None])

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    lr = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """Multiplies `loss` by the current loss scale."""
        scale = self.dynamic_scale if self.built else self.initial_scale
        return loss * scale

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {
            "name": self.name,
            "inner_optimizer": serialize_optimizer(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = OPTIMIZERS.deserialize(config.pop("inner_optimizer"),
                                       custom_objects=custom_objects)
        return cls(inner, **config)
