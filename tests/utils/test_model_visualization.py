"""plot_model / model_to_dot: the DOT source equals Keras 3's for the same
model (node ids, which are Python object ids, replaced by the node labels),
and rendering works without a system Graphviz."""

import io
import os
import re
import stat
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

import lamina

pydot = pytest.importorskip("pydot")
keras = pytest.importorskip("keras")

from lamina.utils import dot_rendering  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------
# The seed models, written once for both libraries.
def mnist_mlp(k):
    return k.Sequential([
        k.Input((784,)),
        k.layers.Dense(512, activation="relu"),
        k.layers.Dropout(0.2),
        k.layers.Dense(512, activation="relu"),
        k.layers.Dropout(0.2),
        k.layers.Dense(10, activation="softmax"),
    ], name="mnist_mlp")


def convnet(k):
    return k.Sequential([
        k.Input((28, 28, 1)),
        k.layers.Conv2D(32, 3, activation="relu"),
        k.layers.MaxPooling2D(2),
        k.layers.Conv2D(64, 3, activation="relu"),
        k.layers.MaxPooling2D(2),
        k.layers.Flatten(),
        k.layers.Dropout(0.5),
        k.layers.Dense(10, activation="softmax"),
    ], name="convnet")


def functional_convnet(k):
    inputs = k.Input((32, 32, 3), name="img")
    x = k.layers.Conv2D(32, 3, activation="relu")(inputs)
    x = k.layers.Conv2D(64, 3, activation="relu")(x)
    block_1 = k.layers.MaxPooling2D(3)(x)
    x = k.layers.Conv2D(64, 3, activation="relu", padding="same")(block_1)
    x = k.layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2 = k.layers.add([x, block_1])
    x = k.layers.GlobalAveragePooling2D()(block_2)
    outputs = k.layers.Dense(10)(x)
    return k.Model(inputs, outputs, name="toy_resnet")


def multi_input(k):
    # The functional API guide's ticket classifier.
    title = k.Input(shape=(None,), name="title")
    body = k.Input(shape=(None,), name="body")
    tags = k.Input(shape=(12,), name="tags")
    title_features = k.layers.LSTM(128)(k.layers.Embedding(10000, 64)(title))
    body_features = k.layers.LSTM(32)(k.layers.Embedding(10000, 64)(body))
    x = k.layers.concatenate([title_features, body_features, tags])
    priority = k.layers.Dense(1, name="priority")(x)
    department = k.layers.Dense(4, name="department")(x)
    return k.Model(inputs=[title, body, tags],
                   outputs={"priority": priority, "department": department})


def nested(k):
    inner = k.Sequential([k.Input((16,)), k.layers.Dense(8, name="s1"),
                          k.layers.Dense(4, name="s2")], name="stack")
    a = k.Input((16,), name="branch_in")
    branch = k.Model(a, k.layers.Dense(4, name="b1")(a), name="branch")
    outer_in = k.Input((16,), name="x")
    h = k.layers.Dense(16, activation="relu", name="h")(outer_in)
    merged = k.layers.Add(name="merge")([inner(h), branch(h)])
    frozen = k.layers.Dense(2, name="head", trainable=False)(merged)
    return k.Model(outer_in, [frozen, merged * 2.0], name="outer")


def nested_sequential(k):
    block = k.Sequential([k.layers.Dense(8, name="n1"),
                          k.layers.Dense(8, name="n2")], name="block")
    return k.Sequential([k.Input((4,)), block,
                         k.layers.Dense(1, name="out")], name="wrapper")


SEEDS = [mnist_mlp, convnet, functional_convnet, multi_input, nested,
         nested_sequential]

OPTIONS = [
    {},
    {"show_shapes": True, "show_dtype": True},
    {"show_layer_names": False, "show_layer_activations": True,
     "show_trainable": True},
    {"expand_nested": True, "show_shapes": True, "rankdir": "LR",
     "dpi": 96, "splines": "curved"},
    {"expand_nested": True, "show_trainable": True, "show_dtype": True,
     "show_layer_activations": True},
]


def canonical(dot):
    """The DOT text with each node id replaced by its label, lines sorted
    (the order of a dict of nodes differs, not the graph)."""
    text = dot.to_string()
    labels = dict(re.findall(r"^(\d+) \[label=(<.*?>), ", text, re.M))
    text = re.sub(r"\b\d{6,}\b", lambda m: labels.get(m.group(0),
                                                        m.group(0)), text)
    return sorted(text.splitlines())


