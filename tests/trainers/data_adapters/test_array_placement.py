"""Where in-memory arrays live during fit: on the GPU when they fit in its
free memory, else on the host (pinned), each batch copied without blocking.
No GPU here: the decision is checked with given free-memory figures, and
the host-resident path with `meta` standing in for the GPU."""

import numpy as np
import torch

from lamina.trainers.data_adapters import array_data_adapter
from lamina.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from lamina.trainers.data_adapters.array_data_adapter import storage_device

CUDA = torch.device("cuda")
CPU = torch.device("cpu")


def test_arrays_stay_on_a_gpu_with_room_for_them():
    assert storage_device(CUDA, 1 << 20, free_bytes=10 << 20) == CUDA


def test_arrays_larger_than_half_the_free_gpu_memory_stay_on_the_host():
    assert storage_device(CUDA, 6 << 20, free_bytes=10 << 20) == CPU


def test_other_devices_always_hold_the_arrays():
    assert storage_device(CPU, 1 << 40, free_bytes=0) == CPU
    meta = torch.device("meta")
    assert storage_device(meta, 1 << 40, free_bytes=0) == meta


def _host_resident(monkeypatch):
    monkeypatch.setattr(array_data_adapter, "storage_device",
                        lambda device, nbytes: CPU)


def test_host_resident_batches_arrive_on_the_device(monkeypatch):
    _host_resident(monkeypatch)
    x = np.arange(30, dtype="float32").reshape(10, 3)
    y = np.arange(10, dtype="int64")
    for shuffle in (False, True, "batch"):
        adapter = ArrayDataAdapter(x, y, batch_size=4, shuffle=shuffle,
                                   device=torch.device("meta"))
        assert adapter.x.device == CPU and adapter.y.device == CPU
        batches = list(adapter.batches(adapter.draw_order()))
        assert [b[0].shape[0] for b in batches] == [4, 4, 2]
        assert all(t.device.type == "meta" for b in batches for t in b)


def test_host_resident_batches_hold_the_same_rows(monkeypatch):
    x = np.random.default_rng(0).normal(size=(10, 3)).astype("float32")
    y = np.arange(10, dtype="int64")
    resident = ArrayDataAdapter(x, y, batch_size=4, shuffle=True, device=CPU)
    order = resident.draw_order()
    expected = list(resident.batches(order))
    _host_resident(monkeypatch)
    hosted = ArrayDataAdapter(x, y, batch_size=4, shuffle=True, device=CPU)
    for (xa, ya), (xb, yb) in zip(expected, hosted.batches(order)):
        torch.testing.assert_close(xa, xb)
        torch.testing.assert_close(ya, yb)


def test_tensors_already_on_a_device_are_not_brought_to_the_host():
    x = torch.ones(6, 2, device="meta")
    adapter = ArrayDataAdapter(x, batch_size=3, device=torch.device("meta"))
    assert adapter.x.device.type == "meta"


def test_shuffled_host_batches_are_pinned_before_their_copy(monkeypatch):
    # Pinned host arrays give pinned slices, but a shuffled batch is
    # gathered into new (pageable) memory, from which a non-blocking copy
    # to the GPU would block: such batches are pinned first. No GPU here:
    # the pinning is recorded, with `meta` standing in for the GPU.
    _host_resident(monkeypatch)
    pinned = []
    monkeypatch.setattr(torch.Tensor, "is_pinned", lambda self: True)
    monkeypatch.setattr(torch.Tensor, "pin_memory",
                        lambda self: pinned.append(tuple(self.shape)) or self)
    x = np.zeros((10, 3), "float32")
    y = np.arange(10, dtype="int64")
    adapter = ArrayDataAdapter(x, y, batch_size=4, shuffle=False,
                               device=torch.device("meta"))
    list(adapter.batches(adapter.draw_order()))
    assert pinned == []  # slices of the pinned arrays
    adapter = ArrayDataAdapter(x, y, batch_size=4, shuffle=True,
                               device=torch.device("meta"))
    list(adapter.batches(adapter.draw_order()))
    assert pinned == [(4, 3), (4,), (4, 3), (4,), (2, 3), (2,)]
