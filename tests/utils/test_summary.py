"""`model.summary()` text, compared character for character with Keras 3.

Each case builds the same model in Keras (the `keras_ref` fixture) and in
Lamina through one builder taking the library module, with both sessions
cleared first so that automatic layer names agree.
"""

import io
import random
import sys
import types
import warnings

import numpy as np
import pytest
import torch

import lamina
from lamina import backend
from lamina.utils import summary_utils
from lamina.utils.summary.console import layout
from lamina.utils.summary.table import render_table


@pytest.fixture(scope="module")
def keras_ref():
    """Keras 3 (torch backend), imported once for the module.

    Overrides the conftest fixture, whose per-test `clear_session()` with
    garbage collection costs half a second; `_summaries` clears both
    sessions itself before each build.
    """
    return pytest.importorskip("keras")


@pytest.fixture(autouse=True)
def _fixed_terminal(monkeypatch):
    # Keras and Lamina both read COLUMNS for the default width.
    monkeypatch.setenv("COLUMNS", "80")


def _summaries(keras, build, **kwargs):
    """The summary text of `build(keras)` and of `build(lamina)`."""
    texts = []
    for module in (keras, lamina):
        keras.backend.clear_session(free_memory=False)
        backend.clear_session(free_memory=False)
        with warnings.catch_warnings():
            # Keras warns that subclassed models have no build() method.
            warnings.simplefilter("ignore", UserWarning)
            model = build(module)
        calls = []
        model.summary(print_fn=calls.append, **kwargs)
        assert len(calls) == 1
        texts.append(calls[0])
    return texts


def _assert_same(keras, build, **kwargs):
    expected, received = _summaries(keras, build, **kwargs)
    assert received == expected, f"\nKeras:\n{expected}\nLamina:\n{received}"
    return received


def _require_layers(*names):
    missing = [name for name in names if not hasattr(lamina.layers, name)]
    if missing:
        pytest.skip(f"lamina.layers does not provide {missing} yet")


# ----------------------------------------------------------------------
# Model builders, written once for both libraries (K is keras or lamina).
def _mlp(K):
    return K.Sequential([
        K.Input((784,)),
        K.layers.Dense(512, activation="relu"),
        K.layers.Dense(512, activation="relu"),
        K.layers.Dense(10, activation="softmax"),
    ], name="mlp")


def _frozen_mlp(K):
    model = _mlp(K)
    model.layers[1].trainable = False
    return model


def _legacy_input_shape(K):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return K.Sequential([K.layers.Dense(8, input_shape=(4,)),
                             K.layers.Dense(2)])


def _built_on_call(K):
    model = K.Sequential([K.layers.Dense(8), K.layers.Dense(2)])
    model(np.zeros((32, 4), "float32"))
    return model


def _unbuilt(K):
    return K.Sequential([K.layers.Dense(8), K.layers.Dense(2)])


def _empty(K):
    return K.Sequential(name="empty")


def _chain(K):
    x = K.Input((16,), name="inp")
    y = K.layers.Dense(8, name="d1")(x)
    return K.Model(x, K.layers.Dense(4, name="d2")(y), name="chain")


def _concat_layer(K):
    class Concat(K.layers.Layer):
        def call(self, inputs):
            return K.ops.concatenate(inputs, axis=-1)

        def compute_output_shape(self, input_shape):
            return input_shape[0][:-1] + (sum(s[-1] for s in input_shape),)

    return Concat


def _two_inputs_shared(K):
    concat = _concat_layer(K)
    a = K.Input((16,), name="a")
    b = K.Input((16,), name="b")
    shared = K.layers.Dense(8, name="shared")
    merged = concat(name="concat")([shared(a), shared(b)])
    out = K.layers.Dense(1, name="out")(merged)
    return K.Model([a, b], out, name="two_input")


def _long_names(K):
    concat = _concat_layer(K)
    a = K.Input((16,), name="first_input_with_a_long_name")
    b = K.Input((16,), name="second_input_with_a_long_name")
    x = K.layers.Dense(8, name="a_really_long_dense_layer_name_to_wrap")(a)
    y = K.layers.Dense(8, name="another_really_long_dense_layer_name")(b)
    out = concat(name="concatenation_of_branches")([x, y, a])
    return K.Model([a, b], out, name="long_names")


