"""Keras 3 refuses NASNetMobile on torch ("outstanding bug") in its public
builder; the tests build its reference through Keras's internal `NASNet`
with NASNetMobile's arguments, and check the figures published for Keras
on JAX."""

import pytest

from lamina.applications import nasnet
from applications.reference_models import (assert_loads_keras_weights,
                                           randomize_batch_norms,
                                           slow)

MOBILE = {"penultimate_filters": 1056, "num_blocks": 4,
          "stem_block_filters": 32, "skip_reduction": False,
          "filter_multiplier": 2, "default_size": 224,
          "name": "nasnet_mobile"}


def _keras_nasnet_mobile(**kwargs):
    from keras.src.applications import nasnet as keras_nasnet

    return keras_nasnet.NASNet(**MOBILE, **kwargs)


def test_mobile_matches_keras_weights_and_predictions(keras_ref, tmp_path):
    kwargs = {"weights": None, "include_top": False,
              "input_shape": (64, 64, 3), "pooling": "avg"}
    theirs = _keras_nasnet_mobile(**kwargs)
    randomize_batch_norms(theirs)
    ours = nasnet.NASNetMobile(**kwargs)
    assert_loads_keras_weights(
        ours, theirs, tmp_path / "nasnet_mobile.h5", (64, 64, 3),
        nasnet.preprocess_input)


@slow("NASNetMobile with its top takes ~25 s to build")
def test_mobile_reference_figures():
    model = nasnet.NASNetMobile(weights=None)
    assert model.count_params() == 5_326_716
    assert len(model.layers) == 771


@slow("NASNetLarge takes about a minute to build")
def test_large_reference_figures():
    model = nasnet.NASNetLarge(weights=None)
    assert model.count_params() == 88_949_818


def test_bad_arguments():
    with pytest.raises(ValueError, match="penultimate_filters"):
        nasnet.NASNet((64, 64, 3), penultimate_filters=100, weights=None,
                      include_top=False)
    with pytest.raises(ValueError, match="static"):
        nasnet.NASNetLarge(input_shape=(None, None, 3), include_top=False)


def test_preprocess_input_matches_keras(keras_ref):
    from applications.reference_models import assert_same_preprocessing

    assert_same_preprocessing(nasnet, keras_ref.applications.nasnet)
