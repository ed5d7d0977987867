import warnings

import numpy as np
import pytest

import lamina
from lamina import layers


def test_seed_parameter_counts():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m1 = lamina.Sequential([layers.Dense(500, input_shape=(784,))])
        m2 = lamina.Sequential([
            layers.Dense(512, activation="relu", input_shape=(784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
        m3 = lamina.Sequential()
        m3.add(layers.Dense(64, input_dim=784))
        m3.add(layers.Dense(10))
    assert m1.count_params() == 392_500
    assert m2.count_params() == 669_706
    assert m3.count_params() == 50_890


def test_legacy_input_shape_warns_like_keras():
    with pytest.warns(UserWarning, match="Do not pass an `input_shape`"):
        lamina.Sequential([layers.Dense(2, input_shape=(3,))])


def test_input_first_add_pop_and_layers():
    model = lamina.Sequential([lamina.Input((3,))])
    model.add(layers.Dense(4))
    model.add(layers.Dense(2))
    assert model.built and model.output_shape == (None, 2)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense",
                                                                "Dense"]
    popped = model.pop()
    assert popped.units == 2 and model.output_shape == (None, 4)
    assert len(model.weights) == 2
    assert model(np.ones((5, 3))).shape == (5, 4)


def test_deferred_build_on_first_call_and_explicit_build():
    model = lamina.Sequential([layers.Dense(10), layers.Dense(3)])
    assert not model.built
    model(np.zeros((32, 5)))
    assert model.built and model.output_shape == (32, 3)
    assert model.weights[0].path == f"{model.name}/dense/kernel"
    other = lamina.Sequential([layers.Dense(3)])
    other.build((None, 7))
    assert other.count_params() == 24 and other.input_shape == (None, 7)


def test_batch_input_shape_kwarg():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = lamina.Sequential([layers.Dense(2, batch_input_shape=(8, 3))])
    assert model.input_shape == (8, 3)


def test_sequential_errors():
    with pytest.raises(ValueError, match="Only instances of.*Received: 3"):
        lamina.Sequential([3])
    with pytest.raises(ValueError, match="unique names.*'twin'"):
        lamina.Sequential([layers.Dense(2, name="twin"),
                           layers.Dense(2, name="twin")])
    with pytest.raises(TypeError, match="no layers"):
        lamina.Sequential().pop()
    with pytest.raises(ValueError, match="must provide an `input_shape`"):
        lamina.Sequential([layers.Dense(2)]).build()


def test_nested_sequential_in_sequential():
    inner = lamina.Sequential([layers.Dense(4), layers.Dense(4)], name="inner")
    outer = lamina.Sequential([lamina.Input((3,)), inner, layers.Dense(1)])
    assert outer.count_params() == (3 * 4 + 4) + (4 * 4 + 4) + 5
    assert outer(np.ones((2, 3))).shape == (2, 1)


def test_input_spec_checked_on_every_new_feature_shape():
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(2)])
    model(np.zeros((2, 4)))
    model(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"expected axis -1.*value 4"):
        model(np.zeros((2, 5)))


def test_masks_reach_layers_inside_nested_sequential():
    import torch

    class MaskedMean(lamina.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, x, mask=None):
            if mask is None:  # symbolic build: no data, no mask
                return x.mean(1)
            weights = mask.to(x.dtype).unsqueeze(-1)
            return (x * weights).sum(1) / weights.sum(1)

        def compute_mask(self, inputs, previous_mask):
            return None

    inner = lamina.Sequential([layers.Dense(4, kernel_initializer="ones"),
                               MaskedMean()])
    model = lamina.Sequential([lamina.Input((5,)),
                               layers.Embedding(10, 3, mask_zero=True),
                               inner])
    tokens = np.array([[1, 2, 0, 0, 0], [3, 0, 0, 0, 0]])
    for _ in range(2):  # the second call may take the fast path
        out = model(tokens)
    embeddings = model.layers[0].embeddings.detach()
    first = embeddings[[1, 2]].sum(1).mean() * torch.ones(4)
    torch.testing.assert_close(out[0], first)


def test_integer_inputs_are_cast_like_keras():
    ints = np.ones((2, 3), dtype="int64")
    model = lamina.Sequential([lamina.Input((3,)),
                               layers.Dense(2, kernel_initializer="ones")])
    assert model(ints).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert model.predict(ints, verbose=0).tolist() == [[3.0, 3.0]] * 2
    model.compile("sgd", "mse")
    model.fit(ints, np.zeros((2, 2)), verbose=0)
    bare = layers.Dense(2, kernel_initializer="ones")
    assert bare(ints).tolist() == [[3.0, 3.0], [3.0, 3.0]]
