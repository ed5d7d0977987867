import os

import numpy as np
import pytest
import torch

import lamina
from lamina.utils import PyDataset
from lamina.utils import image_utils
from lamina.utils.image_dataset import image_dataset_from_directory


@pytest.fixture
def image_dir(tmp_path):
    """cats/ (4 PNGs, one in a nested folder), dogs/ (3 JPEGs), plus files
    and folders that must be ignored."""
    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    for cls, count, ext in (("cats", 4, "png"), ("dogs", 3, "jpg")):
        (root / cls / "nested").mkdir(parents=True)
        for i in range(count):
            folder = root / cls / ("nested" if i == 3 else "")
            shape = (10 + i, 12 + 2 * i, 3)
            image_utils.save_img(folder / f"{cls}_{i}.{ext}",
                                 rng.integers(0, 256, shape), scale=False)
        (root / cls / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    image_utils.save_img(root / ".hidden" / "x.png", np.zeros((4, 4, 3)))
    return str(root)


def test_finds_classes_and_batches(image_dir, capsys):
    ds = image_dataset_from_directory(image_dir, image_size=(8, 6),
                                      batch_size=3, seed=1)
    assert "Found 7 files belonging to 2 classes." in capsys.readouterr().out
    assert isinstance(ds, PyDataset)
    assert ds.class_names == ["cats", "dogs"]
    assert len(ds) == 3 and len(ds.file_paths) == 7
    batches = list(ds)
    assert [b[0].shape for b in batches] == [(3, 8, 6, 3)] * 2 + [
        (1, 8, 6, 3)]
    images, labels = batches[0]
    assert images.dtype == torch.float32 and labels.dtype == torch.int32
    all_labels = torch.cat([b[1] for b in batches]).tolist()
    assert sorted(all_labels) == [0, 0, 0, 0, 1, 1, 1]


def test_file_order_and_split_match_keras(image_dir, keras_ref):
    from keras.src.utils import dataset_utils

    ALLOW = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
    paths, labels, names = dataset_utils.index_directory(
        image_dir, "inferred", formats=ALLOW, shuffle=True, seed=7,
        verbose=False)
    ds = image_dataset_from_directory(image_dir, seed=7, verbose=False)
    assert ds.file_paths == paths and ds.class_names == names
    train, val = image_dataset_from_directory(
        image_dir, seed=7, validation_split=0.3, subset="both")
    expected_train = dataset_utils.get_training_or_validation_split(
        paths, labels, 0.3, "training")
    expected_val = dataset_utils.get_training_or_validation_split(
        paths, labels, 0.3, "validation")
    assert train.file_paths == expected_train[0]
    assert val.file_paths == expected_val[0]
    only_val = image_dataset_from_directory(
        image_dir, seed=7, validation_split=0.3, subset="validation")
    assert only_val.file_paths == val.file_paths
    unshuffled = image_dataset_from_directory(image_dir, shuffle=False,
                                              verbose=False)
    assert unshuffled.file_paths == sorted(paths)
    labels = np.concatenate([y.cpu().numpy() for _, y in unshuffled])
    np.testing.assert_array_equal(labels, [0, 0, 0, 0, 1, 1, 1])


def test_pixels_match_keras_loader(image_dir, keras_ref):
    from keras.src.utils.image_dataset_utils import _load_image_grain

    for kwargs in [{}, {"crop_to_aspect_ratio": True},
                   {"pad_to_aspect_ratio": True}]:
        ds = image_dataset_from_directory(image_dir, image_size=(7, 9),
                                          shuffle=False, batch_size=None,
                                          verbose=False, **kwargs)
        image, _ = ds[5]
        expected = _load_image_grain(
            ds.file_paths[5], (7, 9), 3, "bilinear", "channels_last",
            kwargs.get("crop_to_aspect_ratio", False),
            kwargs.get("pad_to_aspect_ratio", False))
        np.testing.assert_allclose(image.cpu().numpy(),
                                   keras_ref.ops.convert_to_numpy(expected),
                                   atol=1e-4)


def test_label_modes_and_options(image_dir):
    common = dict(image_size=(5, 5), batch_size=7, shuffle=False,
                  verbose=False)
    _, y = image_dataset_from_directory(image_dir, label_mode="categorical",
                                        **common)[0]
    assert y.dtype == torch.float32 and y.shape == (7, 2)
    np.testing.assert_array_equal(y.sum(1).cpu().numpy(), 1.0)
    _, y = image_dataset_from_directory(image_dir, label_mode="binary",
                                        **common)[0]
    assert y.shape == (7, 1) and y.dtype == torch.float32
    images = image_dataset_from_directory(image_dir, labels=None, **common)[0]
    assert isinstance(images, torch.Tensor) and images.shape == (7, 5, 5, 3)
    # Explicit labels follow the sorted paths of every file under the
    # directory, hidden folders included (as in Keras).
    ds = image_dataset_from_directory(
        image_dir, labels=np.array([0, 3, 1, 1, 3, 2, 2, 1]), **common)
    assert ds.class_names == ["0", "1", "2", "3"]
    assert ds[0][1].tolist() == [0, 3, 1, 1, 3, 2, 2]
    gray = image_dataset_from_directory(image_dir, color_mode="grayscale",
                                        data_format="channels_first",
                                        **common)[0][0]
    assert gray.shape == (7, 1, 5, 5)
    chosen = image_dataset_from_directory(image_dir, class_names=["dogs"],
                                          **common)
    assert len(chosen.file_paths) == 3 and chosen[0][1].tolist() == [0] * 3


def test_seeded_shuffling_changes_each_epoch(image_dir):
    def order(ds):
        return [p for p in ds.file_paths]

    a = image_dataset_from_directory(image_dir, seed=3, batch_size=7,
                                     image_size=(4, 4), verbose=False)
    b = image_dataset_from_directory(image_dir, seed=3, batch_size=7,
                                     image_size=(4, 4), verbose=False)
    assert order(a) == order(b)
    first = [x for x, _ in a][0]
    again = [x for x, _ in a][0]
    assert torch.equal(first, [x for x, _ in b][0])
    assert not torch.equal(first, again)
    assert sorted(first.sum((1, 2, 3)).tolist()) == sorted(
        again.sum((1, 2, 3)).tolist())


def test_fit_evaluate_predict(image_dir):
    train, val = image_dataset_from_directory(
        image_dir, image_size=(6, 6), batch_size=2, seed=0,
        validation_split=0.3, subset="both", verbose=False)
    model = lamina.Sequential([
        lamina.Input((6, 6, 3)),
        lamina.layers.Flatten(),
        lamina.layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert "val_accuracy" in history.history
    assert len(model.evaluate(val, verbose=0)) == 2
    assert model.predict(val, verbose=0).shape == (len(val.file_paths), 2)


def test_bad_arguments(image_dir, tmp_path):
    with pytest.raises(ValueError, match="seed"):
        image_dataset_from_directory(image_dir, validation_split=0.2,
                                     subset="training")
    with pytest.raises(ValueError, match="together"):
        image_dataset_from_directory(image_dir, subset="training", seed=1)
    with pytest.raises(ValueError, match="label_mode"):
        image_dataset_from_directory(image_dir, label_mode="sparse")
    with pytest.raises(ValueError, match="interpolation"):
        image_dataset_from_directory(image_dir, interpolation="gaussian")
    with pytest.raises(ValueError, match="class_names"):
        image_dataset_from_directory(image_dir, class_names=["birds"])
    with pytest.raises(ValueError, match="labels"):
        image_dataset_from_directory(image_dir, labels=[0, 1], verbose=False)
    empty = tmp_path / "empty" / "a"
    empty.mkdir(parents=True)
    with pytest.raises(ValueError, match="No images found"):
        image_dataset_from_directory(os.path.dirname(empty), verbose=False)
    three = tmp_path / "three"
    for name in "abc":
        (three / name).mkdir(parents=True)
        image_utils.save_img(three / name / "x.png", np.ones((4, 4, 3)))
    with pytest.raises(ValueError, match="exactly 2"):
        image_dataset_from_directory(str(three), label_mode="binary",
                                     verbose=False)
