"""The same architecture writes the same weights file in Lamina and Keras:
identical group paths, `name` attributes and dataset shapes, so weights move
both ways for every layer family."""

import os

import h5py
import numpy as np
import pytest

import lamina


def layer_stack(lib, shape, *layers_):
    return lib.Sequential([lib.Input(shape), *layers_])


def cases(lib):
    L = lib.layers
    return {
        "dense_einsum": lambda: layer_stack(
            lib, (6,), L.Dense(5), L.EinsumDense("ab,bc->ac", output_shape=4,
                                                 bias_axes="c"), L.PReLU()),
        "convolutions": lambda: layer_stack(
            lib, (9, 9, 3), L.Conv2D(4, 3), L.SeparableConv2D(4, 3),
            L.DepthwiseConv2D(2), L.Conv2DTranspose(3, 2),
            L.GroupNormalization(groups=3), L.GlobalMaxPooling2D()),
        "conv_1d_3d": lambda: layer_stack(
            lib, (4, 4, 4, 2), L.Conv3D(3, 2), L.Reshape((27, 3)),
            L.Conv1D(2, 3), L.LayerNormalization()),
        "recurrent": lambda: layer_stack(
            lib, (5, 3), L.SimpleRNN(4, return_sequences=True),
            L.Bidirectional(L.GRU(3, return_sequences=True)),
            L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True),
            L.TimeDistributed(L.Dense(2)), L.LSTM(2)),
        "embedding_norm": lambda: layer_stack(
            lib, (4,), L.Embedding(10, 3), L.BatchNormalization(),
            L.Flatten(), L.Dense(2)),
    }


def attention_model(lib):
    L = lib.layers
    query = lib.Input((4, 6))
    value = lib.Input((3, 6))
    x = L.MultiHeadAttention(num_heads=2, key_dim=3)(query, value)
    y = L.GroupQueryAttention(head_dim=2, num_query_heads=4,
                              num_key_value_heads=2)(query, value)
    z = L.Attention(use_scale=True)([query, value])
    w = L.AdditiveAttention()([query, value])
    return lib.Model([query, value], L.Concatenate()([x, y, z, w]))


def layout(path):
    found = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            found[name] = obj.shape
        elif "name" in obj.attrs:
            found[name + "@name"] = obj.attrs["name"]

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    # Weightless objects (Keras's attention layers hold a Softmax layer)
    # change nothing in loading: keep names only where weights are.
    return {key: value for key, value in found.items()
            if not key.endswith("@name") or any(
                other.startswith(key[:-len("@name")] + "/")
                for other in found if not other.endswith("@name"))}


NAMES = sorted(cases(lamina)) + ["attention"]


def build(lib, case):
    """The model of `case`, built with `lib` (Lamina or Keras)."""
    return attention_model(lib) if case == "attention" else cases(lib)[case]()


def sample_inputs(model, case, seed):
    """Two random samples for `model`'s inputs (token ids for the
    embedding case)."""
    rng = np.random.default_rng(seed)
    inputs = [rng.normal(size=(2,) + tuple(t.shape[1:])).astype("float32")
              for t in model.inputs]
    if case == "embedding_norm":
        inputs = [rng.integers(0, 10, size=(2, 4)).astype("int32")]
    return inputs[0] if len(inputs) == 1 else inputs


def assert_same_outputs(keras_ref, ours, theirs, x):
    np.testing.assert_allclose(
        np.asarray(ours.predict(x, verbose=0)),
        keras_ref.ops.convert_to_numpy(theirs.predict(x, verbose=0)),
        atol=1e-5)


