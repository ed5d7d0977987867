"""ModelCheckpoint: which files it writes and what it prints, against Keras
3, and that a crash during a save leaves the previous checkpoint whole."""

import contextlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import lamina
from lamina.callbacks import ModelCheckpoint

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _capture(fn):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        fn()
    return buffer.getvalue()


def _run(module, folder, build, data, scripted, values, filepath,
         **kwargs):
    os.makedirs(folder, exist_ok=True)
    model = build(module)
    script = scripted(module, values)
    checkpoint = module.callbacks.ModelCheckpoint(
        os.path.join(folder, filepath), **kwargs)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(data["x"], data["y"], batch_size=25, epochs=len(values),
                      shuffle=False, verbose=0,
                      callbacks=[script, checkpoint])

    text = _capture(fit).replace(str(folder), "<dir>")
    return model, script, sorted(os.listdir(folder)), text


@pytest.mark.parametrize("kwargs, values", [
    ({"verbose": 1, "mode": "min"}, [3, 2, 2.5]),
    ({"verbose": 1, "save_best_only": True, "mode": "min"},
     [3, 2, 2.5, 1.25]),
    ({"verbose": 1, "save_best_only": True, "mode": "max"},
     [0.1, 0.5, 0.4, 0.9]),
    ({"verbose": 1, "save_best_only": True, "mode": "min",
      "initial_value_threshold": 2.2}, [3, 2, 2.5, 2.1]),
    ({"verbose": 0, "save_best_only": True, "mode": "min"}, [3, 2, 4]),
])
@pytest.mark.parametrize("filepath, weights_only", [
    ("ckpt.{epoch:02d}-{score:.2f}.weights.h5", True),
    ("best.weights.h5", True),
    ("model.{epoch:02d}.keras", False),
])
def test_files_and_messages_equal_keras(tmp_path, keras_ref, build, data,
                                        scripted, kwargs, values,
                                        filepath, weights_only):
    runs = {}
    for name, module in (("lamina", lamina), ("keras", keras_ref)):
        runs[name] = _run(module, tmp_path / name, build, data, scripted,
                          values, filepath, monitor="score",
                          save_weights_only=weights_only, **kwargs)
    _, script, files, text = runs["lamina"]
    _, _, keras_files, keras_text = runs["keras"]
    assert files == keras_files
    assert text == keras_text
    # A fixed name holds the best epoch's weights (the last saved).
    if filepath == "best.weights.h5":
        model = build(lamina)
        model.load_weights(str(tmp_path / "lamina" / filepath))
        saved = [e for e in range(len(values)) if _improved(values, e,
                                                            kwargs)]
        for got, want in zip(model.get_weights(), script.weights[saved[-1]]):
            np.testing.assert_array_equal(got, want)


def _improved(values, epoch, kwargs):
    if not kwargs.get("save_best_only"):
        return True
    sign = -1 if kwargs["mode"] == "min" else 1
    best = kwargs.get("initial_value_threshold")
    for value in values[:epoch]:
        if best is None or sign * (value - best) > 0:
            best = value
    return best is None or sign * (values[epoch] - best) > 0


def test_batch_frequency_and_batch_field_equal_keras(tmp_path, keras_ref,
                                                     build, data, scripted):
    runs = {}
    for name, module in (("lamina", lamina), ("keras", keras_ref)):
        runs[name] = _run(module, tmp_path / name, build, data, scripted,
                          [1, 2, 3],
                          "e{epoch}-b{batch}.weights.h5",
                          save_weights_only=True, save_freq=3, verbose=1,
                          mode="min")
    # 4 batches an epoch, a save every 3 batches, counted across epochs.
    assert runs["lamina"][2] == runs["keras"][2]
    assert runs["lamina"][2] == sorted([
        "e1-b3.weights.h5", "e2-b2.weights.h5", "e3-b1.weights.h5",
        "e3-b4.weights.h5"])
    assert runs["lamina"][3] == runs["keras"][3]


def test_seed_pattern_legacy_h5_with_val_loss(tmp_path, build, data):
    """The seeds' `ModelCheckpoint('weights.{epoch:02d}-{val_loss:.2f}.h5')`
    writes full legacy HDF5 models that load back."""
    model = build(lamina)
    os.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(
            data["x"], data["y"], epochs=2, verbose=0,
            validation_data=(data["x_val"], data["y_val"]),
            callbacks=[
                ModelCheckpoint("weights.{epoch:02d}-{val_loss:.2f}.h5")])
    names = [f"weights.{epoch + 1:02d}-{loss:.2f}.h5" for epoch, loss in
             enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path)) == sorted(names)
    loaded = lamina.saving.load_model(names[-1])
    np.testing.assert_array_equal(loaded.predict(data["x"], verbose=0),
                                  model.predict(data["x"], verbose=0))


