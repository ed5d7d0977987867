"""Adamax: Adam with the infinity norm for the second moment."""

import torch

from lamina.optimizers import _traced
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin
from lamina.optimizers.base_optimizer import scalar_type


@register_builtin("adamax", torch_swapped=True)
class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2014, section 7).

    `m = b1*m + (1-b1)*g`, `u = max(b2*u, |g|)`,
    `w -= lr * m / ((1 - b1**t) * (u + epsilon))`.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
        beta_1: Float, decay rate of the first moment.
        beta_2: Float, decay rate of the infinity norm.
        epsilon: Float, numerical-stability constant.
        **base arguments: `weight_decay`, `clipnorm`, `clipvalue`,
            `global_clipnorm`, `use_ema`, `ema_momentum`,
            `ema_overwrite_frequency`, `loss_scale_factor`,
            `gradient_accumulation_steps`, `name`; see `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
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

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(
            var_list, ["momentum", "norm"]
        )

    def _backend_update_step(self, grads, variables, learning_rate):
        if _traced.traced():  # inside a compiled graph: 0-d tensors
            step = _traced.local_step(self, variables[0].dtype)
            step_size = learning_rate / (1 - self.beta_1 ** step)
        else:
            f = scalar_type(variables)
            step_size = f(learning_rate) / (
                1 - f(self.beta_1) ** f(self._local_step))
        m = self._gather(self._m)
        u = self._gather(self._u)
        torch._foreach_mul_(m, self.beta_1)
        torch._foreach_add_(m, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(u, self.beta_2)
        torch._foreach_maximum_(u, torch._foreach_abs(grads))
        denominators = torch._foreach_add(u, self.epsilon)
        _traced.addcdiv_(variables, m, denominators, -step_size)

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        })
        return config
