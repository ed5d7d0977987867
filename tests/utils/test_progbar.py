"""Progbar prints Keras 3's bytes: compared with `keras.utils.Progbar` run on
the same updates with the same (fake) clock."""

import io
import sys
import time
from collections.abc import Mapping

import pytest

from lamina.utils.progbar import Progbar


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(time, "time", fake)
    # Keras redraws in place on posix even when piped; compare in that mode.
    import lamina.utils.progbar

    monkeypatch.setattr(lamina.utils.progbar, "_dynamic_display",
                        lambda: True)
    return fake


def _capture(clock, fn, stream=None):
    stream = stream or io.StringIO()
    saved, sys.stdout = sys.stdout, stream
    clock.now = 1000.0
    try:
        fn()
    finally:
        sys.stdout = saved
    return stream.getvalue() if isinstance(stream, io.StringIO) else (
        stream.buffer.getvalue())


def _averaged_and_stateful(cls, clock):
    bar = cls(10, stateful_metrics=["acc"])
    for step in range(1, 11):
        clock.now += 0.037 * step
        bar.update(step, [("loss", 1.0 / step), ("acc", step / 10.0),
                          ("tiny", 1e-5 * step)])


def _unknown_target(cls, clock):
    bar = cls(None)
    for step in range(1, 6):
        clock.now += 0.2
        bar.update(step, [("loss", -0.5 * step)])
    bar.update(5, [("loss", 0.1)], finalize=True)


def _verbose_2_with_add(cls, clock):
    bar = cls(1000, verbose=2)
    for _ in range(10):
        clock.now += 5
        bar.add(100, [("loss", 0.5), ("negative", -1.0)])


def _hours_and_minutes_eta(cls, clock):
    bar = cls(200, interval=0)
    for step in range(1, 201, 7):
        clock.now += 40 if step < 100 else 2
        bar.update(step, [("x", 12345.678)])
    bar.update(200)


def _stateless_and_microseconds(cls, clock):
    bar = cls(7, stateless_metrics=["avg"], unit_name="sample", width=11)
    for step in range(1, 8):
        clock.now += 0.0004
        bar.update(step, [("avg", float(step)), ("last", float(step))])


def _shrinking_line_is_padded(cls, clock):
    bar = cls(3, interval=0)
    clock.now += 1
    bar.update(1, [("long_metric_name", 1.0), ("b", 2.0)])
    clock.now += 1
    bar.update(2, [("long_metric_name", 1.0)])
    clock.now += 0.5
    bar.update(3)


def _silent(cls, clock):
    bar = cls(5, verbose=0)
    for step in range(1, 6):
        bar.update(step, [("a", 1.0)])


def _empty_target(cls, clock):
    bar = cls(0)
    bar.update(0, [("a", 1.0)], finalize=True)
    bar = cls(0, verbose=2)
    bar.update(0, [("a", 1.0)], finalize=True)


SCENARIOS = [_averaged_and_stateful, _unknown_target, _verbose_2_with_add,
             _hours_and_minutes_eta, _stateless_and_microseconds,
             _shrinking_line_is_padded, _silent, _empty_target]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_bytes_match_keras(scenario, keras_ref, clock):
    expected = _capture(clock, lambda: scenario(keras_ref.utils.Progbar,
                                                clock))
    assert _capture(clock, lambda: scenario(Progbar, clock)) == expected


def test_known_bytes(clock):
    # The final update shows its own value (Keras's rule), not the mean.
    def run():
        bar = Progbar(2)
        clock.now += 0.5
        bar.update(1, [("loss", 0.25)])
        clock.now += 0.5
        bar.update(2, [("loss", 0.75)])

    assert _capture(clock, run) == (
        "\r\x1b[1m1/2\x1b[0m \x1b[32m━━━━━━━━━━\x1b[0m"
        "\x1b[37m━━━━━━━━━━\x1b[0m \x1b[1m0s\x1b[0m 500ms/step"
        " - loss: 0.2500"
        + "\b" * 53 +
        "\r\x1b[1m2/2\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m"
        "\x1b[37m\x1b[0m \x1b[1m1s\x1b[0m 500ms/step - loss: 0.7500\n"
    )


def test_ascii_console_falls_back_to_equals(keras_ref, clock):
    def run(cls):
        bar = cls(2)
        bar.update(1, [("loss", 1.0)])
        bar.update(2, [("loss", 1.0)])

    def ascii_stream():
        return io.TextIOWrapper(io.BytesIO(), encoding="ascii")

    expected = _capture(clock, lambda: run(keras_ref.utils.Progbar),
                        ascii_stream())
    text = _capture(clock, lambda: run(Progbar), ascii_stream())
    assert text == expected and b"====" in text


class _CountingLogs(Mapping):
    def __init__(self, values):
        self.values, self.reads = values, 0

    def __getitem__(self, key):
        self.reads += 1
        return self.values[key]

    def __iter__(self):
        self.reads += 1
        return iter(self.values)

    def __len__(self):
        self.reads += 1
        return len(self.values)


def test_mapping_read_only_on_redraw(clock):
    bar = Progbar(10, stateless_metrics=set())
    logs = [_CountingLogs({"loss": 1.0 / step}) for step in range(1, 11)]

    def run():
        for step in range(1, 11):
            bar.update(step, logs[step - 1])

    text = _capture(clock, run)
    # Frozen time: drawn at the first update and the final one only.
    assert [bool(entry.reads) for entry in logs] == \
        [True] + [False] * 8 + [True]
    assert text.endswith(" - loss: 0.1000\n")


def test_averaged_mapping_is_read_every_update(clock):
    bar = Progbar(4)
    logs = [_CountingLogs({"loss": float(step)}) for step in range(1, 5)]

    def run():
        for step in range(1, 5):
            bar.update(step, logs[step - 1], finalize=False)

    text = _capture(clock, run)
    assert all(entry.reads for entry in logs)
    assert "loss: 1.0000" in text  # only the first update is drawn


def test_add_advances_from_seen(clock):
    bar = Progbar(10, verbose=0)
    bar.add(3)
    bar.add(4)
    assert bar._seen_so_far == 7


def test_defaults():
    bar = Progbar(5)
    assert (bar.width, bar.verbose, bar.interval, bar.unit_name) == (
        20, 1, 0.05, "step")
    assert bar.stateful_metrics == set() and bar.stateless_metrics is None


def test_stateful_and_stateless_together_fail():
    with pytest.raises(ValueError, match="Only one of `stateful_metrics`"):
        Progbar(5, stateful_metrics=["a"], stateless_metrics=["b"])


def test_piped_output_prints_one_line_per_update(monkeypatch):
    import lamina.utils.progbar as progbar_module

    monkeypatch.setattr(progbar_module, "_dynamic_display", lambda: False)
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    bar = Progbar(3, interval=0)
    for step in range(1, 4):
        bar.update(step, [("loss", 1.0 / step)])
    text = stream.getvalue()
    assert "\b" not in text and "\r" not in text
    lines = [line for line in text.split("\n") if line]
    assert len(lines) == 3
    assert all("/3" in line for line in lines)
