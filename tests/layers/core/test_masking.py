import numpy as np
import pytest
import torch

import lamina
from harness import run_layer_test
from lamina.layers.core.masking import Masking
from lamina.layers.layer import Layer

# Inputs are made where the layers run (CUDA on a GPU machine): the tests
# check identity and compute with inputs and outputs together.
pytestmark = pytest.mark.usefixtures("on_layer_device")


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


def _padded(mask_value=0.0):
    x = np.random.default_rng(0).standard_normal((3, 5, 4)).astype("float32")
    x[0, 3:] = mask_value
    x[1, 0] = mask_value
    x[2, 2, :2] = mask_value  # partly equal: kept
    return x


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_harness_and_parity(keras_ref, mask_value):
    run_layer_test(
        Masking, {"mask_value": mask_value}, input_data=_padded(mask_value),
        expected_output_shape=(3, 5, 4), expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0, supports_masking=True,
        keras_reference=keras_ref,
    )


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_values_and_mask_match_keras(keras_ref, mask_value):
    x = _padded(mask_value)
    ours = Masking(mask_value)(x)
    theirs = keras_ref.layers.Masking(mask_value)(x)
    np.testing.assert_array_equal(ours.cpu().numpy(),
                                  keras_ref.ops.convert_to_numpy(theirs))
    expected_mask = np.any(x != mask_value, axis=-1)
    np.testing.assert_array_equal(ours._keras_mask.cpu().numpy(),
                                  expected_mask)
    np.testing.assert_array_equal(ours._keras_mask.cpu().numpy(),
                                  theirs._keras_mask.cpu().numpy())
    np.testing.assert_array_equal(ours.cpu().numpy(),
                                  x * expected_mask[..., None])


def test_masking_zeroes_masked_steps_only():
    x = torch.tensor([[[2.0, 2.0], [2.0, 1.0], [float("inf"), 2.0]]])
    out = Masking(mask_value=2.0)(x)
    assert torch.equal(out._keras_mask, torch.tensor([[False, True, True]]))
    assert torch.equal(out[0, 0], torch.zeros(2))
    assert torch.equal(out[0, 1:], x[0, 1:])


def test_masking_mask_reaches_downstream_layer():
    x = torch.from_numpy(_padded()).to(torch.get_default_device())
    recorder = MaskRecorder()
    recorder(Masking()(x))
    assert torch.equal(recorder.received[-1], torch.any(x != 0, dim=-1))


def test_masking_mask_flows_through_sequential():
    x = _padded()
    recorder = MaskRecorder()
    model = lamina.Sequential([lamina.Input((5, 4)), Masking(), recorder])
    recorder.received.clear()
    model(x)
    np.testing.assert_array_equal(recorder.received[-1].cpu().numpy(),
                                  np.any(x != 0, axis=-1))


def test_masking_symbolic():
    out = Masking()(lamina.Input((None, 4)))
    assert out.shape == (None, None, 4)


@pytest.mark.parametrize("mask_value", [0.0, -1, 2.5])
def test_masking_config_matches_keras(keras_ref, mask_value):
    assert Masking(mask_value, name="m").get_config() == \
        keras_ref.layers.Masking(mask_value, name="m").get_config()


def test_masking_array_mask_value():
    value = np.array([1.0, 2.0], dtype="float32")
    x = torch.tensor([[[1.0, 2.0], [1.0, 3.0]]])
    out = Masking(mask_value=value)(x)
    assert torch.equal(out._keras_mask, torch.tensor([[False, True]]))
