"""VarianceScaling and the Glorot / He / LeCun initializers."""

import math

import numpy as np
import pytest

from lamina import initializers

TRUNCATED_STDDEV = 0.87962566103423978
SHAPES = [(2000, 100), (4, 4, 64, 32)]


# (fan_in, fan_out) as Keras 3.15 computes them (its `compute_fans` is
# private, so the values are written here): a scalar counts as 1 x 1, a
# vector as n x n, a kernel multiplies its spatial sizes into both.
@pytest.mark.parametrize("shape,fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)),
    ((3, 3, 4, 8), (36, 72)), ((2, 3, 3, 4, 8), (72, 144)), ((5, 0), (5, 0)),
], ids=str)
def test_compute_fans_matches_keras(shape, fans):
    assert initializers.compute_fans(shape) == fans


def test_compute_fans_with_axes():
    shape = (4, 5, 6)
    assert initializers.compute_fans(shape, (0,), (1, 2)) == (4, 30)
    # Both must be given for the axes to count.
    assert initializers.compute_fans(shape, (0,)) == (20, 24)


def _expected(mode, scale, shape):
    fan_in, fan_out = initializers.compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out,
         "fan_avg": (fan_in + fan_out) / 2}[mode]
    return scale / max(1.0, n)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("distribution", ["truncated_normal",
                                          "untruncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_statistics(mode, distribution, shape):
    scale = 2.0
    out = initializers.VarianceScaling(
        scale=scale, mode=mode, distribution=distribution, seed=0
    )(shape).double()
    variance = _expected(mode, scale, shape)
    assert abs(out.mean().item()) < 0.05 * math.sqrt(variance)
    assert abs(out.var().item() / variance - 1) < 0.02
    if distribution == "uniform":
        assert out.abs().max().item() <= math.sqrt(3 * variance)
    elif distribution == "truncated_normal":
        bound = 2 * math.sqrt(variance) / TRUNCATED_STDDEV
        assert out.abs().max().item() < bound


NAMED = {
    "GlorotUniform": (1.0, "fan_avg", "uniform"),
    "GlorotNormal": (1.0, "fan_avg", "truncated_normal"),
    "HeNormal": (2.0, "fan_in", "truncated_normal"),
    "HeUniform": (2.0, "fan_in", "uniform"),
    "LecunNormal": (1.0, "fan_in", "truncated_normal"),
    "LecunUniform": (1.0, "fan_in", "uniform"),
}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_initializers_are_variance_scaling(keras_ref, name):
    scale, mode, distribution = NAMED[name]
    init = getattr(initializers, name)(seed=1)
    assert (init.scale, init.mode, init.distribution) == NAMED[name]
    # Same draws as the equivalent VarianceScaling.
    same = initializers.VarianceScaling(scale, mode, distribution, seed=1)
    np.testing.assert_array_equal(init((64, 32)), same((64, 32)))
    out = init((4, 4, 64, 32)).double()
    variance = _expected(mode, scale, (4, 4, 64, 32))
    assert abs(out.var().item() / variance - 1) < 0.03


@pytest.mark.parametrize("name", sorted(NAMED) + ["VarianceScaling"])
def test_configs_equal_keras(keras_ref, name):
    for kwargs in [{}, {"seed": 4}, {"seed": 4, "input_axes": [0],
                                     "output_axes": [1, 2]}]:
        ours = getattr(initializers, name)(**kwargs)
        theirs = getattr(keras_ref.initializers, name)(**kwargs)
        assert ours.get_config() == theirs.get_config()
        assert list(ours.get_config()) == list(theirs.get_config())
        assert initializers.serialize(ours) == \
            keras_ref.initializers.serialize(theirs)
        back = initializers.deserialize(initializers.serialize(ours))
        assert type(back) is type(ours)
        assert back.get_config() == ours.get_config()


def test_variance_scaling_full_config_equals_keras(keras_ref):
    kwargs = {"scale": 0.5, "mode": "fan_out", "distribution": "normal",
              "seed": 8}
    ours = initializers.VarianceScaling(**kwargs)
    theirs = keras_ref.initializers.VarianceScaling(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert ours.distribution == "truncated_normal"
    np.testing.assert_array_equal(
        ours((5, 6)).cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs((5, 6))),
    )


def test_input_and_output_axes_set_the_fans(keras_ref):
    kwargs = {"seed": 2, "input_axes": [0, 1], "output_axes": [2]}
    ours = initializers.GlorotUniform(**kwargs)((3, 4, 5))
    theirs = keras_ref.initializers.GlorotUniform(**kwargs)((3, 4, 5))
    np.testing.assert_array_equal(
        ours.cpu().numpy(), keras_ref.ops.convert_to_numpy(theirs)
    )
    limit = math.sqrt(6.0 / (12 + 5))
    assert ours.abs().max().item() <= limit


@pytest.mark.parametrize("scale", [0, -1.0, "big", None], ids=str)
def test_scale_must_be_positive(scale):
    with pytest.raises(ValueError, match="argument `scale`"):
        initializers.VarianceScaling(scale=scale)


def test_invalid_mode():
    with pytest.raises(ValueError, match="argument `mode`.*fan_avg"):
        initializers.VarianceScaling(mode="fan_middle")


@pytest.mark.parametrize("distribution", ["gaussian", None, 3], ids=str)
def test_invalid_distribution(distribution):
    with pytest.raises(ValueError, match="argument `distribution`"):
        initializers.VarianceScaling(distribution=distribution)


def test_distribution_is_case_insensitive():
    init = initializers.VarianceScaling(distribution="Uniform")
    assert init.distribution == "uniform"