def _nested_sequential(K):
    inner = K.Sequential([K.Input((8,)), K.layers.Dense(4, name="inner_d1"),
                          K.layers.Dense(4, name="inner_d2")], name="inner")
    x = K.Input((8,), name="x")
    out = K.layers.Dense(2, name="head")(inner(x))
    return K.Model(x, out, name="outer")


def _nested_functional(K):
    concat = _concat_layer(K)
    ia = K.Input((8,), name="ia")
    ib = K.Input((8,), name="ib")
    branch = K.layers.Dense(3, name="ida")(ia)
    inner = K.Model([ia, ib], concat(name="icat")([branch, ib]),
                    name="inner_fn")
    a = K.Input((8,), name="a")
    b = K.Input((8,), name="b")
    out = K.layers.Dense(2, name="head")(inner([a, b]))
    return K.Model([a, b], out, name="outer2")


def _deep_nest_frozen(K):
    innermost = K.Sequential([K.Input((6,)), K.layers.Dense(5, name="i1")],
                             name="innermost")
    mid_in = K.Input((6,), name="mid_in")
    mid = K.Model(mid_in, K.layers.Dense(4, name="m1")(innermost(mid_in)),
                  name="mid")
    innermost.trainable = False
    x = K.Input((6,), name="x")
    return K.Model(x, K.layers.Dense(1, name="top")(mid(x)), name="deep")


