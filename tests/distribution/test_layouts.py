"""DeviceMesh, TensorLayout and LayoutMap (Keras's lookup rules)."""

import pytest

import lamina as keras

distribution = keras.distribution


def mesh():
    return distribution.DeviceMesh((1, 2), ["batch", "model"],
                                   ["cpu:0", "cpu:1"])


def test_device_mesh_holds_its_devices_in_shape():
    device_mesh = mesh()
    assert device_mesh.shape == (1, 2)
    assert device_mesh.axis_names == ("batch", "model")
    assert device_mesh.devices.tolist() == [["cpu:0", "cpu:1"]]


def test_device_mesh_refuses_mismatched_arguments():
    with pytest.raises(ValueError, match="same length"):
        distribution.DeviceMesh((2,), ["batch", "model"], ["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="needs 4 devices, but 2"):
        distribution.DeviceMesh((2, 2), ["batch", "model"],
                                ["cpu:0", "cpu:1"])


def test_backend_mesh_needs_a_process_group():
    with pytest.raises(RuntimeError, match="initialize"):
        mesh().backend_mesh


def test_tensor_layout_checks_axes_against_its_mesh():
    layout = distribution.TensorLayout([None, "model"], mesh())
    assert layout.axes == (None, "model")
    with pytest.raises(ValueError, match=r"\['data'\] are not axes"):
        distribution.TensorLayout(["data", None], mesh())


def test_layout_map_exact_key_then_one_regex_match():
    layout_map = distribution.LayoutMap(mesh())
    layout_map["dense.*kernel"] = (None, "model")
    layout_map["dense_1/bias"] = ("model",)
    assert layout_map["dense_7/kernel"].axes == (None, "model")
    assert layout_map["dense_7/kernel"].device_mesh is layout_map.device_mesh
    assert layout_map["dense_1/bias"].axes == ("model",)
    assert layout_map["conv2d/kernel"] is None
    assert len(layout_map) == 2 and list(layout_map) == [
        "dense.*kernel", "dense_1/bias"]
    del layout_map["dense_1/bias"]
    assert layout_map["dense_1/bias"] is None


def test_layout_map_refuses_ambiguity_duplicates_and_bad_values():
    layout_map = distribution.LayoutMap(mesh())
    layout_map["dense"] = (None, "model")
    layout_map["kernel"] = ("model", None)
    with pytest.raises(ValueError, match="matches more than one key"):
        layout_map["dense/kernel"]
    with pytest.raises(ValueError, match="already has a layout"):
        layout_map["dense"] = (None, None)
    with pytest.raises(ValueError, match="expected a `TensorLayout`"):
        layout_map["bias"] = "model"
