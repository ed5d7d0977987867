import numpy as np

from lamina.applications import xception
from applications.reference_models import (assert_same_architecture,
                                           assert_same_predictions,
                                           randomize_batch_norms,
                                           write_legacy_h5)


def test_keras_weight_file_gives_keras_predictions(keras_ref, tmp_path):
    kwargs = {"weights": None, "include_top": False,
              "input_shape": (71, 71, 3), "pooling": "avg"}
    theirs = keras_ref.applications.Xception(**kwargs)
    randomize_batch_norms(theirs)
    path = write_legacy_h5(theirs, tmp_path / "xception.h5")
    ours = xception.Xception(**kwargs)
    assert_same_architecture(ours, theirs)
    ours.load_weights(path)
    x = np.random.default_rng(1).uniform(0, 255, (2, 71, 71, 3))
    x = xception.preprocess_input(x.astype("float32"))
    assert_same_predictions(ours, theirs, x)


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
