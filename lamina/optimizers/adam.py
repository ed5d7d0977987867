"""Adam: adaptive moment estimation (Kingma & Ba, 2014)."""

import numpy as np
import torch

from lamina.optimizers import _traced
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin
from lamina.optimizers.base_optimizer import scalar_type


@register_builtin("adam", torch_swapped=True)
class Adam(Optimizer):
    """Adam, with Keras's epsilon placement.

    `m = b1*m + (1-b1)*g`, `v = b2*v + (1-b2)*g**2`,
    `w -= lr * sqrt(1-b2**t) / (1-b1**t) * m / (sqrt(v) + epsilon)`:
    epsilon is added to the uncorrected `sqrt(v)` (the "epsilon hat" of
    the paper), unlike `torch.optim.Adam`.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
        beta_1: Float, decay rate of the first moment.
        beta_2: Float, decay rate of the second moment.
        epsilon: Float, numerical-stability constant.
        amsgrad: Bool, whether to use the AMSGrad variant (the maximum of
            past second moments).
        **base arguments: `weight_decay`, `clipnorm`, `clipvalue`,
            `global_clipnorm`, `use_ema`, `ema_momentum`,
            `ema_overwrite_frequency`, `loss_scale_factor`,
            `gradient_accumulation_steps`, `name`; see `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, weight_decay=None, clipnorm=None,
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
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(
                var_list, "velocity_hat"
            )

    def _backend_update_step(self, grads, variables, learning_rate):
        alpha = self._step_size(variables, learning_rate)
        m = self._gather(self._momentums)
        v = self._gather(self._velocities)
        torch._foreach_mul_(m, self.beta_1)
        torch._foreach_add_(m, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - self.beta_2)
        if self.amsgrad:
            v_hat = self._gather(self._velocity_hats)
            torch._foreach_maximum_(v_hat, v)
            v = v_hat
        denominators = torch._foreach_sqrt(v)
        torch._foreach_add_(denominators, self.epsilon)
        _traced.addcdiv_(variables, m, denominators, -alpha)

    def _step_size(self, variables, learning_rate):
        """`lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)` in the weights'
        precision: a NumPy scalar, or a 0-d tensor in a compiled graph."""
        if _traced.traced():
            step = _traced.local_step(self, variables[0].dtype)
            return learning_rate * torch.sqrt(1 - self.beta_2 ** step) / (
                1 - self.beta_1 ** step)
        f = scalar_type(variables)
        step = f(self._local_step)
        return f(learning_rate) * np.sqrt(1 - f(self.beta_2) ** step) / (
            1 - f(self.beta_1) ** step
        )

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        })
        return config
