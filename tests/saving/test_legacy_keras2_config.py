"""`lamina.saving.keras2_config`: Keras 2 model, compile and optimizer
configs mapped to Keras 3's, and Keras 3 configs left unchanged."""

import json
import os

import numpy as np
import pytest

import lamina
from lamina.saving import keras2_config

ROOT = "/work/shared/fixtures"


def test_keras3_configs_are_unchanged():
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(2)])
    config = json.loads(model.to_json())
    assert keras2_config.translate_model_config(config) == config
    optimizer = {"class_name": "Adam", "config": {"learning_rate": 0.1}}
    assert keras2_config.translate_optimizer_config(optimizer) == optimizer


def test_sequential_without_input_layer_gets_one():
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Embedding", "config": {
            "name": "embedding_1", "batch_input_shape": [None, None],
            "dtype": "float32", "input_dim": 5, "output_dim": 2}},
        {"class_name": "LSTM", "config": {"name": "lstm_1", "units": 2,
                                          "time_major": False}}]}}
    translated = keras2_config.translate_model_config(config)
    layers = translated["config"]["layers"]
    assert layers[0] == {"class_name": "InputLayer", "config": {
        "batch_shape": [None, None], "dtype": "float32",
        "name": "embedding_1_input"}}
    assert "time_major" not in layers[2]["config"]
    assert "time_major" in config["config"]["layers"][1]["config"]  # a copy


def test_functional_model_class_and_single_tensor_lists():
    config = {"class_name": "Model", "config": {
        "name": "m", "layers": [], "input_layers": [["x", 0, 0]],
        "output_layers": [["a", 0, 0], ["b", 0, 0]]}}
    translated = keras2_config.translate_model_config(config)
    assert translated["class_name"] == "Functional"
    assert translated["config"]["input_layers"] == ["x", 0, 0]
    assert translated["config"]["output_layers"] == [["a", 0, 0],
                                                     ["b", 0, 0]]


def test_layer_details():
    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "InputLayer", "config": {
            "batch_input_shape": [None, 4], "name": "in"}},
        {"class_name": "BatchNormalization", "config": {
            "name": "bn", "fused": None, "batch_input_shape": [None, 4]}},
        {"class_name": "Dense", "config": {"name": "d", "units": 2,
                                           "dtype": {
            "class_name": "Policy", "config": {"name": "mixed_float16"}},
                                           "kernel_initializer": {
            "class_name": "VarianceScaling", "config": {
                "scale": 2.0, "mode": "fan_in", "distribution": "normal"}}}}]}}
    layers = keras2_config.translate_model_config(config)["config"]["layers"]
    bn = layers[1]["config"]
    assert "fused" not in bn and "batch_input_shape" not in bn
    assert layers[2]["config"]["dtype"]["class_name"] == "DTypePolicy"
    assert layers[2]["config"]["kernel_initializer"]["config"][
        "distribution"] == "truncated_normal"
    model = lamina.models.model_from_json(json.dumps(config))
    assert model.get_layer("d").dtype_policy.name == "mixed_float16"


def test_optimizer_configs():
    translate = keras2_config.translate_optimizer_config
    assert translate({"class_name": "Custom>Adam", "config": {
        "name": "Adam", "learning_rate": 0.01, "jit_compile": False,
        "is_legacy_optimizer": False, "beta_1": 0.9}}) == {
        "class_name": "Adam", "config": {"learning_rate": 0.01,
                                         "beta_1": 0.9}}
    assert translate({"class_name": "SGD", "config": {
        "lr": 0.1, "decay": 0.0, "momentum": 0.9}}) == {
        "class_name": "SGD", "config": {"learning_rate": 0.1,
                                        "momentum": 0.9}}
    # Keras 2's time-based decay is kept: Lamina's optimizers apply it.
    optimizer = lamina.optimizers.get(translate({
        "class_name": "RMSprop", "config": {"lr": 0.1, "decay": 0.5}}))
    assert optimizer.decay == 0.5
    assert optimizer.name == "rm_sprop"


def test_training_config_metrics():
    translate = keras2_config.translate_training_config
    wrapper = {"class_name": "MeanMetricWrapper", "config": {
        "name": "class_out_accuracy", "dtype": "float32",
        "fn": "sparse_categorical_accuracy"}}
    args = translate({"loss": {"class_out": "sparse_categorical_crossentropy",
                               "reg_out": "mse"},
                      "metrics": [[wrapper], [None]],
                      "optimizer_config": {"class_name": "Adam",
                                           "config": {}}},
                     ["class_out", "reg_out"])
    assert args["metrics"] == {"class_out": ["accuracy"]}
    single = translate({"loss": "mse", "metrics": [[{
        "class_name": "MeanMetricWrapper", "config": {
            "name": "mae", "fn": "mean_absolute_error"}}]]}, None)
    assert single["metrics"] == ["mean_absolute_error"]
    assert single["optimizer"] == "rmsprop"
    assert translate({"metrics": ["acc"]}, None)["metrics"] == ["accuracy"]
    loss = translate({"loss": {"class_name": "Huber", "config": {
        "reduction": "auto", "delta": 2.0, "fn": "huber"}}}, None)["loss"]
    assert loss["config"] == {"reduction": "sum_over_batch_size",
                              "delta": 2.0}
    assert lamina.losses.get(loss).delta == 2.0
    with pytest.raises(ValueError, match="one entry per output"):
        translate({"metrics": [["acc"], ["acc"]]}, ["only_one"])


