"""Nadam: Adam with Nesterov momentum (Dozat, 2016)."""

import torch

from lamina.optimizers import _traced
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin
from lamina.optimizers.base_optimizer import scalar_type


@register_builtin("nadam", torch_swapped=True)
class Nadam(Optimizer):
    """Nadam, with Keras's momentum schedule `b1 * (1 - 0.5 * 0.96**t)`.

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
        var_list = list(var_list)
        dtype = var_list[0].dtype if var_list else None
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        # The running product of the momentum schedule; Keras creates it
        # last, unnamed ("variable").
        self._u_product = self._add_host_variable(
            1.0, "variable", dtype or "float32"
        )

    def _backend_update_step(self, grads, variables, learning_rate):
        u_t, u_t_1, u_product_t, correction_2 = self._schedule(variables)
        u_product_t_1 = u_product_t * u_t_1
        m = self._gather(self._momentums)
        v = self._gather(self._velocities)
        torch._foreach_mul_(m, self.beta_1)
        torch._foreach_add_(m, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - self.beta_2)
        m_hat = _traced.mul(m, u_t_1 / (1 - u_product_t_1))
        _traced.add_scaled_(m_hat, grads, (1 - u_t) / (1 - u_product_t))
        denominators = _traced.div(v, correction_2)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        _traced.addcdiv_(variables, m_hat, denominators, -learning_rate)

    def _schedule(self, variables):
        """`(u_t, u_t+1, u_product_t, 1 - beta_2**t)` in the weights'
        precision (NumPy scalars, or 0-d tensors in a compiled graph);
        stores the new running product."""
        if _traced.traced():
            step = _traced.local_step(self, variables[0].dtype)
            u_t = self.beta_1 * (1 - 0.5 * 0.96 ** step)
            u_t_1 = self.beta_1 * (1 - 0.5 * 0.96 ** (step + 1))
            u_product_t = self._u_product.to(step.dtype) * u_t
            self._u_product.copy_(u_product_t)
            return u_t, u_t_1, u_product_t, 1 - self.beta_2 ** step
        f = scalar_type(variables)
        step = f(self._local_step)
        beta_1, beta_2, decay = f(self.beta_1), f(self.beta_2), f(0.96)
        u_t = beta_1 * (1 - f(0.5) * decay**step)
        u_t_1 = beta_1 * (1 - f(0.5) * decay ** (step + 1))
        u_product_t = f(float(self._u_product)) * u_t
        self._u_product.data.fill_(float(u_product_t))
        return u_t, u_t_1, u_product_t, 1 - beta_2**step

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        })
        return config
