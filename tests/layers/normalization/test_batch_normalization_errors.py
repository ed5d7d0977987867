"""BatchNormalization's errors on bad arguments and inputs (from
test_batch_normalization.py, which passed 400 lines)."""

import warnings

import pytest
import torch

from lamina.layers.normalization import BatchNormalization

def test_axis_out_of_range_raises():
    with pytest.raises(ValueError, match="`axis`.*Received: axis=3"):
        BatchNormalization(axis=3)(torch.zeros(2, 3))


def test_axis_of_wrong_type_raises():
    with pytest.raises(TypeError, match="`axis`.*Received: axis='last'"):
        BatchNormalization(axis="last")


def test_wrong_input_rank_after_build_raises():
    layer = BatchNormalization()
    layer(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer(torch.zeros(2, 4))


def test_wrong_feature_size_after_build_raises():
    layer = BatchNormalization()
    layer(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="axis -1"):
        layer(torch.zeros(2, 5))


def test_mask_of_wrong_rank_raises():
    with pytest.raises(ValueError, match="mask with one dimension less"):
        BatchNormalization()(torch.zeros(2, 3, 4), training=True,
                             mask=torch.ones(2, 3, 4, dtype=torch.bool))


def test_bad_renorm_clipping_raises():
    with pytest.raises(ValueError, match="renorm_clipping"):
        BatchNormalization(renorm=True, renorm_clipping={"rmax": 1, "x": 2})
    with pytest.raises(ValueError, match="rmax >= rmin"):
        BatchNormalization(renorm=True,
                           renorm_clipping={"rmax": 1.0, "rmin": 2.0})


def test_undefined_feature_size_raises():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="defined size"):
            BatchNormalization().build((None, None))
