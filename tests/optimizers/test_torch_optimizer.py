"""`torch.optim` optimizers (classes and instances) behind the Keras API."""

import pytest
import torch

import lamina.optimizers as optimizers
from lamina.layers.variable import Variable


def make_variables(seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [Variable(torch.randn(3, 2, generator=generator), name="kernel",
                     path="dense/kernel"),
            Variable(torch.randn(2, generator=generator), name="bias",
                     path="dense/bias")]


def grad_sequence(steps=4):
    generator = torch.Generator().manual_seed(1)
    return [[torch.randn(3, 2, generator=generator),
             torch.randn(2, generator=generator)] for _ in range(steps)]


def reference_run(optimizer_class, **kwargs):
    params = [torch.nn.Parameter(v.detach().clone()) for v in make_variables()]
    optimizer = optimizer_class(params, **kwargs)
    for grads in grad_sequence():
        for p, g in zip(params, grads):
            p.grad = g
        optimizer.step()
    return params


def test_class_is_instantiated_lazily_on_build():
    optimizer = optimizers.get(torch.optim.AdamW)
    assert isinstance(optimizer, optimizers.TorchOptimizer)
    assert isinstance(optimizer, optimizers.Optimizer)
    assert optimizer.torch_optimizer is None
    assert float(optimizer.learning_rate) == pytest.approx(0.001)
    variables = make_variables()
    for grads in grad_sequence():
        optimizer.apply(grads, variables)
    assert isinstance(optimizer.torch_optimizer, torch.optim.AdamW)
    for v, p in zip(variables, reference_run(torch.optim.AdamW)):
        torch.testing.assert_close(v.detach(), p.detach())
    assert int(optimizer.iterations) == 4
    # iteration + AdamW's (step, exp_avg, exp_avg_sq) per parameter.
    assert len(optimizer.variables) == 1 + 3 * 2


def test_class_with_kwargs_and_learning_rate_setter():
    optimizer = optimizers.TorchOptimizer(torch.optim.SGD, lr=0.5,
                                          momentum=0.9)
    variables = make_variables()
    optimizer.apply_gradients(zip(grad_sequence()[0], variables))
    optimizer.learning_rate = 0.1
    assert optimizer.torch_optimizer.param_groups[0]["lr"] == 0.1
    assert float(optimizer.learning_rate) == pytest.approx(0.1)
    for grads in grad_sequence()[1:]:
        optimizer.apply(grads, variables)
    params = [torch.nn.Parameter(v.detach().clone()) for v in make_variables()]
    reference = torch.optim.SGD(params, lr=0.5, momentum=0.9)
    for step, grads in enumerate(grad_sequence()):
        if step == 1:
            reference.param_groups[0]["lr"] = 0.1
        for p, g in zip(params, grads):
            p.grad = g
        reference.step()
    for v, p in zip(variables, params):
        torch.testing.assert_close(v.detach(), p.detach())


def test_instance_uses_its_param_groups():
    variables = make_variables()
    instance = torch.optim.Adam(variables, lr=0.05)
    optimizer = optimizers.get(instance)
    assert optimizer.torch_optimizer is instance
    for grads in grad_sequence():
        optimizer.apply(grads, variables)
    for v, p in zip(variables, reference_run(torch.optim.Adam, lr=0.05)):
        torch.testing.assert_close(v.detach(), p.detach())
    assert float(optimizer.learning_rate) == pytest.approx(0.05)


def test_schedule_drives_torch_learning_rate():
    optimizer = optimizers.TorchOptimizer(torch.optim.SGD)
    optimizer.learning_rate = optimizers.schedules.ExponentialDecay(1.0, 1,
                                                                    0.5)
    variables = make_variables()
    start = variables[1].detach().clone()
    for _ in range(3):
        optimizer.apply([None, torch.ones(2)], variables)
    torch.testing.assert_close(variables[1].detach(), start - 1.75)
    assert float(optimizer.learning_rate) == pytest.approx(0.125)


def test_state_dict_round_trip_and_config():
    variables = make_variables()
    optimizer = optimizers.TorchOptimizer(torch.optim.Adam, lr=0.01)
    optimizer.apply(grad_sequence()[0], variables)
    state = optimizer.state_dict()
    other = optimizers.TorchOptimizer(torch.optim.Adam, lr=0.01)
    other.build(variables)
    other.load_state_dict(state)
    assert int(other.iterations) == 1
    config = optimizer.get_config()
    assert config["optimizer"] == "Adam" and config["lr"] == 0.01
    restored = optimizers.deserialize(optimizers.serialize(optimizer))
    assert isinstance(restored, optimizers.TorchOptimizer)
    assert restored.optimizer_class is torch.optim.Adam


def test_errors():
    with pytest.raises(ValueError, match="`torch.optim.Optimizer` subclass"):
        optimizers.TorchOptimizer("adam")
    variables = make_variables()
    with pytest.raises(ValueError, match="only accepted with a torch"):
        optimizers.TorchOptimizer(torch.optim.SGD(variables, lr=0.1), lr=1.0)
    partial = optimizers.get(torch.optim.SGD(variables[:1], lr=0.1))
    with pytest.raises(ValueError, match="1 of the 2 variables are not"):
        partial.apply(grad_sequence()[0], variables)
    with pytest.raises(ValueError, match="must already be built"):
        optimizers.get(torch.optim.SGD).apply(grad_sequence()[0])
    with pytest.raises(ValueError, match="only `torch.optim` classes"):
        optimizers.TorchOptimizer.from_config({"optimizer": "os.system"})


def test_save_and_load_own_variables():
    variables = make_variables()
    optimizer = optimizers.TorchOptimizer(torch.optim.Adam)
    optimizer.apply(grad_sequence()[0], variables)
    store = {}
    optimizer.save_own_variables(store)
    other = optimizers.TorchOptimizer(torch.optim.Adam)
    other.apply(grad_sequence()[1], variables)
    other.load_own_variables(store)
    for a, b in zip(optimizer.variables, other.variables):
        torch.testing.assert_close(a, b)
