"""The optimizer base: Keras 2 arguments, state, learning rate, errors."""

import numpy as np
import pytest
import torch

import lamina.optimizers as optimizers
from lamina.layers.variable import Variable


def make_variables(*shapes, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [
        Variable(torch.randn(shape, generator=generator), name=f"w{i}",
                 path=f"layer/w{i}")
        for i, shape in enumerate(shapes)
    ]


def fixed_grads(variables, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(v.shape, generator=generator) for v in variables]


def test_keras2_lr_and_decay():
    variables = make_variables((3,), (2, 2))
    start = [v.detach().clone() for v in variables]
    optimizer = optimizers.SGD(lr=0.1, decay=0.5)
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.1)
    assert optimizer.get_config()["decay"] == 0.5
    total = [torch.zeros_like(v) for v in variables]
    for step in range(4):
        grads = fixed_grads(variables, seed=step)
        optimizer.apply(grads, variables)
        # Keras 2 time-based decay: lr / (1 + decay * iterations).
        for t, g in zip(total, grads):
            t += 0.1 / (1 + 0.5 * step) * g
    for v, s, t in zip(variables, start, total):
        np.testing.assert_allclose(v.detach().cpu().numpy(),
                                   (s - t).cpu().numpy(),
                                   rtol=1e-5,
                                   atol=1e-6)
    # `lr` reads and writes the (undecayed) learning rate, as in Keras 2.
    optimizer.lr = 0.5
    assert float(optimizer.learning_rate) == 0.5
    restored = optimizers.SGD.from_config(optimizer.get_config())
    assert restored.decay == 0.5


def test_keras2_optimizer_config_keys_are_accepted():
    config = optimizers.Adam().get_config()
    config.update({"decay": 0.0, "jit_compile": True,
                   "is_legacy_optimizer": False})
    restored = optimizers.Adam.from_config(config)
    assert "decay" not in restored.get_config()


def test_iterations_and_learning_rate_variables():
    variables = make_variables((2,))
    optimizer = optimizers.Adam(learning_rate=0.01, name="opt")
    assert optimizer.iterations.dtype == torch.int32
    assert optimizer.iterations.device.type == "cpu"
    assert int(optimizer.iterations) == 0
    optimizer.apply(fixed_grads(variables), variables)
    optimizer.apply_gradients(zip(fixed_grads(variables), variables))
    assert int(optimizer.iterations) == 2
    assert [v.path for v in optimizer.variables] == [
        "opt/iteration", "opt/learning_rate", "opt/layer_w0_momentum",
        "opt/layer_w0_velocity",
    ]
    optimizer.learning_rate = 0.5
    assert float(optimizer.learning_rate) == 0.5
    assert float(optimizer.variables[1]) == 0.5


def test_learning_rate_schedule_and_callable():
    schedule = optimizers.schedules.ExponentialDecay(1.0, 1, 0.5)
    optimizer = optimizers.SGD(learning_rate=schedule)
    assert [v.name for v in optimizer.variables] == ["iteration"]
    variables = make_variables((2,))
    start = variables[0].detach().clone()
    grads = [torch.ones(2)]
    optimizer.apply(grads, variables)
    optimizer.apply(grads, variables)
    # Steps 0 and 1 use rates 1.0 and 0.5; reading now gives step 2's.
    np.testing.assert_allclose(variables[0].detach().cpu().numpy(),
                               start - 1.5,
                               rtol=1e-6)
    assert float(optimizer.learning_rate) == pytest.approx(0.25)
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.1
    fixed = optimizers.SGD(learning_rate=lambda: 0.25)
    assert fixed.learning_rate == 0.25
    # Switching a float optimizer to a schedule drops its variable.
    plain = optimizers.SGD(0.1)
    plain.learning_rate = schedule
    assert [v.name for v in plain.variables] == ["iteration"]


def test_none_gradients_are_skipped_with_warning():
    variables = make_variables((2,), (3,))
    start = variables[1].detach().clone()
    optimizer = optimizers.SGD(0.1, momentum=0.9)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        optimizer.apply([torch.ones(2), None], variables)
    torch.testing.assert_close(variables[1].detach(), start)
    assert float(optimizer.momentums[1].abs().sum()) == 0.0
    with pytest.raises(ValueError, match="No gradients provided"):
        optimizer.apply([None, None], variables)


