"""`keras.StatelessScope`: substitute values in, variables untouched."""

import numpy as np
import pytest
import torch

import lamina as keras


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    return model


def test_reads_use_the_mapping_and_variables_are_restored():
    model = _model()
    x = torch.randn(4, 3)
    before = [w.detach().clone() for w in model.weights]
    expected = model(x)
    mapping = [(w, torch.zeros_like(w)) for w in model.weights]
    with keras.StatelessScope(mapping) as scope:
        torch.testing.assert_close(model(x), torch.zeros(4, 2))
        model.weights[1].assign(np.ones(2, "float32"))
        torch.testing.assert_close(model(x), torch.ones(4, 2))
    for w, b in zip(model.weights, before):
        torch.testing.assert_close(w.detach(), b)
    torch.testing.assert_close(model(x), expected)
    torch.testing.assert_close(scope.get_current_value(model.weights[1]),
                               torch.ones(2))
    torch.testing.assert_close(scope.get_current_value(model.weights[0]),
                               torch.zeros(3, 2))
    assert scope.get_current_value(torch.nn.Parameter(torch.ones(1))) is None


def test_matches_keras_semantics(keras_ref):
    # The same program on Keras: the variable keeps its value, the scope
    # holds the update.
    v = keras_ref.Variable(np.ones(3, "float32"))
    with keras_ref.StatelessScope([(v, np.zeros(3, "float32"))]) as scope:
        v.assign(v + 2.0)
    theirs = keras_ref.ops.convert_to_numpy(scope.get_current_value(v))
    ours_var = keras.Variable(torch.ones(3))
    with keras.StatelessScope([(ours_var, np.zeros(3, "float32"))]) as ours:
        ours_var.assign(ours_var + 2.0)
    np.testing.assert_allclose(
        ours.get_current_value(ours_var).detach().cpu().numpy(), theirs)
    np.testing.assert_allclose(ours_var.detach().cpu().numpy(),
                               keras_ref.ops.convert_to_numpy(v))


def test_bad_arguments():
    w = keras.Variable(torch.ones(2))
    with pytest.raises(ValueError, match="shape"):
        keras.StatelessScope([(w, np.zeros(3))])
    with pytest.raises(ValueError, match="Variable instances"):
        keras.StatelessScope([("w", np.zeros(2))])
    with pytest.raises(ValueError, match="collect_losses"):
        keras.StatelessScope(collect_losses=True)
    with pytest.raises(ValueError, match="initialize_variables"):
        keras.StatelessScope(initialize_variables=False)
