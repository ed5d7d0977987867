"""Learning-rate schedules: callables from the optimizer step to a rate.

Each schedule computes in the dtype Keras uses (float32 for a float initial
rate) with the same operation order, so values agree with Keras bit for bit
at restart boundaries and staircase edges, not just approximately.
"""

import abc
import math

import torch

from lamina import config
from lamina.saving import serialization
from lamina.saving.registry import Registry
from lamina.utils.dtypes import to_torch_dtype

SCHEDULES = Registry("learning rate schedule", "keras.optimizers.schedules")


def _as_tensor(value, device=None):
    """A 0-d tensor the way Keras converts Python scalars (int32, floatx)."""
    if torch.is_tensor(value):
        return value.to(device) if device is not None else value
    if isinstance(value, bool):
        dtype = torch.bool
    elif isinstance(value, int):
        dtype = torch.int32
    elif isinstance(value, float):
        dtype = to_torch_dtype(config.floatx())
    else:
        dtype = None
    return torch.as_tensor(value, dtype=dtype, device=device)


def _step_device(step):
    return step.device if torch.is_tensor(step) else None


def _initial_and_step(initial_learning_rate, step):
    """The initial rate as a tensor (on `step`'s device) and `step` cast to
    its dtype and device: schedules compute in the initial rate's dtype."""
    initial = _as_tensor(initial_learning_rate, _step_device(step))
    return initial, _as_tensor(step).to(initial.device, initial.dtype)


def _like(value, reference):
    """A 0-d tensor of `value` with `reference`'s dtype and device."""
    return torch.tensor(value, dtype=reference.dtype, device=reference.device)


def _validate_steps(name, value):
    if value <= 0:
        raise ValueError(
            f"Argument `{name}` must be > 0. Received: {name}={value}"
        )


class LearningRateSchedule(abc.ABC):
    """Base class of learning-rate schedules.

    A schedule is passed as an optimizer's `learning_rate`; the optimizer
    calls it with its iteration count before each update. Subclasses
    implement `__call__(step)` and, to be serializable, `get_config()`.
    """

    @abc.abstractmethod
    def __call__(self, step):
        """Returns the learning rate (a scalar tensor) at `step`."""

    def get_config(self):
        raise TypeError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@SCHEDULES.register()
class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive int, the step scale of the decay.
        decay_rate: Float, the factor applied every `decay_steps` steps.
        staircase: Bool; if True, `step / decay_steps` is floored so the
            rate drops in discrete jumps.
        name: String, kept in the config.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate,
                 staircase=False, name="ExponentialDecay"):
        _validate_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        initial, step = _initial_and_step(self.initial_learning_rate, step)
        p = step / _like(self.decay_steps, initial)
        if self.staircase:
            p = torch.floor(p)
        return initial * torch.pow(_like(self.decay_rate, initial), p)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@SCHEDULES.register()