def test_gradients_are_not_modified():
    variables = make_variables((4,), (2, 3))
    grads = fixed_grads(variables)
    copies = [g.clone() for g in grads]
    optimizer = optimizers.Adam(0.1, clipnorm=0.1, loss_scale_factor=2.0)
    optimizer.apply(grads, variables)
    for g, c in zip(grads, copies):
        torch.testing.assert_close(g, c)


def test_constraints_applied_after_update():
    variable = Variable(torch.zeros(3), name="w", path="w",
                        constraint=lambda w: torch.clamp(w, -0.05, 0.05))
    optimizers.SGD(1.0).apply([torch.tensor([1.0, -1.0, 0.01])], [variable])
    np.testing.assert_allclose(variable.detach().cpu().numpy(),
                               [-0.05, 0.05, -0.01],
                               rtol=1e-6)


def test_plain_parameters_and_numpy_gradients():
    parameter = torch.nn.Parameter(torch.ones(2))
    optimizer = optimizers.SGD(0.5, momentum=0.5)
    optimizer.apply([np.array([1.0, 2.0], "float32")], [parameter])
    np.testing.assert_allclose(parameter.detach().cpu().numpy(), [0.5, 0.0])
    assert optimizer.variables[-1].name == "variable_momentum"


def test_slots_follow_variable_dtype_and_device():
    variables = [Variable(torch.ones(2, dtype=torch.float64), name="w",
                          path="w")]
    optimizer = optimizers.Adam(0.1)
    optimizer.apply([torch.ones(2, dtype=torch.float64)], variables)
    for slot in optimizer.variables[2:]:
        assert slot.dtype == torch.float64
        assert slot.device == variables[0].device
        assert not slot.requires_grad


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_variables_keep_state_next_to_them():
    variables = [Variable(torch.ones(4, device="cuda"), name="w", path="w")]
    optimizer = optimizers.Adam(0.1, global_clipnorm=1.0, use_ema=True)
    optimizer.apply([torch.ones(4, device="cuda")], variables)
    assert all(v.device.type == "cuda" for v in optimizer.variables[2:])
    assert optimizer.iterations.device.type == "cpu"
    cpu = [Variable(torch.ones(4), name="w", path="w")]
    optimizers.Adam(0.1, global_clipnorm=1.0, use_ema=True).apply(
        [torch.ones(4)], cpu)
    np.testing.assert_allclose(variables[0].detach().cpu().numpy(),
                               cpu[0].cpu().numpy(), rtol=1e-6)


def test_weight_decay_exclusion_by_variable():
    variables = make_variables((2,), (2,))
    start = [v.detach().clone() for v in variables]
    optimizer = optimizers.SGD(0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[variables[1]])
    optimizer.apply([torch.zeros(2), torch.zeros(2)], variables)
    torch.testing.assert_close(variables[0].detach(), start[0] * 0.95)
    torch.testing.assert_close(variables[1].detach(), start[1])


def test_ema_finalize_variable_values():
    variables = make_variables((3,))
    optimizer = optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5)
    history = []
    for step in range(3):
        optimizer.apply([torch.ones(3)], variables)
        history.append(variables[0].detach().clone())
    expected = history[0]
    for value in history[1:]:
        expected = 0.5 * expected + 0.5 * value
    optimizer.finalize_variable_values(variables)
    torch.testing.assert_close(variables[0].detach(), expected)


def test_gradient_accumulation_updates_every_n_steps():
    variables = make_variables((2,))
    start = variables[0].detach().clone()
    optimizer = optimizers.SGD(1.0, gradient_accumulation_steps=3)
    for value in (1.0, 2.0):
        optimizer.apply([torch.full((2,), value)], variables)
        torch.testing.assert_close(variables[0].detach(), start)
    optimizer.apply([torch.full((2,), 6.0)], variables)
    torch.testing.assert_close(variables[0].detach(), start - 3.0)
    assert int(optimizer.iterations) == 1
    assert float(optimizer._accumulated_gradients[0].abs().sum()) == 0.0


def test_custom_update_step_optimizer():
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, learning_rate * torch.sign(gradient))

    variables = make_variables((3,))
    start = variables[0].detach().clone()
    optimizer = SignSGD()
    optimizer.apply([torch.tensor([2.0, -3.0, 0.0])], variables)
    torch.testing.assert_close(variables[0].detach(),
                               start - torch.tensor([0.1, -0.1, 0.0]))
    assert optimizer.name == "sign_sgd"

    class Incomplete(optimizers.Optimizer):
        pass

    with pytest.raises(TypeError, match="must override `update_step"):
        Incomplete(0.1).apply([torch.ones(3)], variables)


