"""Learning-rate schedules against Keras 3: values, configs, serialization."""

import numpy as np
import pytest
import torch

from lamina.optimizers import schedules

STEPS = [0, 1, 2, 3, 5, 7, 10, 15, 17, 31, 50, 100, 1000]

CASES = {
    "exponential": ("ExponentialDecay", (0.1, 10, 0.5), {}),
    "exponential_staircase": ("ExponentialDecay", (0.1, 5, 0.9),
                              {"staircase": True}),
    "piecewise": ("PiecewiseConstantDecay", ([5, 10, 20], [1.0, 0.5, 0.1,
                                                           0.01]), {}),
    "piecewise_int": ("PiecewiseConstantDecay", ([3], [4, 2]), {}),
    "polynomial": ("PolynomialDecay", (0.1, 20), {}),
    "polynomial_power_cycle": ("PolynomialDecay", (0.1, 7),
                               {"end_learning_rate": 0.01, "power": 0.5,
                                "cycle": True}),
    "inverse_time": ("InverseTimeDecay", (0.1, 4, 0.5), {}),
    "inverse_time_staircase": ("InverseTimeDecay", (0.1, 4, 0.5),
                               {"staircase": True}),
    "cosine": ("CosineDecay", (0.1, 30), {"alpha": 0.1}),
    "cosine_warmup": ("CosineDecay", (0.0, 40),
                      {"warmup_target": 0.2, "warmup_steps": 10}),
    "cosine_warmup_zero_steps": ("CosineDecay", (0.05, 40),
                                 {"warmup_target": 0.2}),
    "cosine_restarts": ("CosineDecayRestarts", (0.1, 5), {}),
    "cosine_restarts_t1": ("CosineDecayRestarts", (0.1, 4),
                           {"t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1}),
    "cosine_restarts_t3": ("CosineDecayRestarts", (0.1, 3),
                           {"t_mul": 3.0, "m_mul": 0.9}),
}


def build(module, case):
    class_name, args, kwargs = CASES[case]
    return getattr(module, class_name)(*args, **kwargs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_config_match_keras(keras_ref, case):
    keras_schedule = build(keras_ref.optimizers.schedules, case)
    schedule = build(schedules, case)
    for step in STEPS:
        expected = keras_ref.ops.convert_to_numpy(keras_schedule(step))
        actual = schedule(step)
        assert torch.is_tensor(actual)
        assert str(actual.dtype).replace("torch.", "") == str(expected.dtype)
        np.testing.assert_allclose(actual.cpu().numpy(), expected, rtol=1e-6,
                                   atol=1e-9, err_msg=f"step {step}")
        # A tensor step (the optimizer's counter) gives the same value.
        np.testing.assert_allclose(
            schedule(torch.tensor(step, dtype=torch.int32)).cpu().numpy(),
            expected, rtol=1e-6, atol=1e-9)
    assert schedule.get_config() == keras_schedule.get_config()
    keras_config = keras_ref.optimizers.schedules.serialize(keras_schedule)
    assert schedules.serialize(schedule) == keras_config
    restored = schedules.deserialize(keras_config)
    assert type(restored) is type(schedule)
    assert restored.get_config() == schedule.get_config()


def test_custom_schedule_subclass():
    class HalfEveryStep(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / (2.0 ** torch.as_tensor(step, dtype=torch.float32))

    schedule = HalfEveryStep()
    assert float(schedule(3)) == 0.125
    with pytest.raises(TypeError, match="must override `get_config"):
        schedule.get_config()

    class NoCall(schedules.LearningRateSchedule):
        pass

    with pytest.raises(TypeError):
        NoCall()


@pytest.mark.parametrize("factory, match", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "`decay_steps` must be"),
    (lambda: schedules.PolynomialDecay(0.1, -1), "`decay_steps` must be"),
    (lambda: schedules.InverseTimeDecay(0.1, 0, 0.5), "`decay_steps` must be"),
    (lambda: schedules.CosineDecay(0.1, 0), "`decay_steps` must be"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0), "`first_decay_steps`"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [1.0]),
     "boundaries should be 1 less"),
])
def test_invalid_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()