@pytest.mark.parametrize("options", OPTIONS,
                         ids=lambda o: ",".join(o) or "defaults")
@pytest.mark.parametrize("seed", SEEDS, ids=lambda f: f.__name__)
def test_dot_source_equals_keras(seed, options):
    lamina.backend.clear_session()
    keras.backend.clear_session()
    expected = keras.utils.model_to_dot(seed(keras), **options)
    got = lamina.utils.model_to_dot(seed(lamina), **options)
    assert canonical(got) == canonical(expected)
    assert len(got.get_edges()) == len(expected.get_edges())


def test_nested_expansion_draws_clusters_with_edges_into_them():
    lamina.backend.clear_session()
    dot = lamina.utils.model_to_dot(nested(lamina), expand_nested=True)
    clusters = {g.get_name().strip('"') for g in dot.get_subgraphs()}
    assert clusters == {"cluster_stack", "cluster_branch"}
    names = {}
    for node in dot.get_nodes() + [n for g in dot.get_subgraphs()
                                   for n in g.get_nodes()]:
        label = node.get("label") or ""
        match = re.search(r"<b>(\w+)</b>", label)
        if match:
            names[node.get_name()] = match.group(1)
    edges = {(names[e.get_source()], names[e.get_destination()])
             for e in dot.get_edges()}
    # Into the Sequential's first layer, into the Functional's InputLayer,
    # and out of each one's last layer.
    assert {("h", "s1"), ("h", "branch_in"), ("s2", "merge"),
            ("b1", "merge"), ("merge", "head"),
            ("merge", "multiply")} <= edges


def test_subclassed_model_is_one_node_and_must_be_built():
    class Net(lamina.Model):
        def __init__(self):
            super().__init__(name="net")
            self.dense = lamina.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Net()
    with pytest.raises(ValueError, match="'net' has not yet been built"):
        lamina.utils.model_to_dot(model)
    with pytest.raises(ValueError, match="not yet been built"):
        lamina.utils.plot_model(model, to_file="never.png")
    model(np.zeros((1, 3), "float32"))
    dot = lamina.utils.model_to_dot(model)
    (node,) = dot.get_nodes()[1:]  # after the `node` defaults entry
    assert "<b>net</b> (Net)" in node.get("label")
    assert not dot.get_edges()


def test_layer_range_keeps_the_layers_between_two_names():
    lamina.backend.clear_session()
    model = mnist_mlp(lamina)
    dot = lamina.utils.model_to_dot(model, layer_range=["dense_1", "dense_2"])
    labels = [n.get("label") for n in dot.get_nodes()[1:]]
    assert [re.search(r"<b>(\w+)</b>", l).group(1) for l in labels] == [
        "dense_1", "dropout_1", "dense_2"]
    assert len(dot.get_edges()) == 2
    with pytest.raises(ValueError, match="no layer name matches 'conv'"):
        lamina.utils.model_to_dot(model, layer_range=["conv", "dense_2"])
    with pytest.raises(ValueError, match="layer_range"):
        lamina.utils.model_to_dot(model, layer_range="dense")
    functional = functional_convnet(lamina)
    dot = lamina.utils.model_to_dot(functional,
                                    layer_range=["conv2d_2", "add"])
    names = [re.search(r"<b>(\w+)</b>", n.get("label")).group(1)
             for n in dot.get_nodes()[1:]]
    assert names == ["conv2d_2", "conv2d_3", "add"]
    # conv2d_2 -> conv2d_3 -> add; the skip edge from max_pooling2d is out.
    assert len(dot.get_edges()) == 2


# ----------------------------------------------------------------------
# Rendering
@pytest.fixture
def model():
    lamina.backend.clear_session()
    return multi_input(lamina)


def test_png_svg_pdf_and_dot_by_extension(tmp_path, model):
    image = pytest.importorskip("PIL.Image")
    png = tmp_path / "model.png"
    lamina.utils.plot_model(model, png, show_shapes=True, dpi=72)
    data = png.read_bytes()
    assert data.startswith(PNG_MAGIC)
    with image.open(io.BytesIO(data)) as picture:
        small = picture.size
    lamina.utils.plot_model(model, tmp_path / "big.png", show_shapes=True,
                            dpi=144)
    with image.open(tmp_path / "big.png") as picture:
        big = picture.size
    assert big[0] == pytest.approx(2 * small[0], rel=0.05)

    svg = tmp_path / "model.svg"
    lamina.utils.plot_model(model, svg, show_layer_names=True)
    root = ElementTree.fromstring(svg.read_bytes())
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    for name in ("title", "body", "tags", "priority", "department"):
        assert name in text

    pdf = tmp_path / "model.pdf"
    lamina.utils.plot_model(model, pdf, dpi=72)
    assert pdf.read_bytes().startswith(b"%PDF")

    source = tmp_path / "model.dot"
    lamina.utils.plot_model(model, source, rankdir="LR")
    text = source.read_text()
    assert text == lamina.utils.model_to_dot(
        model, rankdir="LR", show_layer_names=False).to_string()
    assert "rankdir=LR;" in text and "splines=ortho;" in text


