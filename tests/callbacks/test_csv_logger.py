"""CSVLogger writes Keras's exact CSV: header, rows, NA cells, append."""

import csv

import numpy as np
import pytest

import lamina
from lamina.callbacks import CSVLogger


def _fixed_logs(module):
    """Replaces the epoch logs' values by exact ones, so files written by
    Lamina and Keras can be compared byte for byte."""

    class Fixed(module.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            for index, key in enumerate(sorted(logs)):
                logs[key] = 0.5 * (epoch + 1) + index / 8

    return Fixed()


def test_contents_match_history(build, data, tmp_path):
    path = tmp_path / "log.csv"
    model = build(lamina)
    history = model.fit(data["x"], data["y"], epochs=3, verbose=0,
                        validation_data=(data["x_val"], data["y_val"]),
                        callbacks=[CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy",
                       "val_loss"]
    assert [row[0] for row in rows[1:]] == ["0", "1", "2"]
    for column, key in enumerate(rows[0][1:], start=1):
        np.testing.assert_array_equal(
            [float(row[column]) for row in rows[1:]], history.history[key])
    assert path.read_bytes().count(b"\r\n") == 4  # excel line ends


@pytest.mark.parametrize("separator", [",", ";"])
@pytest.mark.parametrize("validation", [True, False])
def test_bytes_match_keras(separator, validation, keras_ref, build, data,
                           tmp_path):
    written = []
    for module in (keras_ref, lamina):
        path = tmp_path / f"{module.__name__}.csv"
        model = build(module)
        extra = {"validation_data": (data["x_val"], data["y_val"])} \
            if validation else {}
        for append in (False, True):
            model.fit(data["x"], data["y"], epochs=2, verbose=0,
                      callbacks=[_fixed_logs(module),
                                 module.callbacks.CSVLogger(
                                     str(path), separator=separator,
                                     append=append)],
                      **extra)
        written.append(path.read_bytes())
    assert written[1] == written[0]
    header = written[1].split(b"\r\n")[0].decode()
    expected = ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert header == separator.join(expected)


def test_missing_val_columns_are_na(build, data, tmp_path):
    path = tmp_path / "log.csv"
    model = build(lamina)
    model.fit(data["x"], data["y"], epochs=1, verbose=0,
              callbacks=[_fixed_logs(lamina), CSVLogger(path)])
    assert path.read_text() == ("epoch,accuracy,loss,val_accuracy,val_loss\n"
                                "0,0.5,0.625,NA,NA\n")


def test_append_keeps_header_and_overwrite_replaces(build, data, tmp_path):
    path = tmp_path / "log.csv"
    model = build(lamina)
    callbacks = [_fixed_logs(lamina), CSVLogger(path, append=True)]
    model.fit(data["x"], data["y"], epochs=1, verbose=0, callbacks=callbacks)
    model.fit(data["x"], data["y"], epochs=2, verbose=0, callbacks=callbacks)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("epoch,") and len(lines) == 4
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "0", "1"]
    model.fit(data["x"], data["y"], epochs=1, verbose=0,
              callbacks=[CSVLogger(path)])
    assert len(path.read_text().splitlines()) == 2


def test_append_to_empty_file_writes_header(build, data, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("")
    model = build(lamina)
    model.fit(data["x"], data["y"], epochs=1, verbose=0,
              callbacks=[CSVLogger(path, append=True)])
    assert path.read_text().startswith("epoch,accuracy,loss")


def test_flushed_every_epoch_and_closed_at_end(build, data, tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    sizes = []
    read = lamina.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: sizes.append(
            len(path.read_text().splitlines())))
    model = build(lamina)
    model.fit(data["x"], data["y"], epochs=3, verbose=0,
              callbacks=[logger, read])
    assert sizes == [2, 3, 4]
    assert logger.csv_file.closed and logger.writer is None


def test_list_values_are_quoted(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(path)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 1.0, "val_loss": [1, 2],
                            "val_x": np.float32(3.0)})
    logger.on_train_end()
    assert path.read_text().splitlines() == [
        "epoch,loss,val_loss,val_x", '0,1.0,"""[1, 2]""",3.0']
