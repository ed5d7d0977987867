from lamina.applications import xception
from applications.reference_models import (assert_loads_keras_weights,
                                           assert_same_architecture,
                                           randomize_batch_norms)


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"weights": None, "include_top": False,
              "input_shape": (71, 71, 3), "pooling": "avg"}
    theirs = keras_ref.applications.Xception(**kwargs)
    randomize_batch_norms(theirs)
    ours = xception.Xception(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "xception.h5", (71, 71, 3),
        xception.preprocess_input)


def test_top_matches_keras(keras_ref):
    kwargs = {"weights": None, "input_shape": (71, 71, 3), "classes": 3,
              "include_top": True}
    # include_top with a non-default shape is allowed without ImageNet
    # weights.
    assert_same_architecture(xception.Xception(**kwargs),
                             keras_ref.applications.Xception(**kwargs))


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(xception, keras_ref.applications.xception)
