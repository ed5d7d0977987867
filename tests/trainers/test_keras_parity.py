"""Training parity with Keras 3: same initial weights, shuffle=False, three
epochs; per-epoch losses and metrics agree within 1e-4 relative."""

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(0)
X = RNG.standard_normal((96, 8)).astype("float32")
LABELS = (X[:, :4].sum(1) > 0).astype("int64") + (X[:, 4] > 1).astype("int64")
TARGET = X[:, :2].sum(1, keepdims=True).astype("float32")


def _mlp(lib):
    return lib.Sequential([
        lib.Input((8,)),
        lib.layers.Dense(16, activation="relu"),
        lib.layers.Dense(3, activation="softmax"),
    ])


def _fit_both(keras, build, optimizer_factory, loss, x, y, metrics=None,
              **fit_kwargs):
    theirs = build(keras)
    ours = build(lamina)
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer_factory(keras), loss, metrics=metrics)
    ours.compile(optimizer_factory(lamina), loss, metrics=metrics)
    kwargs = dict(epochs=3, batch_size=16, shuffle=False, verbose=0)
    kwargs.update(fit_kwargs)
    expected = theirs.fit(x, y, **kwargs).history
    got = ours.fit(x, y, **kwargs).history
    assert sorted(got) == sorted(expected)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4,
                                   atol=1e-6, err_msg=key)
    return ours, theirs


OPTIMIZERS = {
    "sgd": lambda k: k.optimizers.SGD(0.05),
    "sgd_nesterov": lambda k: k.optimizers.SGD(0.05, momentum=0.9,
                                               nesterov=True),
    "rmsprop": lambda k: k.optimizers.RMSprop(),
    "rmsprop_centered": lambda k: k.optimizers.RMSprop(momentum=0.5,
                                                       centered=True),
    "adam": lambda k: k.optimizers.Adam(0.01),
    "adam_amsgrad": lambda k: k.optimizers.Adam(0.01, amsgrad=True),
    "adamw": lambda k: k.optimizers.AdamW(0.01),
    "adagrad": lambda k: k.optimizers.Adagrad(0.05),
    "adadelta": lambda k: k.optimizers.Adadelta(1.0),
    "adamax": lambda k: k.optimizers.Adamax(0.01),
    "nadam": lambda k: k.optimizers.Nadam(0.01),
    "ftrl": lambda k: k.optimizers.Ftrl(0.05),
    "lion": lambda k: k.optimizers.Lion(0.001),
    "clipnorm": lambda k: k.optimizers.Adam(0.01, clipnorm=0.1),
    "global_clipnorm": lambda k: k.optimizers.SGD(0.1, global_clipnorm=0.5),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_mlp_per_optimizer(keras_ref, name):
    _fit_both(keras_ref, _mlp, OPTIMIZERS[name],
              "sparse_categorical_crossentropy", X, LABELS,
              metrics=["accuracy"], validation_split=0.25)


def test_learning_rate_schedule(keras_ref):
    def optimizer(k):
        schedule = k.optimizers.schedules.ExponentialDecay(
            0.1, decay_steps=3, decay_rate=0.5)
        return k.optimizers.SGD(schedule)

    _fit_both(keras_ref, _mlp, optimizer, "sparse_categorical_crossentropy",
              X, LABELS)


def test_sample_and_class_weight(keras_ref):
    weights = np.linspace(0.5, 2.0, len(X)).astype("float32")
    _fit_both(keras_ref, _mlp, OPTIMIZERS["adam"],
              "sparse_categorical_crossentropy", X, LABELS,
              metrics=["accuracy"], sample_weight=weights)
    _fit_both(keras_ref, _mlp, OPTIMIZERS["adam"],
              "sparse_categorical_crossentropy", X, LABELS,
              class_weight={0: 1.0, 1: 3.0, 2: 0.5})


def _two_outputs(lib):
    inputs = lib.Input((8,), name="features")
    hidden = lib.layers.Dense(16, activation="tanh", name="hidden")(inputs)
    classes = lib.layers.Dense(3, activation="softmax", name="classes")(hidden)
    value = lib.layers.Dense(1, name="value")(hidden)
    return lib.Model(inputs, [classes, value])


def test_two_outputs_with_loss_weights_and_sample_weight(keras_ref):
    theirs = _two_outputs(keras_ref)
    ours = _two_outputs(lamina)
    ours.set_weights(theirs.get_weights())
    compile_kwargs = dict(
        loss=["sparse_categorical_crossentropy", "mse"],
        loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
    theirs.compile(keras_ref.optimizers.Adam(0.01), **compile_kwargs)
    ours.compile(lamina.optimizers.Adam(0.01), **compile_kwargs)
    weights = np.linspace(0.5, 2.0, len(X)).astype("float32")
    fit_kwargs = dict(epochs=3, batch_size=16, shuffle=False, verbose=0,
                      sample_weight=weights)
    expected = theirs.fit(X, [LABELS, TARGET], **fit_kwargs).history
    got = ours.fit(X, [LABELS, TARGET], **fit_kwargs).history
    assert list(got) == list(expected)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4,
                                   err_msg=key)
    assert ours.metrics_names == theirs.metrics_names
    np.testing.assert_allclose(
        ours.evaluate(X, [LABELS, TARGET], verbose=0),
        theirs.evaluate(X, [LABELS, TARGET], verbose=0), rtol=1e-4)
    by_name = {"classes": "sparse_categorical_crossentropy", "value": "mse"}
    ours.compile("sgd", loss=by_name, loss_weights={"classes": 1.0,
                                                    "value": 2.0})
    assert set(ours.fit(X, {"classes": LABELS, "value": TARGET},
                        verbose=0).history) == {"loss", "classes_loss",
                                                "value_loss"}


def test_evaluate_and_predict_match(keras_ref):
    ours, theirs = _fit_both(keras_ref, _mlp, OPTIMIZERS["rmsprop"],
                             "sparse_categorical_crossentropy", X, LABELS,
                             metrics=["accuracy"])
    np.testing.assert_allclose(ours.evaluate(X, LABELS, verbose=0),
                               theirs.evaluate(X, LABELS, verbose=0),
                               rtol=1e-4)
    np.testing.assert_allclose(ours.predict(X, verbose=0),
                               theirs.predict(X, verbose=0), atol=1e-5)
    assert ours.evaluate(X, LABELS, verbose=0, return_dict=True).keys() == \
        theirs.evaluate(X, LABELS, verbose=0, return_dict=True).keys()
