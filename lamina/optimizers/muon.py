"""Muon: momentum orthogonalized by Newton-Schulz iterations for 2D
weights, AdamW for the rest (Jordan et al., 2024; Moonlight scaling)."""

import re

import torch

from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.base_optimizer import register_builtin


@register_builtin("muon")
class Muon(Optimizer):
    """Muon for matrices, AdamW for everything else, as in Keras 3.

    A 2D weight (not an embedding when `exclude_embeddings`, not matching
    `exclude_layers`) keeps a momentum `m = momentum * m + g` and moves by
    `lr * O(g + momentum * m) * sqrt(max(rows, cols)) * rms_rate`, where
    `O` orthogonalizes by `ns_steps` quintic Newton-Schulz iterations with
    coefficients `(muon_a, muon_b, muon_c)`. Other weights follow AdamW at
    `lr * adam_lr_ratio`, decayed by `adam_weight_decay`.

    Args:
        learning_rate: Float, `LearningRateSchedule` or callable.
        adam_beta_1, adam_beta_2, epsilon: AdamW's moment decays and
            stability constant.
        adam_weight_decay: decay of the AdamW-updated weights.
        weight_decay: decay of the Muon-updated weights.
        exclude_layers: regular expressions; weights whose path matches
            one use AdamW.
        exclude_embeddings: weights whose path contains "embedding" use
            AdamW.
        muon_a, muon_b, muon_c: Newton-Schulz coefficients.
        adam_lr_ratio: AdamW's learning rate relative to `learning_rate`.
        momentum: Muon's momentum.
        ns_steps: Newton-Schulz iterations.
        nesterov: use the Nesterov momentum for the direction.
        rms_rate: Moonlight's update scale (None: unscaled).
        **base arguments: `clipnorm`, `clipvalue`, `global_clipnorm`,
            `use_ema`, `ema_momentum`, `ema_overwrite_frequency`,
            `loss_scale_factor`, `gradient_accumulation_steps`, `name`.
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9,
                 adam_beta_2=0.999, adam_weight_decay=0.004, epsilon=1e-7,
                 weight_decay=0.004, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None,
                 exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True,
                 rms_rate=0.2, **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay,
            clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        if variable.ndim != 2:
            return True
        path = getattr(variable, "path", None) or ""
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path)
                   for pattern in self.exclude_layers)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._adam_velocities = [], []
        for variable in var_list:
            if getattr(variable, "overwrite_with_gradient", False):
                self._momentums.append(None)
                self._adam_velocities.append(None)
                continue
            self._momentums.append(
                self.add_variable_from_reference(variable, "momentum"))
            self._adam_velocities.append(
                self.add_variable_from_reference(variable, "velocity")
                if self._should_use_adamw(variable) else None)

    def _apply_weight_decay(self, variables, learning_rate):
        for variable in variables:
            if not self._use_weight_decay(variable):
                continue
            decay = self.adam_weight_decay if self._should_use_adamw(
                variable) else self.weight_decay
            if decay is not None:
                variable.mul_(1 - decay * learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._adam_velocities[index]
        gradient = gradient.to(variable.dtype)
        if v is not None:
            self._adamw_update(gradient, variable,
                               learning_rate * self.adam_lr_ratio, m, v)
        else:
            self._muon_update(gradient, variable, learning_rate, m)

    def _muon_update(self, gradient, variable, learning_rate, m):
        m.mul_(self.momentum).add_(gradient)
        direction = gradient + self.momentum * m if self.nesterov else m
        update = self.zeropower_via_newtonschulz5(direction, self.ns_steps)
        if self.rms_rate is not None:
            update = update * (max(update.shape[0], update.shape[1]) ** 0.5
                               * self.rms_rate)
        variable.sub_(learning_rate * update)

    def _adamw_update(self, gradient, variable, learning_rate, m, v):
        step = self._local_step
        alpha = learning_rate * (1 - self.adam_beta_2 ** step) ** 0.5 / (
            1 - self.adam_beta_1 ** step)
        m.add_(gradient - m, alpha=1 - self.adam_beta_1)
        v.add_(gradient.square() - v, alpha=1 - self.adam_beta_2)
        variable.sub_(m * alpha / (v.sqrt() + self.epsilon))

    def zeropower_via_newtonschulz5(self, x, steps):
        """An approximate orthogonalization `U V^T` of `x` (at least 2D) by
        quintic Newton-Schulz iterations."""
        if x.ndim < 2:
            raise ValueError(
                "Expected gradient or momentum to have at least 2 "
                f"dimensions. Received: shape={tuple(x.shape)}")
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = x.transpose(-2, -1)
        x = x / (torch.linalg.matrix_norm(x, keepdim=True) + 1e-7)
        for _ in range(steps):
            gram = x @ x.transpose(-2, -1)
            x = a * x + (b * gram + c * gram @ gram) @ x
        return x.transpose(-2, -1) if tall else x

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        })
        return config
