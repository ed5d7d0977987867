"""ScheduleFreeAdamW: AdamW without a learning-rate schedule, by
interpolating and averaging iterates (Defazio et al., 2024)."""

import torch

from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin


@register_builtin("schedulefreeadamw")
class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW, with Keras 3's formulas.

    The model weights hold `y`, the point gradients are taken at; a slot
    `momentum` holds `z`, the Adam-style SGD iterate (started at the
    weights); the average `x` is recovered from both. Each step, with
    `t` the step number and `v` Adam's second moment:

        z -= lr * g / (sqrt(v / (1 - beta_2^t)) + epsilon)
        x = (1 - 1/t) * x + (1/t) * z
        y = (1 - beta_1) * z + beta_1 * x

    `warmup_steps` ramps the learning rate linearly over the first steps.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
        beta_1: Float, the interpolation between `z` and the average.
        beta_2: Float, decay rate of the second moment.
        epsilon: Float, numerical-stability constant.
        warmup_steps: Int, linear warmup length (0: none).
        **base arguments: `weight_decay`, `clipnorm`, `clipvalue`,
            `global_clipnorm`, `use_ema`, `ema_momentum`,
            `ema_overwrite_frequency`, `loss_scale_factor`,
            `gradient_accumulation_steps`, `name`; see `Optimizer`.
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, warmup_steps=0, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay,
            clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        with torch.no_grad():
            for momentum, variable in zip(self._momentums, var_list):
                if momentum is not None:
                    momentum.copy_(variable)

    def update_step(self, gradient, variable, learning_rate):
        step = self._iteration_value + 1
        if self.warmup_steps > 0:
            learning_rate = learning_rate * min(step / self.warmup_steps, 1.0)
        index = self._get_variable_index(variable)
        z, v = self._momentums[index], self._velocities[index]
        gradient = gradient.to(variable.dtype)
        beta_1 = self.beta_1
        v.add_(gradient.square() - v, alpha=1 - self.beta_2)
        denom = (v / (1 - self.beta_2 ** step)).sqrt_().add_(self.epsilon)
        z.sub_(learning_rate * gradient / denom)
        # Keras reads the momentum after its update here (its `.value` is
        # the variable's own storage, updated in place).
        x = (variable - (1 - beta_1) * z) / beta_1
        weight = 1.0 / step
        x = (1 - weight) * x + weight * z
        variable.copy_((1 - beta_1) * z + beta_1 * x)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