@pytest.mark.skipif(not os.path.isdir(ROOT), reason="no shared fixtures")
def test_fixture_training_configs_compile():
    """The compile arguments of every Keras 2 fixture are Lamina's."""
    import h5py

    for folder in ("keras2", "keras2-tf2.10", "keras2-standalone-2.3.1"):
        with h5py.File(os.path.join(ROOT, folder, "multi_io.h5"), "r") as f:
            config = json.loads(f.attrs["training_config"])
        args = keras2_config.translate_training_config(
            config, ["class_out", "reg_out"])
        assert args["metrics"] == {"class_out": ["accuracy"]}
        assert args["loss"] == {"class_out": "sparse_categorical_crossentropy",
                                "reg_out": "mse"}
        assert lamina.optimizers.get(args["optimizer"]).learning_rate == \
            pytest.approx(0.01)


def test_keras2_lambda_loads_only_outside_safe_mode():
    import base64
    import marshal

    from lamina.saving import serialization

    code = base64.b64encode(marshal.dumps((lambda x: x * 2).__code__))
    config = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Lambda", "config": {
            "name": "double", "batch_input_shape": [None, 3],
            "function": [code.decode("ascii"), None, None],
            "function_type": "lambda", "module": "__main__",
            "output_shape": None, "output_shape_type": "raw",
            "output_shape_module": None, "arguments": {}}}]}}
    translated = keras2_config.translate_model_config(config)
    function = translated["config"]["layers"][1]["config"]["function"]
    assert function["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="'double'.*safe_mode=False"):
        lamina.models.model_from_json(json.dumps(config))
    with serialization.SafeModeScope(False):
        model = lamina.models.model_from_json(json.dumps(config))
    assert model.predict(np.ones((1, 3), "float32"), verbose=0).tolist() == \
        [[2.0, 2.0, 2.0]]


# Keras 2 layer configs as tf.keras 2.x / keras 2.3.1 wrote them.
KERAS2_LAYERS = [
    ('InputLayer',
     {'batch_input_shape': [None, 3],
      'dtype': 'float32',
      'sparse': False,
      'ragged': False,
      'name': 'in'}),
    ('InputLayer',
     {'input_shape': [3],
      'batch_size': None,
      'dtype': 'float32',
      'sparse': False,
      'name': 'in2'}),
    ('LeakyReLU',
     {'name': 'lr', 'trainable': True, 'dtype': 'float32', 'alpha': 0.3}),
    ('PReLU',
     {'name': 'p',
      'alpha_initializer': {'class_name': 'Zeros', 'config': {}},
      'alpha_regularizer': None,
      'alpha_constraint': None,
      'shared_axes': None}),
    ('ELU', {'name': 'e', 'alpha': 1.0}),
    ('ZeroPadding2D',
     {'name': 'z',
      'padding': [[1, 1], [1, 1]],
      'data_format': 'channels_last'}),
    ('UpSampling2D',
     {'name': 'u',
      'size': [2, 2],
      'data_format': 'channels_last',
      'interpolation': 'nearest'}),
    ('Flatten', {'name': 'f', 'data_format': 'channels_last'}),
    ('Reshape', {'name': 'r', 'target_shape': [2, 2]}),
    ('Masking', {'name': 'm', 'mask_value': 0.0}),
    ('SimpleRNN',
     {'name': 's',
      'units': 2,
      'time_major': False,
      'return_sequences': False,
      'return_state': False,
      'go_backwards': False,
      'stateful': False,
      'unroll': False,
      'activation': 'tanh',
      'use_bias': True,
      'dropout': 0.0,
      'recurrent_dropout': 0.0}),
    ('GRU',
     {'name': 'g',
      'units': 2,
      'time_major': False,
      'reset_after': False,
      'implementation': 1,
      'recurrent_activation': 'hard_sigmoid'}),
    ('LSTM',
     {'name': 'l',
      'units': 2,
      'implementation': 1,
      'unit_forget_bias': True}),
    ('Dense',
     {'name': 'd',
      'units': 2,
      'kernel_regularizer': {'class_name': 'L1L2',
                             'config': {'l1': 0.0, 'l2': 0.01}},
      'kernel_constraint': {'class_name': 'MaxNorm',
                            'config': {'max_value': 2, 'axis': 0}}}),
    ('BatchNormalization',
     {'name': 'bn',
      'axis': -1,
      'momentum': 0.99,
      'epsilon': 0.001,
      'center': True,
      'scale': True,
      'beta_initializer': {'class_name': 'Zeros', 'config': {}},
      'gamma_initializer': {'class_name': 'Ones', 'config': {}},
      'moving_mean_initializer': {'class_name': 'Zeros', 'config': {}},
      'moving_variance_initializer': {'class_name': 'Ones', 'config': {}},
      'beta_regularizer': None,
      'gamma_regularizer': None,
      'beta_constraint': None,
      'gamma_constraint': None,
      'renorm': False,
      'renorm_clipping': None,
      'renorm_momentum': 0.99,
      'fused': None,
      'trainable': True,
      'virtual_batch_size': None,
      'adjustment': None}),
    ('GlobalAveragePooling2D',
     {'name': 'gap', 'data_format': 'channels_last', 'keepdims': False}),
    ('Conv2DTranspose',
     {'name': 'ct',
      'filters': 2,
      'kernel_size': [3, 3],
      'strides': [1, 1],
      'padding': 'valid',
      'data_format': 'channels_last',
      'dilation_rate': [1, 1],
      'groups': 1,
      'output_padding': None,
      'activation': 'linear',
      'use_bias': True}),
    ('SeparableConv2D',
     {'name': 'sc',
      'filters': 2,
      'kernel_size': [3, 3],
      'depth_multiplier': 1,
      'depthwise_initializer': {'class_name': 'GlorotUniform',
                                'config': {'seed': None}},
      'pointwise_initializer': {'class_name': 'GlorotUniform',
                                'config': {'seed': None}}}),
    ('Embedding',
     {'name': 'emb',
      'input_dim': 5,
      'output_dim': 2,
      'input_length': 4,
      'mask_zero': False,
      'embeddings_initializer': {'class_name': 'RandomUniform',
                                 'config': {'minval': -0.05,
                                            'maxval': 0.05,
                                            'seed': None}}}),
    ('Concatenate', {'name': 'c', 'axis': -1}),
    ('Dropout',
     {'name': 'dr', 'rate': 0.5, 'noise_shape': None, 'seed': None}),
    ('Softmax', {'name': 'sm', 'axis': -1}),
    ('ReLU',
     {'name': 'relu',
      'max_value': None,
      'negative_slope': 0.0,
      'threshold': 0.0}),
    ('Cropping1D', {'name': 'cr', 'cropping': [1, 1]}),
    ('TimeDistributed',
     {'name': 'td',
      'layer': {'class_name': 'Dense',
                'config': {'name': 'x', 'units': 3}}}),
    ('Bidirectional',
     {'name': 'bd',
      'merge_mode': 'concat',
      'layer': {'class_name': 'GRU',
                'config': {'name': 'gg',
                           'units': 2,
                           'time_major': False,
                           'reset_after': True}},
      'backward_layer': {'class_name': 'GRU',
                         'config': {'name': 'gb',
                                    'units': 2,
                                    'go_backwards': True,
                                    'time_major': False,
                                    'reset_after': True}}}),
    ('AveragePooling1D',
     {'name': 'ap',
      'pool_size': [2],
      'strides': [2],
      'padding': 'valid',
      'data_format': 'channels_last'}),
    ('Activation', {'name': 'act', 'activation': 'selu'}),
    ('Conv1D',
     {'name': 'c1',
      'filters': 2,
      'kernel_size': [3],
      'strides': [1],
      'padding': 'causal',
      'data_format': 'channels_last',
      'dilation_rate': [1],
      'groups': 1}),
    ('LayerNormalization',
     {'name': 'ln',
      'axis': [-1],
      'epsilon': 0.001,
      'center': True,
      'scale': True}),
    ('MultiHeadAttention',
     {'name': 'mha',
      'num_heads': 2,
      'key_dim': 2,
      'value_dim': 2,
      'dropout': 0.0,
      'use_bias': True,
      'output_shape': None,
      'attention_axes': [1],
      'query_shape': [None, 3, 4],
      'key_shape': [None, 3, 4],
      'value_shape': [None, 3, 4]}),
]


@pytest.mark.parametrize("class_name,config", KERAS2_LAYERS,
                         ids=[c["name"] for _, c in KERAS2_LAYERS])
def test_keras2_layer_configs_load(class_name, config):
    from lamina.saving import deserialize_keras_object

    layer = deserialize_keras_object(keras2_config.translate_model_config(
        {"class_name": class_name, "config": config}))
    assert type(layer).__name__ == class_name
    ours = json.loads(json.dumps(layer.get_config()))
    for key, value in config.items():
        if key in ours and not isinstance(value, dict) and key not in (
                "dtype", "batch_input_shape"):
            assert ours[key] == value, key


@pytest.mark.parametrize("key,value", [("virtual_batch_size", 1),
                                       ("virtual_batch_size", 8),
                                       ("adjustment", "fn")])
def test_batch_norm_options_that_change_results_are_refused(key, value):
    config = {"class_name": "BatchNormalization",
              "config": {"name": "bn", key: value}}
    with pytest.raises(ValueError, match=f"'bn'.*`{key}`"):
        keras2_config.translate_model_config(config)
