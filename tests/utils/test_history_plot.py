"""plot_history: one panel per logged quantity, train and validation curves
holding exactly the History's values."""

import sys

import numpy as np
import pytest

import lamina

matplotlib = pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def history():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))
    return model.fit(x, y, validation_split=0.25, epochs=4, verbose=0)


def curves(ax):
    return {line.get_label(): (list(line.get_xdata()),
                               list(line.get_ydata()))
            for line in ax.get_lines()}


def test_panels_and_values_equal_the_history(history):
    figure = lamina.utils.plot_history(history)
    axes = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["loss", "mae"]
    for ax in axes:
        name = ax.get_title()
        lines = curves(ax)
        assert lines["train"] == ([1, 2, 3, 4], pytest.approx(
            history.history[name], rel=1e-6))
        assert lines["validation"] == ([1, 2, 3, 4], pytest.approx(
            history.history[f"val_{name}"], rel=1e-6))


def test_metric_choice_and_a_dict(history):
    figure = lamina.utils.plot_history(history.history, metrics="mae")
    (ax,) = figure.axes
    assert ax.get_title() == "mae"
    with pytest.raises(ValueError, match=r"\['accuracy'\] were not logged"):
        lamina.utils.plot_history(history, metrics=["accuracy"])
    with pytest.raises(TypeError, match="History"):
        lamina.utils.plot_history([1, 2])
    with pytest.raises(ValueError, match="no epochs"):
        lamina.utils.plot_history({})


def test_validation_freq_and_initial_epoch_place_points_on_their_epochs():
    model = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 2)), np.ones((8, 1))
    history = model.fit(x, y, validation_data=(x, y), epochs=6,
                        initial_epoch=2, validation_freq=2, verbose=0)
    lines = curves(lamina.utils.plot_history(history).axes[0])
    assert lines["train"][0] == [3, 4, 5, 6]
    assert lines["validation"][0] == [4, 6]


@pytest.mark.parametrize("extension, magic", [
    ("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_saved_by_extension(tmp_path, history, extension, magic):
    target = tmp_path / f"curves.{extension}"
    lamina.utils.plot_history(history, to_file=target)
    assert target.read_bytes().startswith(magic)


def test_missing_matplotlib_names_the_extra(history, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"lamina\[plot\]"):
        lamina.utils.plot_history(history)
