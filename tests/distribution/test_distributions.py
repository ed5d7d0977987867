"""DataParallel, ModelParallel and the current distribution in one
process; the multi-process runs are test_data_parallel.py and
test_model_parallel.py."""

import numpy as np
import pytest
import torch

import lamina as keras
from lamina.distribution import data_sharding

distribution = keras.distribution


@pytest.fixture(autouse=True)
def no_distribution():
    yield
    distribution.set_distribution(None)


def test_data_parallel_with_more_devices_than_exist():
    with pytest.raises(ValueError, match="given 2 devices") as info:
        distribution.DataParallel(devices=["cpu:0", "cpu:1"])
    assert "--nproc_per_node" in str(info.value)
    with pytest.raises(ValueError, match="given 1 devices"):
        distribution.DataParallel(devices=["cuda:7"])


def test_data_parallel_mesh_needs_one_process_per_device():
    mesh = distribution.DeviceMesh((2,), ["batch"], ["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="needs 2 processes"):
        distribution.DataParallel(device_mesh=mesh)
    grid = distribution.DeviceMesh((1, 1), ["a", "b"], ["cpu:0"])
    with pytest.raises(ValueError, match="1-D device mesh"):
        distribution.DataParallel(device_mesh=grid)


def test_data_parallel_in_one_process_trains_as_without():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")

    def train():
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        return model.get_weights()

    plain = train()
    data_parallel = distribution.DataParallel()
    assert data_parallel.device_mesh.axis_names == ("batch",)
    assert data_parallel.batch_dim_name == "batch"
    with data_parallel.scope():
        assert distribution.distribution() is data_parallel
        distributed = train()
    assert distribution.distribution() is None
    for a, b in zip(plain, distributed):
        np.testing.assert_array_equal(a, b)


def test_layouts_of_data_and_variables():
    data_parallel = distribution.DataParallel()
    assert data_parallel.get_data_layout((16, 3)).axes == ("batch", None)
    kernel = keras.layers.Dense(2)
    kernel.build((None, 3))
    assert data_parallel.get_variable_layout(kernel.kernel).axes == (
        None, None)
    mesh = distribution.DeviceMesh((1,), ["model"], ["cpu:0"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map["dense.*/kernel"] = (None, "model")
    model_parallel = distribution.ModelParallel(layout_map=layout_map)
    assert model_parallel.batch_dim_name == "model"
    assert model_parallel.get_variable_layout(kernel.kernel).axes == (
        None, "model")
    assert model_parallel.get_variable_layout(kernel.bias).axes == (None,)
    assert str(model_parallel.shard_placement(kernel.kernel)) == "S(1)"
    assert str(model_parallel.shard_placement(kernel.bias)) == "S(0)"


def test_model_parallel_refuses_bad_arguments():
    with pytest.raises(ValueError, match="layout_map"):
        distribution.ModelParallel()
    mesh = distribution.DeviceMesh((1, 1), ["model", "batch"], ["cpu:0"])
    layout_map = distribution.LayoutMap(mesh)
    with pytest.raises(ValueError, match="batch axis first"):
        distribution.ModelParallel(layout_map=layout_map,
                                   batch_dim_name="batch")
    with pytest.raises(ValueError, match="Unrecognized arguments"):
        distribution.ModelParallel(layout_map=layout_map, devices=["cpu:0"])
    with pytest.raises(ValueError, match="batch_dim_name"):
        distribution.ModelParallel(layout_map=layout_map,
                                   batch_dim_name="data")


def test_a_layout_sharding_two_dimensions_is_refused():
    mesh = distribution.DeviceMesh((1,), ["model"], ["cpu:0"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map["kernel"] = ("model", "model")
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    with pytest.raises(ValueError, match="shard at most one dimension"):
        distribution.ModelParallel(layout_map=layout_map).shard_placement(
            dense.kernel)


def test_a_layout_splitting_a_dimension_unevenly_is_refused():
    # FSDP2 splits dimensions past the first evenly only.
    mesh = distribution.DeviceMesh((2,), ["model"], ["cpu:0", "cpu:1"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map["kernel"] = (None, "model")
    model_parallel = distribution.ModelParallel(layout_map=layout_map)
    dense = keras.layers.Dense(3)
    dense.build((None, 5))
    with pytest.raises(ValueError, match=r"dimension 1 \(size 3\) across "
                                         r"the 2 devices"):
        model_parallel.shard_placement(dense.kernel)
    del layout_map["kernel"]
    layout_map["kernel"] = ("model", None)  # (5, 3): rows may split 3 + 2
    assert str(model_parallel.shard_placement(dense.kernel)) == "S(0)"


def test_set_distribution_refuses_other_values():
    with pytest.raises(ValueError, match="expects a `Distribution`"):
        distribution.set_distribution("data_parallel")


def test_distribute_tensor_in_one_process_is_the_tensor():
    mesh = distribution.DeviceMesh((1,), ["batch"], ["cpu:0"])
    layout = distribution.TensorLayout(["batch", None], mesh)
    value = torch.arange(6.0).reshape(2, 3)
    assert distribution.distribute_tensor(value, layout) is value
    with pytest.raises(ValueError, match="2 entries for a tensor of shape"):
        distribution.distribute_tensor(torch.zeros(3), layout)
    with pytest.raises(ValueError, match="TensorLayout"):
        distribution.distribute_tensor(value, (None, "batch"))


def test_shard_batch_gives_contiguous_rows():
    x = torch.arange(10).reshape(5, 2)
    y = np.arange(5)
    shards = [data_sharding.shard_batch((x, y), i, 2) for i in range(2)]
    assert shards[0][0].tolist() == [[0, 1], [2, 3]]
    assert shards[1][0].tolist() == [[4, 5], [6, 7], [8, 9]]
    assert shards[1][1].tolist() == [2, 3, 4]


def test_distribute_dataset_gives_this_process_its_share():
    dataset = torch.utils.data.TensorDataset(torch.arange(10.0))
    whole = distribution.DataParallel().distribute_dataset(dataset)
    assert isinstance(whole.sampler, torch.utils.data.DistributedSampler)
    assert sum(len(b[0]) for b in whole) == 10
    # A mesh whose batch axis has 2 entries: process 0 reads every other row.
    mesh = distribution.DeviceMesh((2,), ["batch"], ["cpu:0", "cpu:1"])
    model_parallel = distribution.ModelParallel(
        layout_map=distribution.LayoutMap(mesh))
    assert (model_parallel.num_data_shards, model_parallel.data_shard_id) == (
        2, 0)
    loader = torch.utils.data.DataLoader(dataset, batch_size=4)
    half = model_parallel.distribute_dataset(loader)
    assert half.batch_size == 4
    assert torch.cat([b[0] for b in half]).tolist() == [0.0, 2.0, 4.0, 6.0,
                                                        8.0]
    with pytest.raises(ValueError, match="torch `Dataset` or `DataLoader`"):
        model_parallel.distribute_dataset([1, 2, 3])


def test_a_distribution_before_initialize_under_torchrun(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ValueError, match="call `keras.distribution.initialize"):
        distribution.DataParallel()
    mesh = distribution.DeviceMesh((1,), ["model"], ["cpu:0"])
    with pytest.raises(ValueError, match="WORLD_SIZE=2"):
        distribution.ModelParallel(layout_map=distribution.LayoutMap(mesh))
