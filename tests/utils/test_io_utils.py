"""Interactive logging on and off, and the progress bar in a notebook."""

import logging
import os
import re

import numpy as np
import pytest

import lamina

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@pytest.fixture
def logging_off():
    lamina.config.disable_interactive_logging()
    try:
        yield
    finally:
        lamina.config.enable_interactive_logging()


def test_switches_are_keras_names_in_both_namespaces():
    keras = pytest.importorskip("keras")
    for name in ("enable_interactive_logging", "disable_interactive_logging",
                 "is_interactive_logging_enabled"):
        assert hasattr(keras.config, name) and hasattr(keras.utils, name)
        assert getattr(lamina.config, name) is getattr(lamina.utils, name)
    assert lamina.utils.is_interactive_logging_enabled()
    lamina.utils.disable_interactive_logging()
    try:
        assert not lamina.config.is_interactive_logging_enabled()
    finally:
        lamina.utils.enable_interactive_logging()
    assert lamina.config.is_interactive_logging_enabled()


def _model():
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_fit_logs_instead_of_printing_when_off(logging_off, capsys, caplog):
    model = _model()
    x, y = np.zeros((8, 3), "float32"), np.zeros((8, 1), "float32")
    with caplog.at_level(logging.INFO, logger="lamina"):
        model.fit(x, y, epochs=2, batch_size=4, verbose=1)
        model.summary()
    assert capsys.readouterr().out == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "lamina"]
    assert "Epoch 1/2" in messages and "Epoch 2/2" in messages
    finals = [m for m in messages if re.match(r"\x1b\[1m2/2\x1b\[0m", m)]
    assert len(finals) == 2 and all("loss:" in m for m in finals)
    # A record is one line, without the redraw characters of a terminal.
    assert not any("\b" in m or "\r" in m for m in messages)
    assert any('Model: "sequential' in m for m in messages)


def test_on_again_prints(capsys):
    model = _model()
    model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32"),
              verbose=2)
    assert "1/1" in capsys.readouterr().out


NOTEBOOK_CELL = """
import numpy as np
import lamina as keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
model.compile("sgd", "mse", metrics=["mae"])
x, y = np.zeros((4000, 4), "float32"), np.zeros((4000, 2), "float32")
model.fit(x, y, epochs=3, batch_size=4, validation_split=0.1)
model.evaluate(x, y, batch_size=4)
"""


def test_notebook_bar_redraws_in_place():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(NOTEBOOK_CELL)])
    nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3",
        resources={"metadata": {"path": ROOT}}).execute()
    outputs = notebook.cells[0].outputs
    streams = "".join(o.text for o in outputs if o.output_type == "stream")
    bars = [o.data["text/plain"] for o in outputs
            if o.output_type == "display_data"]
    assert streams == "Epoch 1/3\nEpoch 2/3\nEpoch 3/3\n"
    # One output per bar, holding its final state: three epochs (with the
    # validation values) and the evaluation.
    assert len(bars) == 4
    for bar in bars[:3]:
        assert bar.startswith("\x1b[1m900/900\x1b[0m")
        assert "val_loss:" in bar
    assert bars[3].startswith("\x1b[1m1000/1000\x1b[0m")
    assert not any("\b" in bar or "\r" in bar for bar in bars)