def test_save_and_load_own_variables():
    variables = make_variables((2, 2), (2,))
    optimizer = optimizers.Adam(0.1)
    optimizer.apply(fixed_grads(variables), variables)
    store = {}
    optimizer.save_own_variables(store)
    assert sorted(store) == [str(i) for i in range(6)]
    other = optimizers.Adam(0.1)
    other.build(variables)
    other.load_own_variables(store)
    for a, b in zip(optimizer.variables, other.variables):
        np.testing.assert_array_equal(a.cpu().numpy(), b.cpu().numpy())
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        optimizers.Adam(0.1).load_own_variables(store)
    other.set_weights([v.cpu().numpy() for v in optimizer.variables])
    with pytest.raises(ValueError, match="not compatible"):
        other.set_weights([np.zeros(3)] * 6)
    with pytest.raises(ValueError, match="not yet been built"):
        optimizers.Adam().set_weights([])


def test_scale_loss():
    assert optimizers.SGD(loss_scale_factor=4.0).scale_loss(2.0) == 8.0
    assert optimizers.SGD().scale_loss(2.0) == 2.0


@pytest.mark.parametrize("kwargs, match", [
    ({"foo": 1}, r"not recognized by Adam: \{'foo': 1\}"),
    ({"clipnorm": 1.0, "global_clipnorm": 1.0}, "Only one of `clipnorm`"),
    ({"clipnorm": 1.0, "clipvalue": 1.0}, "Only one of `clipnorm`"),
    ({"learning_rate": "fast"}, "`learning_rate` should be a float"),
    ({"learning_rate": None}, "`learning_rate` should be a float"),
    ({"gradient_accumulation_steps": 1}, "must be an integer >= 2"),
    ({"use_ema": True, "ema_momentum": 1.5}, r"range \[0, 1\]"),
    ({"use_ema": True, "ema_overwrite_frequency": 0.5}, "integer >= 1"),
    ({"decay": -1.0}, "`decay`"),
])
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.Adam(**kwargs)


def test_invalid_optimizer_specific_arguments():
    with pytest.raises(ValueError, match="`momentum` must be a float"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="`weight_decay` must be a float"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="`beta_1` must be in"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="`learning_rate_power`"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="`l1_regularization_strength`"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)


def test_apply_errors():
    variables = make_variables((2,))
    with pytest.raises(ValueError, match="must already be built"):
        optimizers.SGD().apply([torch.ones(2)])
    optimizer = optimizers.SGD()
    optimizer.apply([torch.ones(2)], variables)
    with pytest.raises(ValueError, match="Unknown variable: layer/w0"):
        optimizer.apply([torch.ones(2)], make_variables((2,)))
    with pytest.raises(ValueError, match="one gradient per variable"):
        optimizer.apply([torch.ones(2), torch.ones(2)], variables)
    optimizer.apply([torch.ones(2)])  # the built variables
    assert int(optimizer.iterations) == 2
    optimizer.apply([], variables)  # no-op
    assert int(optimizer.iterations) == 2


def test_apply_runs_without_grad_and_restores_grad_mode():
    # `apply` switches autograd off around the update (in-place on leaves)
    # and back on after it, also when the update raises.
    seen = []

    class Recording(optimizers.Optimizer):
        def __init__(self, fail=False):
            super().__init__(learning_rate=0.1)
            self.fail = fail

        def update_step(self, gradient, variable, learning_rate):
            seen.append(torch.is_grad_enabled())
            if self.fail:
                raise RuntimeError("update failed")
            variable.sub_(learning_rate * gradient)

    variables = make_variables((2,))
    Recording().apply([torch.ones(2)], variables)
    assert seen == [False] and torch.is_grad_enabled()
    with pytest.raises(RuntimeError, match="update failed"):
        Recording(fail=True).apply([torch.ones(2)], variables)
    assert torch.is_grad_enabled()


def test_iterations_count_from_an_assigned_value():
    variables = make_variables((2,))
    optimizer = optimizers.SGD()
    optimizer.apply([torch.ones(2)], variables)
    optimizer.iterations.assign(41)
    optimizer.apply([torch.ones(2)], variables)
    assert int(optimizer.iterations) == 42
    assert optimizer.iterations.dtype == torch.int32
