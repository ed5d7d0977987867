"""Transforms of the weights themselves: decoupled weight decay and EMA.

Both run as one fused foreach call over all affected weights per step.
"""

import re

import torch


class WeightTransforms:
    """Weight decay (with exclusions) and the weights' moving average."""

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes variables from weight decay.

        Args:
            var_list: Variables to exclude.
            var_names: Strings; a variable whose name contains any of them
                is excluded (e.g. `["bias"]`).
        """
        self._exclude_from_weight_decay = {id(v) for v in var_list or ()}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None
        )
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable):
        cache = self.__dict__.setdefault("_exclude_from_weight_decay_cache", {})
        key = id(variable)
        if key not in cache:
            pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
            name = getattr(variable, "name", None) or ""
            cache[key] = not (
                key in getattr(self, "_exclude_from_weight_decay", ())
                or (pattern is not None and pattern.search(name) is not None)
            )
        return cache[key]

    def _apply_weight_decay(self, variables, learning_rate):
        if self.weight_decay is None:
            return
        decayed = [v for v in variables if self._use_weight_decay(v)]
        if decayed:
            torch._foreach_mul_(decayed, 1 - self.weight_decay * learning_rate)

    def _update_model_variables_moving_average(self, trainable_variables):
        pairs = [(a, v) for a, v in zip(self._model_variables_moving_average,
                                        trainable_variables) if a is not None]
        if not pairs:
            return
        # The first step copies the weights: the average starts from them.
        momentum = self.ema_momentum if self._local_step > 1 else 0.0
        averages, variables = map(list, zip(*pairs))
        torch._foreach_lerp_(averages, variables, 1.0 - momentum)

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        averages = self._model_variables_moving_average
        if len(trainable_variables) != len(averages):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) "
                "to override does not match the length of model variables "
                f"stored in the optimizer ({len(averages)}). Please check if "
                "the optimizer was called on your model."
            )
        with torch.no_grad():
            for variable, average in zip(trainable_variables, averages):
                if average is not None:
                    variable.copy_(average)

    def finalize_variable_values(self, var_list):
        """With `use_ema`, sets `var_list` to its moving average."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)
