"""`lamina.distillation` against Keras 3's `keras.distillation` (torch
backend): same teacher/student weights, same data, a few `fit` steps."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import lamina  # noqa: E402
from lamina import distillation  # noqa: E402


def _models(k, seed):
    def net(name, width):
        return k.Sequential([
            k.Input((6,)),
            k.layers.Dense(width, activation="relu", name=f"{name}_hidden"),
            k.layers.Dense(4, name=f"{name}_features"),
            k.layers.Dense(3, name=f"{name}_logits"),
        ], name=name)

    teacher, student = net("teacher", 16), net("student", 8)
    rng = np.random.default_rng(seed)
    for model in (teacher, student):
        model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.5
                           for w in model.get_weights()])
    return teacher, student


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = rng.integers(0, 3, size=(32,))
    return x, y


def _train(k, losses_fn, weights=None, student_loss_weight=0.5):
    teacher, student = _models(k, seed=1)
    distiller = k.distillation.Distiller(
        teacher, student, losses_fn(k), distillation_loss_weights=weights,
        student_loss_weight=student_loss_weight)
    distiller.compile(
        optimizer=k.optimizers.SGD(0.05),
        loss=k.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = _data()
    history = distiller.fit(x, y, batch_size=8, epochs=2, shuffle=False,
                            verbose=0)
    return history.history, student.get_weights(), teacher.get_weights()


CASES = {
    "logits": (lambda k: k.distillation.LogitsDistillation(temperature=2.0),
               None, 0.5),
    "logits_mse": (lambda k: k.distillation.LogitsDistillation(
        temperature=1.5, loss="mse"), None, 0.3),
    "features": (lambda k: [
        k.distillation.LogitsDistillation(),
        k.distillation.FeatureDistillation(
            loss="mse", teacher_layer_name="teacher_features",
            student_layer_name="student_features")], [1.0, 0.5], 0.2),
    "only_distillation": (lambda k: k.distillation.FeatureDistillation(),
                          None, 0.0),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_matches_keras(case):
    losses_fn, weights, slw = CASES[case]
    ours = _train(lamina, losses_fn, weights, slw)
    theirs = _train(keras, losses_fn, weights, slw)
    for key in ("loss", "student_loss", "distillation_loss", "total_loss"):
        np.testing.assert_allclose(ours[0][key], theirs[0][key],
                                   rtol=1e-5, atol=1e-5, err_msg=key)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    # The teacher is frozen.
    teacher, _ = _models(lamina, seed=1)
    for a, b in zip(ours[2], teacher.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("temperature,loss", [(3.0, "kl_divergence"),
                                              (0.5, "mse"),
                                              (2.0, "KLDivergence")])
def test_logits_loss_matches_keras(temperature, loss):
    # A KLDivergence object (not the "kl_divergence" function) compares
    # softmax probabilities, scaled by temperature ** 2.
    rng = np.random.default_rng(2)
    t = rng.normal(size=(5, 7)).astype("float32")
    s = rng.normal(size=(5, 7)).astype("float32")
    def make(k):
        fn = k.losses.KLDivergence() if loss == "KLDivergence" else loss
        return k.distillation.LogitsDistillation(temperature, fn)

    ours = make(lamina).compute_loss(
        lamina.ops.convert_to_tensor(t), lamina.ops.convert_to_tensor(s))
    theirs = make(keras).compute_loss(keras.ops.convert_to_tensor(t),
                                        keras.ops.convert_to_tensor(s))
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(ours),
                               keras.ops.convert_to_numpy(theirs),
                               rtol=1e-6)


def test_structured_feature_loss_skips_none():
    rng = np.random.default_rng(3)
    t = [rng.normal(size=(4, 3)).astype("float32") for _ in range(2)]
    s = [rng.normal(size=(4, 3)).astype("float32") for _ in range(2)]
    loss = distillation.FeatureDistillation(loss=["mse", None])
    value = lamina.ops.convert_to_numpy(loss.compute_loss(t, s))
    np.testing.assert_allclose(value, np.mean((t[0] - s[0]) ** 2),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="structure"):
        loss.validate_outputs([t[0]], [s[0]])


def test_call_runs_student_and_teacher_is_frozen():
    teacher, student = _models(lamina, seed=4)
    distiller = distillation.Distiller(
        teacher, student, distillation.LogitsDistillation())
    x, _ = _data()
    np.testing.assert_allclose(
        lamina.ops.convert_to_numpy(distiller(x)),
        lamina.ops.convert_to_numpy(student(x)))
    assert not teacher.trainable
    assert all(v.trainable for v in student.trainable_weights)


def test_bad_arguments():
    teacher, student = _models(lamina, seed=5)
    logits = distillation.LogitsDistillation()
    with pytest.raises(ValueError, match="student_loss_weight"):
        distillation.Distiller(teacher, student, logits,
                               student_loss_weight=1.5)
    with pytest.raises(ValueError, match="cannot be None"):
        distillation.Distiller(teacher, student, None)
    with pytest.raises(ValueError, match="must match the number"):
        distillation.Distiller(teacher, student, [logits, logits],
                               distillation_loss_weights=[1.0])
    with pytest.raises(ValueError, match="must be a Model"):
        distillation.Distiller(teacher, lamina.layers.Dense(3), logits)
    with pytest.raises(ValueError, match="In student model"):
        distillation.Distiller(teacher, student, distillation.
                               FeatureDistillation(
                                   student_layer_name="missing"))
    with pytest.raises(ValueError, match="temperature"):
        distillation.LogitsDistillation(temperature=0)
    with pytest.raises(ValueError, match="at least one loss"):
        distillation.FeatureDistillation(loss=None)
    with pytest.raises(TypeError):
        distillation.DistillationLoss()
    distiller = distillation.Distiller(teacher, student, logits)
    with pytest.raises(ValueError, match="`loss` cannot be None"):
        distiller.compile(optimizer="sgd")
    small = lamina.Sequential([lamina.Input((5,)), lamina.layers.Dense(3)])
    with pytest.raises(ValueError, match="input shapes are incompatible"):
        distillation.Distiller(teacher, small, logits)


def test_loss_configs_round_trip():
    loss = distillation.FeatureDistillation(
        loss="mse", teacher_layer_name="a", student_layer_name="b")
    again = distillation.FeatureDistillation.from_config(loss.get_config())
    assert (again.teacher_layer_name, again.student_layer_name) == ("a", "b")
    logits = distillation.LogitsDistillation(temperature=4.0)
    again = distillation.LogitsDistillation.from_config(logits.get_config())
    assert again.temperature == 4.0
    assert again.loss is lamina.losses.kl_divergence
    for make in (
            lambda k: k.distillation.LogitsDistillation(temperature=4.0),
            lambda k: k.distillation.LogitsDistillation(
                loss=k.losses.KLDivergence()),
            lambda k: k.distillation.FeatureDistillation(
                teacher_layer_name="t")):
        assert make(lamina).get_config() == make(keras).get_config()
