import numpy as np
import pytest
import torch

import lamina
from harness import assert_keras_parity
from harness import run_layer_test
from lamina.layers.core.embedding import Embedding
from lamina.layers.layer import Layer


@pytest.fixture
def keras_ref():
    """The shared `keras_ref` fixture without its full garbage collection
    (`clear_session()` collects, ~0.8 s per test on this machine)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session(free_memory=False)
    return keras


class MaskRecorder(Layer):
    """Records the mask its `call` receives."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.received = []

    def call(self, inputs, mask=None):
        self.received.append(mask)
        return inputs * 1

    def compute_output_shape(self, input_shape):
        return input_shape


@pytest.mark.parametrize("kwargs,input_shape,input_dtype,expected", [
    ({"input_dim": 10, "output_dim": 4}, (2, 3), "int64", (2, 3, 4)),
    ({"input_dim": 10, "output_dim": 4}, (2, 3), "int32", (2, 3, 4)),
    ({"input_dim": 12, "output_dim": 2, "mask_zero": True}, (2, 5), "int64",
     (2, 5, 2)),
    ({"input_dim": 10, "output_dim": 3, "embeddings_initializer": "ones"},
     (2, 2, 3), "int64", (2, 2, 3, 3)),
    ({"input_dim": 10, "output_dim": 3, "embeddings_regularizer": "l2",
      "activity_regularizer": "l1"}, (2, 3), "int64", (2, 3, 3)),
    ({"input_dim": 10, "output_dim": 3, "embeddings_constraint": "non_neg"},
     (4,), "int64", (4, 3)),
])
def test_embedding_harness_and_parity(keras_ref, kwargs, input_shape,
                                      input_dtype, expected):
    layer = run_layer_test(
        Embedding, kwargs, input_shape=input_shape, input_dtype=input_dtype,
        expected_output_shape=expected, expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=0,
        supports_masking=kwargs.get("mask_zero", False),
        keras_reference=keras_ref,
    )
    assert tuple(layer.embeddings.shape) == (kwargs["input_dim"],
                                              kwargs["output_dim"])
    assert list(layer.state_dict()) == ["embeddings"]
    assert layer.weights[0].path == f"{layer.name}/embeddings"


def test_embedding_regularization_losses():
    layer = Embedding(10, 3, embeddings_regularizer="l2",
                      activity_regularizer="l1")
    layer(np.array([[1, 2]]))
    assert len(layer.losses) == 2


def test_embedding_lookup_values():
    weights = np.arange(12, dtype="float32").reshape(4, 3)
    layer = Embedding(4, 3, weights=weights)
    assert layer.built
    np.testing.assert_array_equal(layer.get_weights()[0], weights)
    out = layer(np.array([[3, 0], [1, 1]]))
    np.testing.assert_array_equal(out.detach().cpu().numpy(),
                                  weights[np.array([[3, 0], [1, 1]])])
    layer = Embedding(4, 3, weights=[weights])
    np.testing.assert_array_equal(layer.get_weights()[0], weights)


def test_embedding_casts_float_indices():
    layer = Embedding(5, 2, weights=np.eye(5, 2, dtype="float32"))
    out = layer(np.array([[1.0, 0.0]], dtype="float64"))
    assert out.dtype == torch.float32
    np.testing.assert_array_equal(out.detach().cpu().numpy(),
                                  [[[0, 1], [1, 0]]])


def test_embedding_gradient_reaches_looked_up_rows_only():
    layer = Embedding(6, 2)
    layer(torch.tensor([[1, 4, 4]])).sum().backward()
    grad = layer.embeddings.grad
    np.testing.assert_array_equal(grad[:, 0].cpu().numpy(), [0, 1, 0, 0, 2, 0])


def test_embedding_symbolic():
    inputs = lamina.Input((7,), dtype="int32")
    out = Embedding(100, 8)(inputs)
    assert out.shape == (None, 7, 8) and out.dtype == "float32"


def test_embedding_mask_zero_attaches_mask(keras_ref):
    x = np.array([[0, 3, 5, 0], [2, 0, 1, 1]])
    ours = Embedding(6, 2, mask_zero=True)
    out = ours(x)
    np.testing.assert_array_equal(out._keras_mask.cpu().numpy(), x != 0)
    theirs = keras_ref.layers.Embedding(6, 2, mask_zero=True)(x)
    np.testing.assert_array_equal(out._keras_mask.cpu().numpy(),
                                  theirs._keras_mask.cpu().numpy())
    assert Embedding(6, 2).compute_mask(torch.tensor(x), None) is None
    assert getattr(Embedding(6, 2)(x), "_keras_mask", None) is None


def test_embedding_mask_reaches_downstream_layer():
    x = torch.tensor([[0, 3, 5, 0], [2, 0, 1, 1]])
    recorder = MaskRecorder()
    out = recorder(Embedding(6, 2, mask_zero=True)(x))
    assert torch.equal(recorder.received[-1].cpu(), (x != 0).cpu())
    assert torch.equal(out._keras_mask.cpu(), (x != 0).cpu())


def test_embedding_mask_flows_through_sequential():
    x = np.array([[0, 3, 5, 0], [2, 0, 1, 1]])
    recorder = MaskRecorder()
    model = lamina.Sequential([lamina.Input((4,), dtype="int64"),
                               Embedding(6, 2, mask_zero=True), recorder])
    recorder.received.clear()
    model(x)
    np.testing.assert_array_equal(recorder.received[-1].cpu().numpy(), x != 0)


