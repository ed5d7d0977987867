"""The functional graph's plan: each intermediate tensor is dropped after
its last use, as a hand-written torch forward drops it."""

import weakref

import torch

import lamina
from lamina import layers


class Probe(layers.Layer):
    """Identity-like layer recording a weak reference to its output and,
    when called, whether the watched tensors were still alive."""

    def __init__(self, watch=(), **kwargs):
        super().__init__(**kwargs)
        self.watch = watch
        self.output_ref = None
        self.alive_at_call = None

    def call(self, inputs):
        self.alive_at_call = [p.output_ref() is not None for p in self.watch]
        outputs = inputs * 2.0
        self.output_ref = weakref.ref(outputs)
        return outputs


def test_intermediates_are_dropped_after_their_last_use():
    inputs = lamina.Input((3,))
    first = Probe(name="first")
    second = Probe(watch=(first,), name="second")
    third = Probe(watch=(first, second), name="third")
    a = first(inputs)
    b = second(a)
    skip = layers.Add()([b, a])   # `a`'s last use
    c = third(skip)
    model = lamina.Model(inputs, [c, b])
    with torch.no_grad():
        c_value, b_value = model(torch.ones(2, 3))
    assert second.alive_at_call == [True]   # `a` is still needed by Add
    # After Add, `a` is gone; `b` is a model output, so it is kept.
    assert third.alive_at_call == [False, True]
    torch.testing.assert_close(c_value, torch.full((2, 3), 12.0))
    torch.testing.assert_close(b_value, torch.full((2, 3), 4.0))


def test_a_layer_output_used_twice_is_kept_until_the_second_use():
    inputs = lamina.Input((3,))
    shared = layers.Dense(3)
    x = shared(inputs)
    y = layers.Dense(3)(x)
    z = layers.Concatenate()([x, y, x])
    model = lamina.Model(inputs, z)
    out = model(torch.ones(2, 3))
    assert out.shape == (2, 9)
    torch.testing.assert_close(out[:, :3], out[:, 6:])