def test_full_keras_model_checkpoint_loads(tmp_path, build, data):
    model = build(lamina)
    path = tmp_path / "sub" / "dir" / "m-{epoch}.keras"
    model.fit(data["x"], data["y"], epochs=2, verbose=0,
              callbacks=[ModelCheckpoint(path, monitor="loss")])
    assert sorted(os.listdir(tmp_path / "sub" / "dir")) == ["m-1.keras",
                                                           "m-2.keras"]
    loaded = lamina.saving.load_model(tmp_path / "sub" / "dir" / "m-2.keras")
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_missing_monitor_warns_and_saves(tmp_path, build, data):
    model = build(lamina)
    checkpoint = ModelCheckpoint(str(tmp_path / "b.weights.h5"),
                                 save_weights_only=True, save_best_only=True,
                                 monitor="val_nothing", mode="min")
    with pytest.warns(UserWarning, match="only with val_nothing available"):
        model.fit(data["x"], data["y"], epochs=1, verbose=0,
                  callbacks=[checkpoint])
    assert os.listdir(tmp_path) == ["b.weights.h5"]


def test_unknown_format_field_names_the_available_keys(tmp_path, build,
                                                       data):
    model = build(lamina)
    checkpoint = ModelCheckpoint(str(tmp_path / "{nope}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback "
                                       "filepath.*Available keys"):
        model.fit(data["x"], data["y"], epochs=1, verbose=0,
                  callbacks=[checkpoint])


def test_existing_directory_as_filepath(tmp_path, build, data):
    (tmp_path / "taken.keras").mkdir()
    model = build(lamina)
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        model.fit(data["x"], data["y"], epochs=1, verbose=0,
                  callbacks=[ModelCheckpoint(str(tmp_path / "taken.keras"))])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"filepath": "w.h5", "save_weights_only": True}, ValueError,
     "must end in `.weights.h5`"),
    ({"filepath": "model.pt"}, ValueError, r"must end in `\.keras`"),
    ({"filepath": "m.keras", "save_freq": "batch"}, ValueError,
     "Unrecognized save_freq"),
    ({"filepath": "m.keras", "save_freq": 0}, ValueError,
     "Unrecognized save_freq"),
])
def test_argument_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        ModelCheckpoint(**kwargs)


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="mode 'sideways' is unknown"):
        checkpoint = ModelCheckpoint("m.keras", mode="sideways")
    assert checkpoint.mode == "auto"


# -- Killed while writing ----------------------------------------------------

_SCRIPT = textwrap.dedent("""
    import os, signal, sys, warnings
    import numpy as np
    import lamina
    from lamina.saving.formats import keras_zip, weights_h5

    warnings.simplefilter("ignore")
    target, writer_module = sys.argv[1], sys.argv[2]
    module = {"weights_h5": weights_h5, "keras_zip": keras_zip}.get(
        writer_module)
    if module is None:
        from lamina.saving.formats import legacy_h5 as module
    name = {"weights_h5": "save_weights", "keras_zip": "save_model",
            "legacy_h5": "save_model_to_hdf5"}[writer_module]
    real = getattr(module, name)
    calls = []

    def write_half_then_die(model, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            # The second save: half a file on disk, then the process dies.
            real(model, path, *args, **kwargs)
            size = os.path.getsize(path)
            with open(path, "r+b") as file:
                file.truncate(size // 2)
            os.kill(os.getpid(), signal.SIGKILL)
        return real(model, path, *args, **kwargs)

    setattr(module, name, write_half_then_die)
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(3)])
    model.compile("sgd", "mse")

    class Record(lamina.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            np.save(target + f".epoch{epoch}.npy",
                    np.concatenate([w.ravel() for w in model.get_weights()]))

    x = np.random.rand(32, 4).astype("float32")
    y = np.random.rand(32, 3).astype("float32")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        Record(), lamina.callbacks.ModelCheckpoint(
            target, monitor="loss",
            save_weights_only=target.endswith(".weights.h5"))])
""")


@pytest.mark.parametrize("filename, writer", [
    ("ckpt.weights.h5", "weights_h5"),
    ("ckpt.keras", "keras_zip"),
    ("ckpt.h5", "legacy_h5"),
])
def test_sigkill_during_a_save_leaves_the_previous_checkpoint(
        tmp_path, filename, writer):
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT)
    target = str(tmp_path / filename)
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(script), target, writer],
                          env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    # Killed while writing epoch 2's checkpoint: epoch 1's is intact.
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(3)])
    if filename.endswith(".weights.h5"):
        model.load_weights(target)
    else:
        model = lamina.saving.load_model(target, compile=False)
    weights = np.concatenate([w.ravel() for w in model.get_weights()])
    np.testing.assert_array_equal(weights, np.load(target + ".epoch0.npy"))
    assert not np.array_equal(weights, np.load(target + ".epoch1.npy"))