def test_embedding_mask_flows_through_functional_model():
    x = np.array([[0, 3, 5, 0], [2, 0, 1, 1]])
    recorder = MaskRecorder()
    inputs = lamina.Input((4,), dtype="int64")
    model = lamina.Model(inputs, recorder(Embedding(6, 2, mask_zero=True)(
        inputs)))
    recorder.received.clear()
    model(x)
    np.testing.assert_array_equal(recorder.received[-1].cpu().numpy(), x != 0)


def test_embedding_lora(keras_ref):
    layer = Embedding(10, 4, lora_rank=2)
    x = np.array([[1, 2, 9]])
    base = layer(x)
    assert [w.path.split("/")[-1] for w in layer.weights] == [
        "embeddings", "lora_embeddings_a", "lora_embeddings_b"]
    assert len(layer.trainable_weights) == 2
    assert len(layer.non_trainable_weights) == 1
    assert layer.lora_enabled and layer.lora_alpha == 2
    # lora_embeddings_b starts at zero: outputs are the frozen embeddings.
    np.testing.assert_allclose(base.detach().cpu().numpy(),
                               layer.embeddings.detach().cpu().numpy()[x])
    layer(x).sum().backward()
    assert layer.embeddings.grad is None
    assert layer.lora_embeddings_b.grad is not None
    config = layer.get_config()
    assert config["lora_rank"] == 2 and config["lora_alpha"] == 2
    assert config.keys() == keras_ref.layers.Embedding(
        10, 4, lora_rank=2).get_config().keys()
    # Non-zero LoRA factors, copied from Keras, give Keras's outputs.
    ours, theirs = assert_keras_parity(
        keras_ref, "Embedding", {"input_dim": 10, "output_dim": 4,
                                 "lora_rank": 2}, x, lamina_cls=Embedding)
    rng = np.random.default_rng(0)
    new = [rng.standard_normal(w.shape).astype("float32")
           for w in theirs.get_weights()]
    theirs.set_weights(new)
    ours.set_weights(new)
    np.testing.assert_allclose(
        ours(x).detach().cpu().numpy(),
        keras_ref.ops.convert_to_numpy(theirs(x)), atol=1e-5)


def test_embedding_lora_alpha_scales_update():
    layer = Embedding(5, 3, lora_rank=1, lora_alpha=4)
    layer.build()
    with torch.no_grad():
        layer.lora_embeddings_a.fill_(1.0)
        layer.lora_embeddings_b.fill_(0.5)
    out = layer(torch.tensor([0]))
    base = torch.as_tensor(layer.get_weights()[0])
    expected = base[0] + 4 * 0.5
    torch.testing.assert_close(out[0], expected.detach())


def test_embedding_enable_lora_errors():
    with pytest.raises(ValueError, match="isn't yet built"):
        Embedding(5, 3).enable_lora(2)
    layer = Embedding(5, 3, embeddings_constraint="non_neg")
    layer.build()
    with pytest.raises(ValueError, match="constraint"):
        layer.enable_lora(2)
    layer = Embedding(5, 3, lora_rank=2)
    layer.build()
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)


@pytest.mark.parametrize("kwargs", [
    {}, {"mask_zero": True, "embeddings_regularizer": "l2"},
    {"embeddings_initializer": "ones", "activity_regularizer": "l1",
     "embeddings_constraint": "max_norm"},
])
def test_embedding_config_matches_keras(keras_ref, kwargs):
    ours = Embedding(10, 4, name="e", **kwargs).get_config()
    theirs = keras_ref.layers.Embedding(10, 4, name="e", **kwargs).get_config()
    assert ours == theirs


def test_embedding_sequential_parameter_count(keras_ref):
    model = lamina.Sequential([lamina.Input((10,), dtype="int32"),
                               Embedding(1000, 64)])
    theirs = keras_ref.Sequential([keras_ref.Input((10,), dtype="int32"),
                                   keras_ref.layers.Embedding(1000, 64)])
    assert model.count_params() == theirs.count_params() == 64_000
    assert model.output.shape == (None, 10, 64)


def test_embedding_input_length_is_deprecated():
    with pytest.warns(UserWarning, match="input_length"):
        Embedding(5, 2, input_length=3)


@pytest.mark.parametrize("name,value", [
    ("input_dim", 0), ("input_dim", -3), ("input_dim", 2.5),
    ("input_dim", True), ("output_dim", 0), ("output_dim", None),
])
def test_embedding_invalid_dims(name, value):
    kwargs = {"input_dim": 10, "output_dim": 4, name: value}
    with pytest.raises(ValueError, match=f"`{name}` must be a positive"):
        Embedding(**kwargs)


def test_embedding_invalid_dims_message_matches_keras(keras_ref):
    with pytest.raises(ValueError) as ours:
        Embedding(0, 4)
    with pytest.raises(ValueError) as theirs:
        keras_ref.layers.Embedding(0, 4)
    assert str(ours.value) == str(theirs.value)


def test_embedding_quantization_config_refused():
    with pytest.raises(ValueError, match="quantization_config"):
        Embedding(5, 2, quantization_config={"mode": "int8"})


def test_embedding_out_of_range_index():
    # A ValueError on every device: on CUDA the kernel would assert and
    # leave the process's CUDA context unusable.
    with pytest.raises(ValueError, match=r"Embedding 'embedding.*' "
                       r"\(input_dim=5\).*\[0, 5\)\. Received: 5"):
        Embedding(5, 2)(torch.tensor([[5]]))
    with pytest.raises(ValueError, match="Received: -1"):
        Embedding(5, 2)(torch.tensor([[-1, 2]]))
    layer = Embedding(256, 2)
    layer(torch.tensor([[255]], dtype=torch.uint8))  # dtype range fits
