"""Index checks before device kernels.

On CUDA an out-of-range index is a device-side assert that leaves the
process's CUDA context unusable; every layer, loss, metric and op that
indexes with user values raises this `ValueError` instead, on every device.
"""

import numpy as np
import pytest
import torch

import lamina
from lamina import losses
from lamina import metrics
from lamina.utils import tensor_utils
from lamina.utils.tensor_utils import check_index_range


@pytest.fixture
def reads(monkeypatch):
    """Counts the host reads the checks make."""
    calls = []
    original = tensor_utils._read_range

    def counted(tensor):
        calls.append(tensor.numel())
        return original(tensor)

    monkeypatch.setattr(tensor_utils, "_read_range", counted)
    return calls


def test_values_in_range_pass_with_one_read(reads):
    check_index_range(torch.tensor([0, 3, 1]), 4, "owner")
    assert reads == [3]


@pytest.mark.parametrize("values,lower,bad", [
    ([0, 4], 0, 4), ([-1, 2], 0, -1), ([-9, 5], None, 5), ([1.0, 7.0], 0, 7),
])
def test_the_error_names_owner_range_and_value(values, lower, bad):
    expected = "in \\[0, 4\\)" if lower == 0 else "below 4"
    with pytest.raises(ValueError, match=f"^owner received an index out of "
                       f"range\\. Expected values {expected}\\. Received: "
                       f"{bad}$"):
        check_index_range(torch.tensor(values), 4, "owner", lower=lower)


def test_known_ranges_are_not_read(reads):
    check_index_range(torch.tensor([255], dtype=torch.uint8), 256, "owner")
    check_index_range(torch.tensor([True]), 2, "owner")
    check_index_range(torch.zeros(0, dtype=torch.int64), 2, "owner")
    assert reads == []
    with pytest.raises(ValueError, match="Received: 255"):
        check_index_range(torch.tensor([255], dtype=torch.uint8), 10, "o")


def test_the_ignored_value_is_allowed():
    check_index_range(torch.tensor([-1, 2]), 3, "owner", ignore=-1)
    with pytest.raises(ValueError, match="Received: 3"):
        check_index_range(torch.tensor([-1, 3]), 3, "owner", ignore=-1)


def test_views_of_a_checked_tensor_are_not_read_again(reads):
    labels = torch.randint(0, 5, (1000,))
    for start in range(0, 1000, 100):
        check_index_range(labels[start:start + 100], 5, "owner")
    assert reads == [1000]
    labels[0] = 7  # a new version is read again
    with pytest.raises(ValueError, match="Received: 7"):
        check_index_range(labels[:100], 5, "owner")


def test_shuffled_batches_of_in_memory_labels_are_read_once_per_fit(reads):
    from lamina.trainers.data_adapters.array_data_adapter import \
        ArrayDataAdapter
    x = np.zeros((64, 2), "float32")
    labels = np.arange(64) % 3
    adapter = ArrayDataAdapter(x, labels, batch_size=8, shuffle=True)
    for _, y in adapter:
        check_index_range(y, 3, "owner")
        check_index_range(y[:, None], 3, "owner")  # a view of the batch
    assert reads == [64]  # the whole array, once: no sync per step
    labels[37] = 5  # a bad label is still found, in its own batch
    adapter = ArrayDataAdapter(x, labels, batch_size=8, shuffle=True)
    with pytest.raises(ValueError, match="Received: 5"):
        for _, y in adapter:
            check_index_range(y, 3, "owner")
            assert 5 not in y.tolist()


def test_a_view_of_a_tensor_holding_other_values_is_read_itself():
    rows = torch.tensor([[0, 1, 99], [2, 3, 99]])
    check_index_range(rows[:, :2], 4, "owner")
    with pytest.raises(ValueError, match="Received: 99"):
        check_index_range(rows[:, 1:], 4, "owner")


BAD_LABELS = [
    (lambda y, p: losses.SparseCategoricalCrossentropy()(y, p),
     "sparse_categorical_crossentropy"),
    (lambda y, p: losses.SparseCategoricalCrossentropy(from_logits=True)(
        y, p), "sparse_categorical_crossentropy"),
    (lambda y, p: losses.sparse_categorical_crossentropy(y, p),
     "sparse_categorical_crossentropy"),
    (lambda y, p: metrics.SparseCategoricalCrossentropy()(y, p),
     "sparse_categorical_crossentropy"),
    (lambda y, p: metrics.SparseTopKCategoricalAccuracy(k=2)(y, p),
     "sparse_top_k_categorical_accuracy"),
    (lambda y, p: losses.CategoricalGeneralizedCrossEntropy()(y, p),
     "categorical_generalized_cross_entropy"),
    (lambda y, p: lamina.ops.one_hot(y, 3), "one_hot"),
    (lambda y, p: losses.CTC()(y[None], p[None].repeat(1, 3, 1)), "ctc"),
]


@pytest.mark.parametrize("call,owner", BAD_LABELS)
@pytest.mark.parametrize("bad", [3, 5])
def test_losses_and_metrics_reject_labels_out_of_range(call, owner, bad):
    probs = torch.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match=f"{owner}.*Received: {bad}$"):
        call(torch.tensor([0, bad]), probs)


def test_ignore_class_labels_stay_allowed():
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    value = loss(torch.tensor([0, -1]), torch.full((2, 3), 1 / 3))
    assert torch.isfinite(value)


def test_fit_with_bad_labels_raises_the_same_error():
    model = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(3)])
    model.compile("sgd", lamina.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["sparse_top_k_categorical_accuracy"])
    x = np.zeros((8, 4), "float32")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(x, np.full((8,), 3), epochs=1, verbose=0)


def test_shape_inference_reads_nothing(reads):
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        check_index_range(torch.empty(3, dtype=torch.int64), 2, "owner")
    check_index_range(torch.empty(3, dtype=torch.int64, device="meta"), 2,
                      "owner")
    assert reads == []
    symbolic = lamina.ops.one_hot(lamina.Input((4,), dtype="int64"), 5)
    assert tuple(symbolic.shape) == (None, 4, 5)


def test_the_guard_reads_nothing_on_the_cpu_until_the_kernel_fails(reads):
    probs = torch.full((2, 3), 1 / 3)
    losses.sparse_categorical_crossentropy(torch.tensor([0, 2]), probs)
    assert reads == []
    with pytest.raises(ValueError, match="Received: 3") as error:
        losses.sparse_categorical_crossentropy(torch.tensor([0, 3]), probs)
    assert isinstance(error.value.__context__, (IndexError, RuntimeError))
    assert len(reads) == 1


def test_the_guard_checks_first_off_the_cpu(reads, monkeypatch):
    labels = torch.tensor([0, 3])
    guard = tensor_utils.index_range_guard(labels, 3, "owner")
    guard._on_cpu = False  # as for a CUDA tensor
    with pytest.raises(ValueError, match="Received: 3"):
        with guard:
            raise AssertionError("the kernel must not run")
