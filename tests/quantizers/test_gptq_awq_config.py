"""GPTQConfig and AWQConfig: Keras 3.15's arguments, defaults, configs and
serialized form (read by Keras), and errors naming the bad argument."""

import pytest

import lamina
from lamina.quantizers import AWQConfig
from lamina.quantizers import GPTQConfig

CUSTOM = {
    "GPTQConfig": dict(weight_bits=3, num_samples=16, per_channel=False,
                       sequence_length=64, hessian_damping=0.05,
                       group_size=32, symmetric=True, activation_order=True),
    "AWQConfig": dict(num_samples=16, sequence_length=64, group_size=-1,
                      num_grid_points=7),
}


@pytest.mark.parametrize("cls", [GPTQConfig, AWQConfig])
@pytest.mark.parametrize("custom", [False, True])
def test_config_matches_keras(keras_ref, cls, custom):
    settings = CUSTOM[cls.__name__] if custom else {}
    ours = cls(dataset=[[1, 2]], tokenizer=len, **settings)
    theirs = getattr(keras_ref.quantizers, cls.__name__)(
        dataset=[[1, 2]], tokenizer=len, **settings)
    assert ours.mode == theirs.mode
    assert ours.get_config() == theirs.get_config()
    assert ours.dtype_policy_string() == theirs.dtype_policy_string()
    serialized = lamina.quantizers.serialize(ours)
    reference = keras_ref.saving.serialize_keras_object(theirs)
    reference.pop("shared_object_id", None)
    assert serialized == reference
    # Keras reads Lamina's serialized config, and the other way round.
    assert keras_ref.saving.deserialize_keras_object(
        serialized).get_config() == \
        theirs.get_config()
    restored = lamina.quantizers.deserialize(reference)
    assert type(restored) is cls
    assert restored.get_config() == ours.get_config()


def test_calibration_data_and_structure_are_not_saved():
    layer = lamina.layers.Dense(2)
    config = GPTQConfig(dataset=[[1, 2]], tokenizer=len,
                        quantization_layer_structure={
                            "pre_block_layers": [],
                            "sequential_blocks": [layer]})
    saved = config.get_config()
    assert saved["dataset"] is None and saved["tokenizer"] is None
    assert saved["quantization_layer_structure"] is None
    assert config.quantization_layer_structure["sequential_blocks"] == \
        [layer]


@pytest.mark.parametrize("cls,argument,value,expected", [
    (GPTQConfig, "weight_bits", 5, "Expected one of 2, 3, 4, 8"),
    (GPTQConfig, "num_samples", 0, "Expected a positive integer"),
    (GPTQConfig, "sequence_length", -3, "Expected a positive integer"),
    (GPTQConfig, "hessian_damping", 1.5, "Expected a number between 0 and 1"),
    (GPTQConfig, "group_size", 0, r"Expected -1 \(whole-tensor\)"),
    (GPTQConfig, "group_size", -2, r"Expected -1 \(whole-tensor\)"),
    (GPTQConfig, "symmetric", "yes", "Expected a bool"),
    (GPTQConfig, "activation_order", 1, "Expected a bool"),
    (GPTQConfig, "quantization_layer_structure", {"blocks": []},
     "'pre_block_layers' and 'sequential_blocks'"),
    (AWQConfig, "weight_bits", 8, "Expected one of 4"),
    (AWQConfig, "group_size", 0, r"Expected -1 \(per-channel\)"),
    (AWQConfig, "num_grid_points", 0, "Expected a positive integer"),
    (AWQConfig, "num_samples", 2.5, "Expected a positive integer"),
])
def test_bad_arguments_name_themselves(cls, argument, value, expected):
    message = (f"`{argument}` of {cls.__name__}. {expected}"
               if not expected.startswith("'") else expected)
    with pytest.raises(ValueError, match=message) as info:
        cls(dataset=None, tokenizer=None, **{argument: value})
    assert f"Received: {argument}={value!r}" in str(info.value)


def test_dataset_and_tokenizer_are_required_arguments():
    with pytest.raises(TypeError):
        GPTQConfig(weight_bits=4)
    with pytest.raises(TypeError):
        AWQConfig([[1]], None, 4)  # the settings are keyword-only
