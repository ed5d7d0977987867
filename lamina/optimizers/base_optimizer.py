"""The optimizer base class: Keras 3's API, updates as `torch._foreach_*` ops.

The per-step scalars (iteration count, learning rate, bias corrections) live
on the host, as torch.optim keeps its `step`: reading them never waits on
the accelerator, and each term of an update formula is one fused call over
all parameters.
"""

import inspect

import numpy as np
import torch

from lamina import config
from lamina.optimizers import _gradients
from lamina.optimizers import _variables
from lamina.optimizers import _weight_transforms
from lamina.optimizers.schedules import learning_rate_schedule as schedules
from lamina.saving import serialization
from lamina.saving.registry import Registry
from lamina.utils import naming

OPTIMIZERS = Registry("optimizer", "keras.optimizers")

# Module Keras 3 writes in configs for the optimizers it swaps for fused
# torch versions (`keras.src.backend.torch.optimizers.torch_adam`, ...).
TORCH_MODULE = "keras.src.backend.torch.optimizers.torch_"


def register_builtin(alias, torch_swapped=False):
    """Registers a built-in optimizer under the identity Keras 3 saves.

    Keras 3 on torch swaps Adam, SGD, ... for classes of its torch backend,
    so their configs name that module and (the classes not being exported)
    a `registered_name` equal to the class name.
    """

    def decorator(cls):
        if not torch_swapped:
            return OPTIMIZERS.register(alias)(cls)
        OPTIMIZERS.register(alias, keras_module=TORCH_MODULE + alias)(cls)
        cls._keras_registered_name = cls.__name__
        return cls

    return decorator


def serialize_optimizer(optimizer):
    """`serialize_keras_object`, with Keras's `registered_name` for the
    torch-swapped built-ins."""
    config = serialization.serialize_keras_object(optimizer)
    name = type(optimizer).__dict__.get("_keras_registered_name")
    if name and isinstance(config, dict) and not config.get("registered_name"):
        config["registered_name"] = name
    return config


