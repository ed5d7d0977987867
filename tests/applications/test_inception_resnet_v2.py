import numpy as np
import pytest
import torch

from lamina.applications import inception_resnet_v2
from applications.reference_models import (assert_loads_keras_weights,
                                           randomize_batch_norms)


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"weights": None, "include_top": False,
              "input_shape": (75, 75, 3), "pooling": "max"}
    theirs = keras_ref.applications.InceptionResNetV2(**kwargs)
    randomize_batch_norms(theirs)
    ours = inception_resnet_v2.InceptionResNetV2(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "inception_resnet_v2.h5", (75, 75, 3),
        inception_resnet_v2.preprocess_input)


def test_custom_scale_layer_and_block_type():
    layer = inception_resnet_v2.CustomScaleLayer(0.5)
    out = layer([torch.ones(2, 3), torch.full((2, 3), 4.0)])
    assert torch.equal(out, torch.full((2, 3), 3.0))
    assert layer.get_config()["scale"] == 0.5
    with pytest.raises(ValueError, match="block_type"):
        inception_resnet_v2.inception_resnet_block(None, 1.0, "block9", 1)


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(inception_resnet_v2, keras_ref.applications.inception_resnet_v2)


def test_keras_file_with_custom_scale_layer_loads(keras_ref, tmp_path):
    from keras.src.applications import inception_resnet_v2 as keras_irv2

    import lamina

    a = keras_ref.Input((3,))
    b = keras_ref.Input((3,))
    theirs = keras_ref.Model([a, b], keras_irv2.CustomScaleLayer(0.25)([a, b]))
    theirs.save(tmp_path / "theirs.keras")
    ours = lamina.saving.load_model(tmp_path / "theirs.keras")
    assert isinstance(ours.layers[-1], inception_resnet_v2.CustomScaleLayer)
    x = [np.ones((2, 3), "float32"), np.full((2, 3), 4.0, "float32")]
    np.testing.assert_allclose(ours.predict(x, verbose=0),
                               np.full((2, 3), 2.0))