def test_jpeg(tmp_path, model):
    for name in ("model.jpg", "model.JPEG"):
        lamina.utils.plot_model(model, tmp_path / name, dpi=50)
        assert (tmp_path / name).read_bytes().startswith(b"\xff\xd8")


def test_no_extension_means_png(tmp_path, model):
    target = tmp_path / "picture"
    lamina.utils.plot_model(model, target)
    assert target.read_bytes().startswith(PNG_MAGIC)


def test_unknown_extension(tmp_path, model):
    with pytest.raises(ValueError, match=r"to_file=.*model\.bmp"):
        lamina.utils.plot_model(model, tmp_path / "model.bmp")
    assert not (tmp_path / "model.bmp").exists()


def test_a_dot_program_on_path_is_preferred(tmp_path, model, monkeypatch):
    # A `dot` that records its call, then draws with graphviz-pure.
    real = dot_rendering.graphviz_pure_program()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "called"
    script = bin_dir / "dot"
    script.write_text(f'#!/bin/sh\necho "$@" > "{marker}"\n'
                      f'exec "{real}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}"
                       f"{os.environ.get('PATH', '')}")
    lamina.utils.plot_model(model, tmp_path / "model.svg")
    assert "-Tsvg" in marker.read_text()
    assert b"<svg" in (tmp_path / "model.svg").read_bytes()


def test_keras_renders_the_same_source_with_the_same_program(tmp_path,
                                                             monkeypatch):
    # Keras 3 needs a `dot` program; give it graphviz-pure under that name
    # and compare its SVG text (labels in order) with Lamina's. (Keras's
    # probe of the program renders PostScript, which graphviz-pure lacks.)
    from keras.src.utils import model_visualization as keras_visualization

    monkeypatch.setattr(keras_visualization, "check_graphviz", lambda: True)
    # Keras returns IPython.display.Image for an SVG file, which IPython
    # refuses; without IPython it returns nothing.
    monkeypatch.setitem(sys.modules, "IPython", None)
    real = dot_rendering.graphviz_pure_program()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(real, bin_dir / "dot")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}"
                       f"{os.environ.get('PATH', '')}")
    keras.backend.clear_session()
    lamina.backend.clear_session()
    keras.utils.plot_model(convnet(keras), str(tmp_path / "k.svg"),
                           show_shapes=True)
    lamina.utils.plot_model(convnet(lamina), tmp_path / "l.svg",
                            show_shapes=True)

    def texts(path):
        root = ElementTree.parse(path).getroot()
        return [t.text for t in root.iter() if t.tag.endswith("text")]

    assert texts(tmp_path / "l.svg") == texts(tmp_path / "k.svg")


def test_missing_pydot_names_the_extra(model, monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match=r"lamina\[plot\]"):
        lamina.utils.model_to_dot(model)


def test_missing_renderer_names_the_extra(tmp_path, model, monkeypatch):
    import importlib.metadata
    import shutil
    import sysconfig

    monkeypatch.setattr(shutil, "which", lambda name: None)

    def absent(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", absent)
    monkeypatch.setattr(sysconfig, "get_path",
                        lambda name: str(tmp_path / "nothing"))
    with pytest.raises(ImportError, match=r"lamina\[plot\]"):
        lamina.utils.plot_model(model, tmp_path / "model.png")
    # The DOT source needs no renderer.
    lamina.utils.plot_model(model, tmp_path / "model.dot")


def test_notebook_gets_an_ipython_image(tmp_path, model):
    display = pytest.importorskip("IPython.display")
    png = lamina.utils.plot_model(model, tmp_path / "model.png")
    assert isinstance(png, display.Image)
    assert png.data.startswith(PNG_MAGIC)
    svg = lamina.utils.plot_model(model, tmp_path / "model.svg")
    assert isinstance(svg, display.SVG)
    assert lamina.utils.plot_model(model, tmp_path / "model.pdf") is None