def _subclassed(K):
    class Sub(K.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.d1 = K.layers.Dense(4, name="sd1")
            self.d2 = K.layers.Dense(2, name="sd2")
            self.unused = K.layers.Dense(3, name="unused")

        def call(self, x):
            return self.d2(self.d1(x))

    model = Sub()
    model(np.zeros((2, 3), "float32"))
    return model


def _subclassed_with_blocks(K):
    class Inner(K.Model):
        def __init__(self):
            super().__init__(name="inner_sub")
            self.dense = K.layers.Dense(3, name="ia")

        def call(self, x):
            return self.dense(x)

    class Outer(K.Model):
        def __init__(self):
            super().__init__(name="outer_sub")
            self.block = K.Sequential([K.layers.Dense(5, name="b1"),
                                       K.layers.Dense(4, name="b2")],
                                      name="block")
            x = K.Input((4,), name="fin")
            self.graph_block = K.Model(x, K.layers.Dense(6, name="f1")(x),
                                       name="graph_block")
            self.inner = Inner()
            self.heads = [K.layers.Dense(2, name="h1"),
                          K.layers.Dense(1, name="h2")]

        def call(self, x):
            y = self.inner(self.graph_block(self.block(x)))
            for head in self.heads:
                y = head(y)
            return y

    model = Outer()
    model(np.zeros((2, 7), "float32"))
    return model


def _multi_output(K):
    class Split(K.layers.Layer):
        def call(self, x):
            return [x[:, :3], x[:, 3:]]

        def compute_output_shape(self, shape):
            return [shape[:-1] + (3,), shape[:-1] + (shape[-1] - 3,)]

    x = K.Input((8,), name="x")
    a, b = Split(name="split")(x)
    outputs = [K.layers.Dense(2, name="da")(a),
               K.layers.Dense(2, name="db")(b)]
    return K.Model(x, outputs, name="multi_out")


def _operator_add(K):
    a = K.Input((4,), name="a")
    b = K.Input((4,), name="b")
    return K.Model([a, b], K.layers.Dense(2, name="d")(a + b), name="ops")


def _mixed_dtypes(K):
    return K.Sequential([
        K.Input((10,)),
        K.layers.Dense(7, dtype="float16", name="half"),
        K.layers.Dense(3, dtype="float64", name="double"),
    ], name="mixed")


def _shared_with_other_model(K):
    concat = _concat_layer(K)
    shared = K.layers.Dense(3, name="sh")
    p = K.Input((5,), name="p")
    K.Model(p, shared(p), name="first")
    q = K.Input((7,), name="q")
    r = K.Input((7,), name="r")
    y = K.layers.Dense(5, name="proj")(q)
    return K.Model([q, r], concat(name="cat")([shared(y), r]), name="second")


def _long_model_name(K):
    return K.Sequential([K.Input((3,)), K.layers.Dense(2)],
                        name="a_model_with_an_extremely_long_name_" * 3)


def _big(K):
    return K.Sequential([K.Input((1024,)), K.layers.Dense(2048),
                         K.layers.Dense(1024)], name="big")


# ----------------------------------------------------------------------
# Sequential models
@pytest.mark.parametrize("kwargs", [
    {},
    {"line_length": 60},
    {"line_length": 120},
    {"line_length": 30},
    {"positions": [0.5, 0.7, 1.0]},
    {"positions": [0.3, 0.5, 0.6]},
    {"show_trainable": True},
    {"layer_range": ["dense_1", "dense_2"]},
    {"layer_range": ["dense_2", "dense"]},
])
def test_mlp_matches_keras(keras_ref, kwargs):
    _assert_same(keras_ref, _mlp, **kwargs)


def test_mlp_text(keras_ref):
    text = _assert_same(keras_ref, _mlp)
    assert text.splitlines()[4] == (
        "│ dense (Dense)                   │ (None, 512)            │"
        "       401,920 │")
    assert text.endswith(" Total params: 669,706 (2.55 MB)\n"
                         " Trainable params: 669,706 (2.55 MB)\n"
                         " Non-trainable params: 0 (0.00 B)\n")


@pytest.mark.parametrize("build", [
    _frozen_mlp, _legacy_input_shape, _built_on_call, _unbuilt, _empty,
    _mixed_dtypes, _long_model_name, _big,
], ids=lambda f: f.__name__.strip("_"))
def test_sequential_variants_match_keras(keras_ref, build):
    _assert_same(keras_ref, build, show_trainable=build is _frozen_mlp)


def test_built_on_call_shows_batch_size(keras_ref):
    text = _assert_same(keras_ref, _built_on_call)
    assert "(32, 8)" in text


def test_unbuilt_layers_show_question_marks(keras_ref):
    text = _assert_same(keras_ref, _unbuilt)
    assert "│ ?" in text and "0 (unbuilt) │" in text


# ----------------------------------------------------------------------
# Functional models
@pytest.mark.parametrize("kwargs", [
    {},
    {"show_trainable": True},
    {"positions": [0.2, 0.5, 0.6, 0.9]},
    {"layer_range": ["shared", "concat"]},
    {"line_length": 45, "show_trainable": True},
    {"line_length": 120},
])
def test_two_inputs_with_shared_layer_match_keras(keras_ref, kwargs):
    _assert_same(keras_ref, _two_inputs_shared, **kwargs)


def test_connected_to_column(keras_ref):
    text = _assert_same(keras_ref, _two_inputs_shared)
    assert "│ a[0][0], b[0][0]  │" in text
    assert "│ shared[0][0],     │" in text
    assert "│ shared[1][0]      │" in text


@pytest.mark.parametrize("build", [
    _chain, _long_names, _multi_output, _operator_add,
    _shared_with_other_model,
], ids=lambda f: f.__name__.strip("_"))
def test_functional_variants_match_keras(keras_ref, build):
    _assert_same(keras_ref, build)


def test_long_names_wrap_at_60_columns(keras_ref):
    _assert_same(keras_ref, _long_names, line_length=60)


@pytest.mark.parametrize("expand_nested", [False, True])
@pytest.mark.parametrize("build", [
    _nested_sequential, _nested_functional, _deep_nest_frozen,
], ids=lambda f: f.__name__.strip("_"))
def test_nested_models_match_keras(keras_ref, build, expand_nested):
    _assert_same(keras_ref, build, expand_nested=expand_nested,
                 show_trainable=build is _deep_nest_frozen)


def test_subclassed_model_matches_keras(keras_ref):
    text = _assert_same(keras_ref, _subclassed)
    assert "│ sd1 (Dense)                     │ (2, 4)" in text


@pytest.mark.parametrize("expand_nested", [False, True])
def test_subclassed_model_with_nested_models(keras_ref, expand_nested):
    # Built-on-call blocks show the real batch size; a nested subclassed
    # model without `compute_output_shape` shows "?".
    text = _assert_same(keras_ref, _subclassed_with_blocks,
                        expand_nested=expand_nested,
                        show_trainable=expand_nested)
    assert "│ inner_sub (Inner)" in text


# ----------------------------------------------------------------------
# Output, width and footer
@pytest.mark.parametrize("columns", ["200", "100", "40", "25"])
def test_default_width_follows_terminal(keras_ref, capsys, monkeypatch,
                                        columns):
    monkeypatch.setenv("COLUMNS", columns)
    build = _mlp if columns == "25" else _two_inputs_shared
    printed = []
    for module in (keras_ref, lamina):
        keras_ref.backend.clear_session(free_memory=False)
        backend.clear_session(free_memory=False)
        build(module).summary()
        printed.append(capsys.readouterr().out)
    assert printed[1] == printed[0]


def test_print_fn_gets_the_whole_text_once():
    calls = []
    lamina_model = _mlp(lamina)
    lamina_model.summary(print_fn=lambda *args, **kwargs: calls.append(
        (args, kwargs)))
    assert len(calls) == 1
    (text,), kwargs = calls[0]
    assert kwargs == {}
    assert text.startswith('Model: "mlp"\n┏') and text.endswith("B)\n")


def test_optimizer_params_line(keras_ref):
    keras_ref.backend.clear_session(free_memory=False)
    keras_model = _mlp(keras_ref)
    keras_model.compile(optimizer="adam", loss="mse")
    keras_model.optimizer.build(keras_model.trainable_variables)
    expected = []
    keras_model.summary(print_fn=expected.append)

    backend.clear_session(free_memory=False)
    model = _mlp(lamina)
    variables = [
        torch.zeros(tuple(v.shape), dtype=getattr(torch, v.dtype))
        for v in keras_model.optimizer.variables
    ]
    model.optimizer = types.SimpleNamespace(built=True, variables=variables)
    model.compiled = True
    received = []
    model.summary(print_fn=received.append)
    assert received == expected
    assert " Optimizer params: 1,339,414 (5.11 MB)\n" in received[0]

    model.optimizer = types.SimpleNamespace(built=False, variables=variables)
    unbuilt = []
    model.summary(print_fn=unbuilt.append)
    assert "Optimizer params" not in unbuilt[0]


def test_optimizer_params_after_compile(keras_ref):
    backend.clear_session(free_memory=False)
    if not hasattr(_mlp(lamina), "compile"):
        pytest.skip("lamina models have no compile() yet")

    def compiled_mlp(K):
        model = _mlp(K)
        model.compile(optimizer="adam", loss="mse")
        model.optimizer.build(model.trainable_variables)
        return model

    text = _assert_same(keras_ref, compiled_mlp)
    assert text.endswith(" Optimizer params: 1,339,414 (5.11 MB)\n")


def test_ascii_box_when_stdout_cannot_encode(keras_ref, monkeypatch):
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    text = _assert_same(keras_ref, _two_inputs_shared)
    assert text.splitlines()[1].startswith("+----")


def test_readable_memory_size():
    size = summary_utils.readable_memory_size
    assert size(0) == "0.00 B"
    assert size(1023) == "1023.00 B"
    assert size(1024) == "1.00 KB"
    assert size(217640) == "212.54 KB"
    assert size(5 * 1024 ** 3) == "5.00 GB"
    # Past PB, Keras divides once more than it labels (as here).
    assert size(3 * 1024 ** 6) == "3.00 PB"


def test_weight_memory_size_counts_dtype_and_bool_bits():
    weights = [torch.zeros(3, 4), torch.zeros(8, dtype=torch.float16),
               torch.zeros(16, dtype=torch.bool)]
    assert summary_utils.weight_memory_size(weights) == 48 + 16 + 2
    assert summary_utils.count_params(weights) == 12 + 8 + 16


# ----------------------------------------------------------------------
# Errors
@pytest.mark.parametrize("kwargs, message", [
    ({"layer_range": ["dense"]}, "layer_range"),
    ({"layer_range": ["dense", 3]}, "layer_range"),
    ({"layer_range": ["nope", "dense"]}, "matches no layer"),
    ({"line_length": 10}, "Insufficient console width"),
    ({"positions": [0.5, 1.0]}, "positions"),
])
def test_bad_arguments_raise(keras_ref, kwargs, message):
    if "positions" not in kwargs:
        with pytest.raises(ValueError):
            _mlp(keras_ref).summary(print_fn=print, **kwargs)
    with pytest.raises(ValueError, match=message):
        _mlp(lamina).summary(print_fn=print, **kwargs)


# ----------------------------------------------------------------------
# Layers written by other families (skipped until they exist)
def _cnn(K):
    return K.Sequential([
        K.Input((28, 28, 1)),
        K.layers.Conv2D(32, 3, activation="relu"),
        K.layers.MaxPooling2D(2),
        K.layers.Flatten(),
        K.layers.Dropout(0.5),
        K.layers.Dense(10, activation="softmax"),
    ], name="seq")


def _mlp_with_dropout(K):
    return K.Sequential([
        K.Input((784,)),
        K.layers.Dense(512, activation="relu"),
        K.layers.Dropout(0.2),
        K.layers.Dense(512, activation="relu"),
        K.layers.Dropout(0.2),
        K.layers.Dense(10, activation="softmax"),
    ], name="mlp")


def _batch_norm(K):
    return K.Sequential([K.Input((8,)), K.layers.Dense(4),
                         K.layers.BatchNormalization()], name="bn")


def test_mlp_with_dropout_matches_keras(keras_ref):
    _require_layers("Dropout")
    _assert_same(keras_ref, _mlp_with_dropout, show_trainable=True)


def test_cnn_matches_keras(keras_ref):
    _require_layers("Conv2D", "MaxPooling2D", "Flatten", "Dropout")
    text = _assert_same(keras_ref, _cnn)
    assert " Total params: 54,410 (212.54 KB)\n" in text


def test_non_trainable_weights_match_keras(keras_ref):
    _require_layers("BatchNormalization")
    _assert_same(keras_ref, _batch_norm, show_trainable=True)


# ----------------------------------------------------------------------
# The table layout itself, against the rich library Keras renders with
def test_table_layout_matches_rich():
    rich_console = pytest.importorskip("rich.console")
    rich_table = pytest.importorskip("rich.table")
    rich_markup = pytest.importorskip("rich.markup")
    words = ["dense", "(Dense)", "a_really_long_layer_name", "(None,", "512)",
             "x[0][0],", "-", "Y", "   └", "0", "(unbuilt)", "1,234,567", ""]
    rng = random.Random(0)

    def text():
        separator = rng.choice([" ", "  ", ", "])
        return separator.join(rng.choice(words)
                              for _ in range(rng.randint(0, 4)))

    for _ in range(300):
        count = rng.randint(1, 5)
        line_length = rng.randint(count, 120)
        widths = [rng.randint(1, 50) for _ in range(count)]
        justify = [rng.choice(["left", "right", "center"])
                   for _ in range(count)]
        header = [text() for _ in range(count)]
        rows = [[text() for _ in range(count)]
                for _ in range(rng.randint(0, 3))]
        table = rich_table.Table(
            *[rich_table.Column(h, justify=j, width=w)
              for h, j, w in zip(header, justify, widths)],
            width=line_length, show_lines=True)
        for row in rows:
            table.add_row(*[rich_markup.escape(cell) for cell in row])
        console = rich_console.Console(width=1000, force_terminal=False,
                                       color_system=None, highlight=False)
        console.begin_capture()
        console.print(table)
        expected = console.end_capture()
        received = render_table(header, rows, widths, justify, line_length)
        assert "\n".join(received) + "\n" == expected


def test_console_wrapping_matches_rich():
    # The "Model:" and footer lines wrap at the console width, folding
    # words longer than a line.
    rich_console = pytest.importorskip("rich.console")
    rich_markup = pytest.importorskip("rich.markup")
    words = ["Total", "params:", "669,706", "(2.55 MB)", '"',
             "a_model_with_an_extremely_long_name", "Model:", ""]
    rng = random.Random(1)
    for _ in range(300):
        text = "".join(rng.choice(words) + rng.choice(["", " ", "  "])
                       for _ in range(rng.randint(0, 8)))
        if rng.random() < 0.5:
            text = " " + text
        width = rng.randint(1, 60)
        console = rich_console.Console(width=width, force_terminal=False,
                                       color_system=None, highlight=False)
        console.begin_capture()
        console.print(rich_markup.escape(text))
        expected = console.end_capture()
        assert layout([("text", text)], width) == expected
