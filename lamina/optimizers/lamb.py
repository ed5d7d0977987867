"""LAMB: layer-wise adaptive moments (You et al., 2019)."""

import torch

from lamina.optimizers import _gradients
from lamina.optimizers import _traced
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin
from lamina.optimizers.base_optimizer import scalar_type


@register_builtin("lamb")
class Lamb(Optimizer):
    """Adam's bias-corrected step rescaled per weight by a trust ratio.

    `update = m_hat / (sqrt(v_hat) + epsilon)`,
    `w -= lr * (|w| / |update|) * update` (ratio 1 when either norm is 0).

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
        beta_1: Float, decay rate of the first moment.
        beta_2: Float, decay rate of the second moment.
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
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )

    def _backend_update_step(self, grads, variables, learning_rate):
        if _traced.traced():  # inside a compiled graph: 0-d tensors
            step = _traced.local_step(self, variables[0].dtype)
            correction_1 = 1 - self.beta_1 ** step
            correction_2 = 1 - self.beta_2 ** step
        else:
            f = scalar_type(variables)
            step = f(self._local_step)
            correction_1 = float(1 - f(self.beta_1) ** step)
            correction_2 = float(1 - f(self.beta_2) ** step)
        m = self._gather(self._momentums)
        v = self._gather(self._velocities)
        torch._foreach_mul_(m, self.beta_1)
        torch._foreach_add_(m, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - self.beta_2)
        denominators = _traced.div(v, correction_2)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        updates = _traced.div(m, correction_1)
        torch._foreach_div_(updates, denominators)
        weight_norms = _gradients.stack_scalars(torch._foreach_norm(variables))
        update_norms = _gradients.stack_scalars(torch._foreach_norm(updates))
        ratios = torch.where(
            (weight_norms > 0) & (update_norms > 0),
            weight_norms / update_norms,
            torch.ones_like(weight_norms),
        )
        torch._foreach_mul_(updates, list((ratios * learning_rate).unbind()))
        torch._foreach_sub_(variables, updates)

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        })
        return config
