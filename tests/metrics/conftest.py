"""Shared fixtures for the metric tests: parity runs against Keras 3."""

import numpy as np
import pytest
import torch


def to_numpy(value):
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


class Parity:
    """Runs the same updates through a Lamina and a Keras metric."""

    def __init__(self, keras):
        self.keras = keras

    def keras_value(self, value):
        return np.asarray(self.keras.ops.convert_to_numpy(value))

    def run(self, class_name, batches, kwargs=None, atol=1e-5, rtol=1e-5,
            as_torch=False, check_reset=True):
        """Feeds `batches` of `(y_true, y_pred, sample_weight)` to both.

        Compares results after every update, then after `reset_state`.
        Returns the Lamina metric.
        """
        import lamina.metrics

        kwargs = dict(kwargs or {})
        keras_metric = getattr(self.keras.metrics, class_name)(**kwargs)
        lamina_metric = getattr(lamina.metrics, class_name)(**kwargs)
        for y_true, y_pred, sample_weight in batches:
            keras_metric.update_state(y_true, y_pred,
                                      sample_weight=sample_weight)
            if as_torch:
                y_true, y_pred = torch.as_tensor(y_true), \
                    torch.as_tensor(y_pred)
                if sample_weight is not None:
                    sample_weight = torch.as_tensor(sample_weight)
            lamina_metric.update_state(y_true, y_pred,
                                       sample_weight=sample_weight)
            expected = self.keras_value(keras_metric.result())
            actual = to_numpy(lamina_metric.result())
            assert actual.shape == expected.shape, (actual, expected)
            np.testing.assert_allclose(actual, expected, atol=atol,
                                       rtol=rtol)
        if check_reset:
            keras_metric.reset_state()
            lamina_metric.reset_state()
            for variable in lamina_metric.variables:
                assert not to_numpy(variable).any()
        return lamina_metric


@pytest.fixture(scope="session")
def _keras_module():
    return pytest.importorskip("keras")


@pytest.fixture
def keras_ref(_keras_module):
    """Keras 3, imported once; metric tests never rely on its name counters,
    so the slow `clear_session()` of the shared fixture is skipped."""
    return _keras_module


@pytest.fixture
def parity(keras_ref):
    return Parity(keras_ref)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def weighted_batches(make_batch, weights_shape=None, num_batches=3,
                     seed=0):
    """`num_batches` batches from `make_batch(rng)`, with random weights of
    `weights_shape(y_true, y_pred)` (or None when `weights_shape` is None)."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(num_batches):
        y_true, y_pred = make_batch(rng)
        weights = None
        if weights_shape is not None:
            weights = rng.uniform(0.0, 2.0, size=weights_shape(
                y_true, y_pred)).astype("float32")
        batches.append((y_true, y_pred, weights))
    return batches


@pytest.fixture
def make_batches():
    return weighted_batches
