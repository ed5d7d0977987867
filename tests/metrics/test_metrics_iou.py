import warnings

import numpy as np
import pytest

import lamina.metrics as metrics

N, C = 30, 4


def _sparse(rng):
    y_true = rng.integers(0, C, size=(N,))
    y_pred = np.where(rng.uniform(size=N) < 0.5, y_true,
                      rng.integers(0, C, size=N))
    return y_true.astype("int32"), y_pred.astype("int32")


def _images(rng):
    y_true = rng.integers(0, C, size=(3, 4, 5))
    y_pred = np.where(rng.uniform(size=(3, 4, 5)) < 0.4, y_true,
                      rng.integers(-1, C + 1, size=(3, 4, 5)))
    return y_true.astype("int32"), y_pred.astype("int32")


def _one_hot(rng):
    y_true = np.eye(C, dtype="float32")[rng.integers(0, C, size=N)]
    return y_true, rng.uniform(size=(N, C)).astype("float32")


def _binary(rng):
    return (rng.integers(0, 2, size=(N,)).astype("float32"),
            rng.uniform(size=(N,)).astype("float32"))


def _int_weights(y_true, y_pred):
    return y_true.shape


CASES = [
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, _sparse),
    ("IoU", {"num_classes": C, "target_class_ids": [1]}, _images),
    ("MeanIoU", {"num_classes": C}, _sparse),
    ("MeanIoU", {"num_classes": C, "ignore_class": 1}, _images),
    ("BinaryIoU", {}, _binary),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, _binary),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [0, 3]}, _one_hot),
    ("OneHotMeanIoU", {"num_classes": C}, _one_hot),
    ("OneHotMeanIoU", {"num_classes": C, "ignore_class": 0}, _one_hot),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("class_name,kwargs,make", CASES)
def test_parity_with_keras(parity, make_batches, class_name, kwargs, make,
                           weighted):
    batches = make_batches(make, None)
    if weighted:
        # Integer weights: the default int32 state truncates floats.
        batches = [(t, p, np.random.default_rng(i).integers(
            0, 3, size=t.shape[:1] if make is _one_hot else t.shape))
            for i, (t, p, _) in enumerate(batches)]
    parity.run(class_name, batches, kwargs, as_torch=weighted)


def test_float_state_with_float_weights(parity, make_batches):
    batches = make_batches(_sparse, lambda t, p: t.shape)
    parity.run("MeanIoU", batches, {"num_classes": C, "dtype": "float32"})


def test_float_weights_on_int_state_warn():
    metric = metrics.MeanIoU(num_classes=2)
    with pytest.warns(UserWarning, match="weight as `float`"):
        metric.update_state([0, 1], [0, 1], sample_weight=np.array([0.5, 1.]))


def test_known_value():
    metric = metrics.MeanIoU(num_classes=2)
    metric.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    assert float(metric.result()) == pytest.approx(1 / 3, rel=1e-5)
    assert metric.total_cm.dtype.is_floating_point is False


def test_configs_match_keras(keras_ref):
    for class_name, kwargs, _ in CASES:
        kwargs = {"name": "iou_metric", **kwargs}
        expected = getattr(keras_ref.metrics, class_name)(**kwargs)
        actual = getattr(metrics, class_name)(**kwargs)
        assert actual.get_config() == expected.get_config()
        clone = type(actual).from_config(actual.get_config())
        assert clone.get_config() == actual.get_config()


def test_invalid_arguments():
    with pytest.raises(ValueError, match="target_class_ids"):
        metrics.IoU(num_classes=2, target_class_ids=[0, 2])
    with pytest.raises(ValueError, match="same number of labels"):
        metrics.MeanIoU(num_classes=3).update_state([0, 1, 2], [0, 1])


def test_no_warning_for_integer_weights():
    metric = metrics.IoU(num_classes=3, target_class_ids=[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metric.update_state([0, 1], [0, 2], sample_weight=[2, 1])