class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[i]` while `boundaries[i-1] < step <= boundaries[i]`.

    Args:
        boundaries: Strictly increasing list of step numbers.
        values: List with one more entry than `boundaries`: the rate up to
            and including the first boundary, between boundaries, and
            after the last one.
        name: String, kept in the config.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length "
                f"of values. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, and values={values} of length "
                f"{len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        device = _step_device(step)
        step = _as_tensor(step, device)
        boundaries = [
            _as_tensor(b, step.device).to(step.dtype) for b in self.boundaries
        ]
        values = [_as_tensor(v, step.device) for v in self.values]
        # Sums indicator * value over the intervals, as Keras does, so the
        # result keeps the values' dtype (int32 values give an int32 rate).
        dtype = values[0].dtype
        result = (step <= boundaries[0]).to(dtype) * values[0]
        result = result + (step > boundaries[-1]).to(dtype) * values[-1]
        for low, high, value in zip(boundaries[:-1], boundaries[1:],
                                    values[1:-1]):
            result = result + ((step > low) & (step <= high)).to(dtype) * value
        return result

    def get_config(self):
        return {
            "boundaries": self.boundaries,
            "values": self.values,
            "name": self.name,
        }


@SCHEDULES.register()
class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate`.

    `(initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power
    + end`; with `cycle=True` the horizon grows to the first multiple of
    `decay_steps` past `step` instead of clamping.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive int, the length of the decay.
        end_learning_rate: Float, the rate reached after `decay_steps`.
        power: Float, the polynomial's power.
        cycle: Bool, whether to restart the decay past `decay_steps`.
        name: String, kept in the config.
    """

    def __init__(self, initial_learning_rate, decay_steps,
                 end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        _validate_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        initial, step = _initial_and_step(self.initial_learning_rate, step)
        end = _like(self.end_learning_rate, initial)
        power = _like(self.power, initial)
        decay_steps = _like(self.decay_steps, initial)
        if self.cycle:
            multiplier = torch.where(
                step == 0,
                _like(1.0, initial),
                torch.ceil(step / self.decay_steps),
            )
            decay_steps = decay_steps * multiplier
        else:
            step = torch.minimum(step, decay_steps)
        p = step / decay_steps
        return (initial - end) * torch.pow(1 - p, power) + end

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


@SCHEDULES.register()
class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive number, the step scale of the decay.
        decay_rate: Float, the decay rate.
        staircase: Bool; if True, `step / decay_steps` is floored.
        name: String, kept in the config.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate,
                 staircase=False, name="InverseTimeDecay"):
        _validate_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        initial, step = _initial_and_step(self.initial_learning_rate, step)
        p = step / _like(self.decay_steps, initial)
        if self.staircase:
            p = torch.floor(p)
        rate = _like(self.decay_rate, initial)
        return initial / (_like(1.0, initial) + rate * p)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@SCHEDULES.register()
class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then cosine decay (SGDR without restarts).

    Without `warmup_target` the rate decays from `initial_learning_rate` to
    `initial_learning_rate * alpha` over `decay_steps`. With it, the rate
    first rises linearly from `initial_learning_rate` to `warmup_target`
    over `warmup_steps`, then decays from `warmup_target` to
    `warmup_target * alpha` over `decay_steps`.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive int, the length of the decay.
        alpha: Float, the final rate as a fraction of the decay's start.
        name: String, kept in the config.
        warmup_target: Float or None, the rate reached after warmup.
        warmup_steps: Int, the length of the warmup.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0,
                 name="CosineDecay", warmup_target=None, warmup_steps=0):
        _validate_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay(self, step, decay_steps, decay_from):
        fraction = step / decay_steps
        pi = _like(math.pi, step)
        cosine = 0.5 * (1.0 + torch.cos(pi * fraction))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        initial, step = _initial_and_step(self.initial_learning_rate, step)
        decay_steps = _like(self.decay_steps, initial)
        if self.warmup_target is None:
            step = torch.minimum(step, decay_steps)
            return self._decay(step, decay_steps, initial)
        target = _like(self.warmup_target, initial)
        warmup_steps = _like(self.warmup_steps, initial)
        step = torch.minimum(step, decay_steps + warmup_steps)
        warmup = (target - initial) * (step / warmup_steps) + initial
        decay = self._decay(step - warmup_steps, decay_steps, target)
        # Both branches are cheap scalars; `where` avoids a host sync.
        return torch.where(step < warmup_steps, warmup, decay)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


@SCHEDULES.register()
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2016).

    The multiplier decays from 1 to `alpha` over `first_decay_steps`, then
    restarts; each period is `t_mul` times longer than the previous one and
    starts at `m_mul` times its rate.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        first_decay_steps: Positive int, the length of the first period.
        t_mul: Float, the growth factor of the period length.
        m_mul: Float, the factor on each restart's initial rate.
        alpha: Float, the minimum rate as a fraction of the initial one.
        name: String, kept in the config.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0,
                 m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        _validate_steps("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        initial, step = _initial_and_step(self.initial_learning_rate, step)
        alpha = _like(self.alpha, initial)
        t_mul = _like(self._t_mul, initial)
        m_mul = _like(self._m_mul, initial)
        fraction = step / _like(self.first_decay_steps, initial)
        if self._t_mul == 1.0:
            restart = torch.floor(fraction)
            fraction = fraction - restart
        else:
            # Period i spans t_mul**i; invert the geometric sum of lengths.
            restart = torch.floor(
                torch.log(1.0 - fraction * (1.0 - t_mul)) / torch.log(t_mul)
            )
            done = (1.0 - torch.pow(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - done) / torch.pow(t_mul, restart)
        m_fac = torch.pow(m_mul, restart)
        pi = _like(math.pi, initial)
        cosine = 0.5 * m_fac * (1.0 + torch.cos(pi * fraction))
        return initial * ((1 - alpha) * cosine + alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


def serialize(learning_rate_schedule):
    """Returns the schedule's config in Keras's serialized format."""
    return serialization.serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """Builds a schedule from `serialize`'s output (or a bare config dict)."""
    return serialization.deserialize_keras_object(
        config,
        custom_objects=custom_objects,
        module_objects=SCHEDULES.objects(),
    )
