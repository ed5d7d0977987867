"""text_dataset_from_directory against Keras 3.15.1.

Keras returns a `tf.data.Dataset` (TensorFlow is not installed here): the
expected batches were produced once by Keras 3.15.1 with TensorFlow 2.21 on
the same directory. Keras yields bytes; Lamina yields decoded `str`.
"""

import numpy as np
import pytest
import torch

from lamina.layers.preprocessing.text_vectorization import TextVectorization
from lamina.utils.py_dataset import PyDataset
from lamina.utils.text_dataset import text_dataset_from_directory

NEG = [f"neg text {i} é\n" for i in range(7)]
POS = [f"pos text {i}\n" for i in range(5)]


@pytest.fixture
def text_dir(tmp_path):
    """Two classes, an empty class folder, a nested file, an upper-case
    extension, a non-.txt file, a hidden folder and a top-level file."""
    for name in ("neg", "pos/sub", ".hidden", "zz_empty"):
        (tmp_path / name).mkdir(parents=True)
    for i, text in enumerate(NEG):
        (tmp_path / "neg" / f"n{i}.txt").write_text(text, encoding="utf-8")
    for i, text in enumerate(POS):
        (tmp_path / "pos" / f"p{i}.TXT").write_text(text)
    (tmp_path / "pos" / "sub" / "a.txt").write_text("nested\n")
    (tmp_path / "pos" / "skip.md").write_text("skip")
    (tmp_path / ".hidden" / "h.txt").write_text("hidden\n")
    (tmp_path / "top.txt").write_text("top\n")
    return str(tmp_path)


def _collect(dataset):
    return [(x.tolist(), y.tolist()) for x, y in dataset]


def test_unshuffled_batches_match_keras(text_dir, capsys):
    dataset = text_dataset_from_directory(text_dir, shuffle=False,
                                          batch_size=4)
    assert capsys.readouterr().out == \
        "Found 13 files belonging to 3 classes.\n"
    assert isinstance(dataset, PyDataset) and len(dataset) == 4
    assert dataset.class_names == ["neg", "pos", "zz_empty"]
    texts, labels = dataset[0]
    assert isinstance(texts, np.ndarray) and texts.dtype.kind == "U"
    assert labels.dtype == torch.int32
    assert _collect(dataset) == [
        (NEG[:4], [0, 0, 0, 0]), (NEG[4:] + POS[:1], [0, 0, 0, 1]),
        (POS[1:], [1, 1, 1, 1]), (["nested\n"], [1])]


def test_label_modes_and_class_names(text_dir):
    categorical = text_dataset_from_directory(
        text_dir, shuffle=False, batch_size=5, label_mode="categorical")
    batches = list(categorical)
    assert batches[0][1].dtype == torch.float32
    assert batches[1][1].tolist() == [[1, 0, 0], [1, 0, 0], [0, 1, 0],
                                      [0, 1, 0], [0, 1, 0]]
    binary = text_dataset_from_directory(
        text_dir, shuffle=False, batch_size=50, class_names=["pos", "neg"],
        label_mode="binary")
    texts, labels = binary[0]
    assert texts.tolist() == POS + ["nested\n"] + NEG
    assert labels.tolist() == [[0.0]] * 6 + [[1.0]] * 7
    assert binary.class_names == ["pos", "neg"]


def test_no_labels_and_max_length(text_dir, capsys):
    dataset = text_dataset_from_directory(text_dir, shuffle=False,
                                          batch_size=50, max_length=10,
                                          labels=None)
    assert capsys.readouterr().out == "Found 15 files.\n"
    # Without labels every .txt below the folder counts, hidden ones too.
    assert dataset[0].tolist() == ["top\n", "hidden\n"] + [
        t[:10] for t in NEG] + [t[:10] for t in POS] + ["nested\n"]
    # Keras cuts bytes; a character cut in two is dropped here.
    cut = text_dataset_from_directory(text_dir, shuffle=False, batch_size=1,
                                      max_length=12, label_mode=None)
    assert cut[2].tolist() == ["neg text 0 "]
    explicit = text_dataset_from_directory(
        text_dir, labels=list(range(15)), shuffle=False, batch_size=None,
        verbose=False)
    assert explicit.class_names == [str(i) for i in range(15)]
    assert explicit[3][0] == NEG[1] and explicit[3][1].item() == 3