@pytest.mark.parametrize("case", NAMES)
def test_weights_layout_matches_keras(keras_ref, tmp_path, case):
    theirs, ours = build(keras_ref, case), build(lamina, case)
    their_path = os.path.join(tmp_path, "k.weights.h5")
    our_path = os.path.join(tmp_path, "l.weights.h5")
    theirs.save_weights(their_path)
    ours.save_weights(our_path)
    their_layout, our_layout = layout(their_path), layout(our_path)
    # The top-level model's own name is a per-session counter.
    their_layout.pop("vars@name", None)
    our_layout.pop("vars@name", None)
    assert our_layout == their_layout

    # Keras's weights load into Lamina and give Keras's outputs.
    ours.load_weights(their_path)
    assert_same_outputs(keras_ref, ours, theirs,
                        sample_inputs(theirs, case, seed=0))


@pytest.mark.parametrize("case", NAMES)
def test_lamina_keras_file_loads_in_keras(keras_ref, tmp_path, case):
    ours = build(lamina, case)
    path = os.path.join(tmp_path, "l.keras")
    ours.save(path)
    theirs = keras_ref.saving.load_model(path)
    assert_same_outputs(keras_ref, ours, theirs,
                        sample_inputs(ours, case, seed=1))


def test_torch_module_state_is_saved_like_keras_torch_module_wrapper(
        keras_ref, tmp_path):
    import torch

    def block():
        return torch.nn.Sequential(torch.nn.Linear(4, 3),
                                   torch.nn.BatchNorm1d(3))

    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    theirs = keras_ref.Sequential([
        keras_ref.Input((4,)), keras_ref.layers.TorchModuleWrapper(block()),
        keras_ref.layers.Dense(2)])
    theirs.predict(x, verbose=0)
    ours = lamina.Sequential([lamina.Input((4,)), block(),
                              lamina.layers.Dense(2)])
    their_path = os.path.join(tmp_path, "k.weights.h5")
    our_path = os.path.join(tmp_path, "l.weights.h5")
    theirs.save_weights(their_path)
    ours.save_weights(our_path)
    assert layout(our_path) == layout(their_path)
    assert "layers/torch_module_wrapper/vars/1.running_var" in \
        layout(our_path)
    ours.load_weights(their_path)
    np.testing.assert_allclose(
        np.asarray(ours.predict(x, verbose=0)),
        keras_ref.ops.convert_to_numpy(theirs.predict(x, verbose=0)),
        atol=1e-6)


def test_keras_bfloat16_weights_load(keras_ref, tmp_path):
    theirs = keras_ref.Sequential([keras_ref.Input((3,)),
                                   keras_ref.layers.Dense(2, dtype="bfloat16")])
    path = os.path.join(tmp_path, "bf16.weights.h5")
    theirs.save_weights(path)
    ours = lamina.Sequential([lamina.Input((3,)),
                              lamina.layers.Dense(2, dtype="bfloat16")])
    ours.load_weights(path)
    expected = keras_ref.ops.convert_to_numpy(
        keras_ref.ops.cast(theirs.layers[0].kernel, "float32"))
    np.testing.assert_array_equal(
        ours.layers[0].kernel.detach().float().cpu().numpy(), expected)


@pytest.mark.parametrize("case", NAMES)
def test_keras_written_keras_file_loads_in_lamina(keras_ref, tmp_path, case):
    theirs = build(keras_ref, case)
    path = os.path.join(tmp_path, "k.keras")
    theirs.save(path)
    ours = lamina.saving.load_model(path)
    assert_same_outputs(keras_ref, ours, theirs,
                        sample_inputs(theirs, case, seed=2))


def test_keras_reads_lamina_checksummed_datasets(keras_ref, tmp_path):
    ours = cases(lamina)["convolutions"]()
    path = os.path.join(tmp_path, "l.weights.h5")
    ours.save_weights(path)
    with h5py.File(path, "r") as f:
        kernel = f["layers/conv2d/vars/0"]
        assert kernel.fletcher32 and kernel.chunks is not None
    theirs = cases(keras_ref)["convolutions"]()
    theirs.load_weights(path)
    for a, b in zip(theirs.weights, ours.weights):
        np.testing.assert_array_equal(keras_ref.ops.convert_to_numpy(a),
                                      b.detach().cpu().numpy())