def is_number(value):
    """True for real scalars (Python, NumPy, 0-d float tensors), not bools."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.number)):
        return True
    return torch.is_tensor(value) and value.ndim == 0 \
        and value.is_floating_point()


# Written in tf.keras 2.11+ optimizer configs; they change nothing here.
_IGNORED_KERAS2_KWARGS = ("jit_compile", "is_legacy_optimizer")


def scalar_type(variables):
    """NumPy scalar type for a step's coefficients: the weights' precision.

    Keras derives bias corrections in the variables' dtype, and in float32
    `1 - 0.999**t` loses about 1e-5 relative precision; computing the same
    way keeps updates within float rounding of Keras's.
    """
    if variables and variables[0].dtype == torch.float64:
        return np.float64
    return np.float32


def _is_schedule_or_callable(value):
    return isinstance(value, schedules.LearningRateSchedule) or (
        callable(value) and not torch.is_tensor(value)
    )


class Optimizer(_variables.OptimizerVariables,
                _weight_transforms.WeightTransforms):
    """Base class for optimizers.

    Subclasses create their slot variables in `build(var_list)` and update
    the weights either all at once in `_backend_update_step(grads,
    variables, learning_rate)` (the built-in optimizers, with foreach ops)
    or one weight at a time in `update_step(gradient, variable,
    learning_rate)` (Keras's extension API).

    Args:
        learning_rate: A float, a `LearningRateSchedule`, or a callable that
            takes no argument and returns the learning rate.
        weight_decay: Float or None. If set, each step first does
            `variable -= variable * weight_decay * learning_rate`.
        clipnorm: Float or None. Clips each gradient to this L2 norm.
        clipvalue: Float or None. Clips each gradient element to
            `[-clipvalue, clipvalue]`.
        global_clipnorm: Float or None. Clips all gradients together so
            that their global L2 norm is at most this value.
        use_ema: Bool. Keeps an exponential moving average of the weights.
        ema_momentum: Float in [0, 1], the EMA momentum.
        ema_overwrite_frequency: Int or None. Every this many steps, the
            weights are overwritten by their moving average.
        loss_scale_factor: Float or None. `scale_loss` multiplies the loss
            by it, and gradients are divided by it before the update.
        gradient_accumulation_steps: Int >= 2 or None. The weights are
            updated every this many steps, with the mean of the gradients
            accumulated since the last update.
        name: String. Defaults to the snake-cased class name, made unique.
        **kwargs: Keras 2 spellings: `lr` (the learning rate) and `decay`
            (time-based decay, `lr / (1 + decay * iterations)`).
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        for key in _IGNORED_KERAS2_KWARGS:
            kwargs.pop(key, None)
        if kwargs:
            raise ValueError(
                f"Argument(s) not recognized by {type(self).__name__}: "
                f"{kwargs}. Expected arguments among "
                f"{_signature_names(type(self))}."
            )
        if decay is not None and (not is_number(decay) or float(decay) < 0):
            raise ValueError(
                "Invalid value for argument `decay`. Expected a float >= 0 "
                f"(Keras 2 time-based decay). Received: decay={decay!r}"
            )
        if gradient_accumulation_steps and not (
            isinstance(gradient_accumulation_steps, int)
            and gradient_accumulation_steps >= 2
        ):
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                "Received: gradient_accumulation_steps="
                f"{gradient_accumulation_steps}"
            )
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError(
                    "`ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int)
                or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or "
                    "None. Received: ema_overwrite_frequency="
                    f"{ema_overwrite_frequency}"
                )
        if sum(a is not None for a in (clipnorm, clipvalue,
                                       global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` "
                f"can be set. Received: clipnorm={clipnorm}, "
                f"clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        self.name = name or naming.uniquify(
            naming.to_snake_case(type(self).__name__)
        )
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.decay = float(decay) if decay else 0.0
        self._init_variable_tracking()
        self._iterations = self._add_host_variable(0, "iteration", "int32")
        self._init_learning_rate(learning_rate)

    def _init_learning_rate(self, learning_rate):
        if _is_schedule_or_callable(learning_rate):
            self._learning_rate = learning_rate
        elif is_number(learning_rate):
            self._learning_rate = self._add_host_variable(
                float(learning_rate), "learning_rate", config.floatx()
            )
        else:
            raise ValueError(
                "Argument `learning_rate` should be a float, a "
                "`LearningRateSchedule`, or a callable (that takes no "
                "argument and returns the learning rate). Received: "
                f"learning_rate={learning_rate!r}"
            )

    # -- The step counter and the learning rate ---------------------------

    @property
    def iterations(self):
        """Steps taken (accumulation steps count once when accumulating)."""
        if self.gradient_accumulation_steps:
            return torch.div(self._iterations, self.gradient_accumulation_steps,
                             rounding_mode="floor")
        return self._iterations

    @property
    def learning_rate(self):
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        current = self._learning_rate
        if _is_schedule_or_callable(learning_rate):
            if isinstance(current, torch.Tensor):
                self._untrack_variable(current)
            self._learning_rate = learning_rate
        elif not is_number(learning_rate):
            raise ValueError(
                "Invalid value for `learning_rate`. Expected a float, a "
                "`LearningRateSchedule` or a callable. Received: "
                f"learning_rate={learning_rate!r}"
            )
        elif not isinstance(current, torch.Tensor):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` "
                "or a callable as its `learning_rate`, hence its learning "
                "rate is not settable to a float. Create the optimizer "
                "with a float `learning_rate` to be able to set it."
            )
        else:
            current.data.fill_(float(learning_rate))

    # Keras 2 spelling (`optimizer.lr`, `K.set_value(optimizer.lr, ...)`).
    lr = learning_rate

    def _get_current_learning_rate(self):
        learning_rate = self._learning_rate
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            return learning_rate(self._iterations)
        if callable(learning_rate) and not torch.is_tensor(learning_rate):
            return learning_rate()
        return learning_rate

    def _learning_rate_value(self):
        """This step's learning rate as a Python float (host scalars only)."""
        value = float(self._get_current_learning_rate())
        if self.decay:
            value = value / (1.0 + self.decay * self._iteration_value)
        return value

    @property
    def _local_step(self):
        """The 1-based step number Keras's bias corrections use."""
        step = self._iteration_value
        if self.gradient_accumulation_steps:
            step //= self.gradient_accumulation_steps
        return step + 1

    # -- Applying gradients -----------------------------------------------

    def apply_gradients(self, grads_and_vars):
        """Applies `(gradient, variable)` pairs; returns `iterations`."""
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Updates `trainable_variables` (or the built ones) from `grads`.

        Variables whose gradient is None are left alone. The first call
        with variables builds the optimizer on them.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer "
                    "must already be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
                self.built = True
        if len(grads) != len(trainable_variables):
            raise ValueError(
                "Expected one gradient per variable. Received "
                f"{len(grads)} gradients for {len(trainable_variables)} "
                "variables."
            )
        # `set_grad_enabled(False)` is `no_grad()` at half its cost per step.
        with torch.set_grad_enabled(False):
            self._follow_moved_weights(trainable_variables)
            grads, variables = _gradients.filter_empty_gradients(
                grads, trainable_variables
            )
            # Also rejects variables the optimizer was not built with.
            self._indices = self._variable_indices(variables)
            kept = self._overwrite_variables_with_gradients(grads, variables)
            if kept[1] is not variables:
                grads, variables = kept
                self._indices = self._variable_indices(variables)
            if grads:
                if self.loss_scale_factor is not None:
                    grads = torch._foreach_div(
                        grads, float(self.loss_scale_factor)
                    )
                self._backend_apply_gradients(grads, variables)
                for variable in variables:
                    constraint = getattr(variable, "constraint", None)
                    if constraint is not None:
                        variable.copy_(constraint(variable))
            _increment(self._iterations)

    def _backend_apply_gradients(self, grads, variables):
        self._iteration_value = int(self._iterations)
        learning_rate = self._learning_rate_value()
        steps = self.gradient_accumulation_steps
        if steps:
            accumulators = self._gather(self._accumulated_gradients)
            if (self._iteration_value + 1) % steps == 0:
                grads = torch._foreach_div(
                    torch._foreach_add(grads, accumulators), float(steps)
                )
                self._clip_decay_and_update(grads, variables, learning_rate)
                torch._foreach_zero_(
                    [a for a in self._accumulated_gradients if a is not None]
                )
            else:
                torch._foreach_add_(accumulators, grads)
        else:
            self._clip_decay_and_update(grads, variables, learning_rate)
        if self.use_ema:
            self._update_model_variables_moving_average(
                self._trainable_variables
            )
            frequency = self.ema_overwrite_frequency
            if frequency and self._local_step % frequency == 0:
                self._overwrite_model_variables_with_average_value(
                    self._trainable_variables
                )

    def _clip_decay_and_update(self, grads, variables, learning_rate):
        grads = self._clip_gradients(grads)
        self._apply_weight_decay(variables, learning_rate)
        self._backend_update_step(grads, variables, learning_rate)

    def _backend_update_step(self, grads, variables, learning_rate):
        """Updates all `variables`; built-ins override it with foreach ops."""
        for grad, variable in zip(grads, variables):
            self.update_step(grad, variable, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """Updates one variable; custom optimizers override this."""
        raise TypeError(
            f"Optimizer '{type(self).__name__}' must override "
            "`update_step(gradient, variable, learning_rate)` (or "
            "`_backend_update_step`) to apply gradients."
        )

    def _overwrite_variables_with_gradients(self, grads, variables):
        """Variables flagged `overwrite_with_gradient` take the gradient."""
        for variable in variables:
            if getattr(variable, "overwrite_with_gradient", False):
                break
        else:  # none flagged (a loop: no generator to make every step)
            return grads, variables
        kept_grads, kept_variables = [], []
        steps = self.gradient_accumulation_steps
        for grad, variable in zip(grads, variables):
            if not getattr(variable, "overwrite_with_gradient", False):
                kept_grads.append(grad)
                kept_variables.append(variable)
            elif steps:
                accumulator = self._accumulated_gradients[
                    self._get_variable_index(variable)
                ]
                # Accumulation keeps the running maximum (float8 scales).
                if (int(self._iterations) + 1) % steps == 0:
                    variable.copy_(torch.maximum(grad, accumulator))
                    accumulator.zero_()
                else:
                    accumulator.copy_(torch.maximum(grad, accumulator))
            else:
                variable.copy_(grad)
        return kept_grads, kept_variables

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return _gradients.clip_by_norm(grads, self.clipnorm)
        if self.global_clipnorm and self.global_clipnorm > 0:
            return _gradients.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return _gradients.clip_by_value(grads, self.clipvalue)
        return grads

    # -- Loss scaling, config -----------------------------------------------

    def scale_loss(self, loss):
        """Multiplies `loss` by `loss_scale_factor` when one is set."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def get_config(self):
        learning_rate = self._learning_rate
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(learning_rate)
        elif torch.is_tensor(learning_rate):
            learning_rate = float(learning_rate)
        else:
            learning_rate = serialization.serialize_keras_object(learning_rate)
        config_dict = {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay:
            # Keras 2's key; only written when used, so configs of
            # optimizers without decay are exactly Keras 3's.
            config_dict["decay"] = self.decay
        return config_dict

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = serialization.deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects,
                module_objects=schedules.SCHEDULES.objects(),
            )
        return cls(**config)


def _increment(counter):
    """`counter += 1` for a host integer counter: a read and a `fill_`
    cost a third of `add_(1)`, which wraps the 1 in a new tensor."""
    if counter.device.type == "cpu":
        counter.fill_(int(counter) + 1)
    else:
        counter.add_(1)


def _signature_names(cls):
    names = []
    for klass in (cls, Optimizer):
        for name, param in inspect.signature(klass.__init__).parameters.items():
            if name != "self" and param.kind == param.POSITIONAL_OR_KEYWORD \
                    and name not in names:
                names.append(name)
    return names + ["lr", "decay"]