def test_validation_split_matches_keras(text_dir, capsys):
    train, val = text_dataset_from_directory(
        text_dir, batch_size=3, validation_split=0.3, subset="both",
        seed=11)
    assert capsys.readouterr().out.splitlines()[1:] == [
        "Using 10 files for training.", "Using 3 files for validation."]
    # Validation data is not reshuffled: Keras's exact order.
    assert _collect(val) == [([NEG[1], NEG[0], POS[2]], [0, 0, 1])]
    assert val.class_names == train.class_names
    pairs = sorted((text, label) for texts, labels in _collect(train)
                   for text, label in zip(texts, labels))
    assert pairs == sorted([(t, 0) for t in NEG[2:]] + [(t, 1) for t in (
        POS[:2] + POS[3:] + ["nested\n"])])
    alone = text_dataset_from_directory(
        text_dir, batch_size=3, validation_split=0.3, subset="validation",
        seed=11)
    # Alone, the validation subset is shuffled like any other dataset.
    assert sorted(sum((x.tolist() for x, _ in alone), [])) == \
        sorted([NEG[1], NEG[0], POS[2]])


def test_shuffle_is_seeded_and_changes_each_epoch(text_dir):
    def epochs(seed):
        dataset = text_dataset_from_directory(text_dir, batch_size=2,
                                              seed=seed, verbose=False)
        orders = []
        for _ in range(3):
            orders.append(sum((x.tolist() for x, _ in dataset), []))
            dataset.on_epoch_end()
        return orders

    first, again = epochs(3), epochs(3)
    assert first == again
    assert len({tuple(order) for order in first}) > 1
    assert all(sorted(order) == sorted(NEG + POS + ["nested\n"])
               for order in first)
    dataset = text_dataset_from_directory(text_dir, batch_size=4, seed=3,
                                          verbose=False)
    for texts, labels in dataset:
        assert [t.startswith("neg") for t in texts] == \
            [label == 0 for label in labels.tolist()]


def test_file_index_matches_keras(text_dir, keras_ref):
    from keras.src.utils import dataset_utils

    for seed in (0, 11, 1234):
        expected, _, _ = dataset_utils.index_directory(
            text_dir, "inferred", formats=(".txt",), seed=seed,
            verbose=False)
        for subset in ("training", "validation"):
            files, _ = dataset_utils.get_training_or_validation_split(
                expected, None, 0.25, subset)
            dataset = text_dataset_from_directory(
                text_dir, validation_split=0.25, subset=subset, seed=seed,
                verbose=False)
            ours = sorted(sum((x.tolist() for x, _ in dataset), []))
            theirs = sorted(open(f, encoding="utf-8").read() for f in files)
            assert ours == theirs


def test_adapt_text_vectorization_on_it(text_dir):
    dataset = text_dataset_from_directory(text_dir, batch_size=4, seed=0,
                                          verbose=False)
    vectorizer = TextVectorization()
    vectorizer.adapt(dataset)
    # "é" and "neg" both count 7: the larger token comes first.
    assert vectorizer.get_vocabulary()[:6] == [
        "", "[UNK]", "text", "é", "neg", "pos"]
    texts, _ = dataset[0]
    assert vectorizer(texts).shape[0] == len(texts)


@pytest.mark.parametrize("kwargs,message", [
    ({"labels": "folders"}, "should be a list/tuple of integer labels"),
    ({"labels": [0] * 13, "class_names": ["a"]}, "only pass `class_names`"),
    ({"label_mode": "sparse"}, "`label_mode` argument must be one of"),
    ({"format": "numpy"}, "`format` should be either"),
    ({"validation_split": 0.2}, "`validation_split` must be set"),
    ({"subset": "training"}, "`validation_split` must be set"),
    ({"validation_split": 1.5, "subset": "training"}, "between 0 and 1"),
    ({"validation_split": 0.2, "subset": "test", "seed": 1},
     '`subset` must be either "training", "validation" or "both"'),
    ({"validation_split": 0.2, "subset": "training"}, "must provide a `seed`"),
    ({"label_mode": "binary"}, "exactly 2 class_names"),
    ({"labels": [0, 1]}, "lengths of `labels` to match"),
    ({"class_names": ["neg", "other"]}, "did not match the names"),
    ({"labels": None, "class_names": ["neg"]}, "`class_names` cannot be"),
])
def test_bad_arguments(text_dir, kwargs, message):
    with pytest.raises(ValueError, match=message):
        text_dataset_from_directory(text_dir, verbose=False, **kwargs)


def test_empty_directory(tmp_path):
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="No text files found in directory"):
        text_dataset_from_directory(str(tmp_path), verbose=False)
