"""FTRL-Proximal (McMahan et al., 2013), for large sparse linear models."""

import torch

from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin


def _check_non_negative(name, value):
    if value < 0.0:
        raise ValueError(
            f"`{name}` needs to be positive or zero. Received: "
            f"{name}={value}."
        )


@register_builtin("ftrl")
class Ftrl(Optimizer):
    """Follow The Regularized Leader, with L1, L2 and L2-shrinkage terms.

    Per step: `n_new = n + g**2`,
    `z += g + 2*l2_shrinkage*w - (n_new**-p - n**-p) / lr * w`,
    `w = (clip(z, -l1, l1) - z) / (n_new**-p / lr + 2*l2)` with
    `p = learning_rate_power` and `l2` including `beta / (2 * lr)`.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
        learning_rate_power: Float <= 0, how the rate shrinks with `n`.
        initial_accumulator_value: Float >= 0, start of the accumulators.
        l1_regularization_strength: Float >= 0.
        l2_regularization_strength: Float >= 0 (stabilization penalty).
        l2_shrinkage_regularization_strength: Float >= 0 (magnitude
            penalty, applied through the gradient).
        beta: Float, as in the paper; adds `beta / (2 * lr)` to L2.
        **base arguments: `weight_decay`, `clipnorm`, `clipvalue`,
            `global_clipnorm`, `use_ema`, `ema_momentum`,
            `ema_overwrite_frequency`, `loss_scale_factor`,
            `gradient_accumulation_steps`, `name`; see `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
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
        _check_non_negative("initial_accumulator_value",
                            initial_accumulator_value)
        if learning_rate_power > 0.0:
            raise ValueError(
                "`learning_rate_power` needs to be negative or zero. "
                f"Received: learning_rate_power={learning_rate_power}."
            )
        _check_non_negative("l1_regularization_strength",
                            l1_regularization_strength)
        _check_non_negative("l2_regularization_strength",
                            l2_regularization_strength)
        _check_non_negative("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = (
            l2_shrinkage_regularization_strength
        )
        self.beta = beta

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"],
        )

    def _backend_update_step(self, grads, variables, learning_rate):
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        accumulators = self._gather(self._accumulators)
        linears = self._gather(self._linears)
        grads_to_use = torch._foreach_add(
            grads, torch._foreach_mul(
                variables, 2 * self.l2_shrinkage_regularization_strength
            ),
        )
        new_accumulators = torch._foreach_addcmul(accumulators, grads, grads)
        new_powers = torch._foreach_pow(new_accumulators, power)
        sigmas = torch._foreach_sub(
            new_powers, torch._foreach_pow(accumulators, power)
        )
        torch._foreach_div_(sigmas, learning_rate)
        torch._foreach_mul_(sigmas, variables)
        torch._foreach_add_(linears, torch._foreach_sub(grads_to_use, sigmas))
        quadratics = torch._foreach_div(new_powers, learning_rate)
        torch._foreach_add_(quadratics, 2 * l2)
        clipped = torch._foreach_clamp_max(
            torch._foreach_clamp_min(linears, -l1), l1
        )
        torch._foreach_sub_(clipped, linears)
        torch._foreach_div_(clipped, quadratics)
        _copy_all(variables, clipped)
        _copy_all(accumulators, new_accumulators)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": (
                self.l2_shrinkage_regularization_strength
            ),
            "beta": self.beta,
        })
        return config


def _copy_all(targets, sources):
    """Copies each of `sources` into its target in place. Sharded
    (DTensor) targets, under ModelParallel, are copied one by one: DTensor
    has no sharding rule for the fused `_foreach_copy_`."""
    if any(hasattr(t, "device_mesh") for t in targets):
        for target, source in zip(targets, sources):
            target.copy_(source)
    else:
        torch._foreach_copy_(targets, sources)
