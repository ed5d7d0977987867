from lamina.applications import inception_v3
from applications.reference_models import (assert_loads_keras_weights,
                                           assert_same_architecture,
                                           randomize_batch_norms)


def test_headless_architecture_matches_keras(keras_ref):
    kwargs = {"weights": None, "include_top": False,
              "input_shape": (75, 75, 3), "pooling": "avg"}
    assert_same_architecture(inception_v3.InceptionV3(**kwargs),
                             keras_ref.applications.InceptionV3(**kwargs))


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"weights": None, "classifier_activation": None}
    theirs = keras_ref.applications.InceptionV3(**kwargs)
    randomize_batch_norms(theirs)
    ours = inception_v3.InceptionV3(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "inception_v3.h5", (299, 299, 3),
        inception_v3.preprocess_input)


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(inception_v3, keras_ref.applications.inception_v3)
