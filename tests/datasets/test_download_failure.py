"""Every dataset loader, offline with an empty cache, fails with one clear
message: the URL, why it failed, and the cache file it looked for."""

import os
import urllib.error
import urllib.request

import pytest

from lamina.datasets import boston_housing
from lamina.datasets import california_housing
from lamina.datasets import cifar10
from lamina.datasets import cifar100
from lamina.datasets import fashion_mnist
from lamina.datasets import imdb
from lamina.datasets import mnist
from lamina.datasets import reuters

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
TORONTO = "https://www.cs.toronto.edu/~kriz/"

# loader, URL it fetches first, cache subfolder, file name in the cache.
LOADERS = [
    (mnist.load_data, ORIGIN + "mnist.npz", "datasets", "mnist.npz"),
    (fashion_mnist.load_data, ORIGIN + "train-labels-idx1-ubyte.gz",
     os.path.join("datasets", "fashion-mnist"), "train-labels-idx1-ubyte.gz"),
    (boston_housing.load_data, ORIGIN + "boston_housing.npz", "datasets",
     "boston_housing.npz"),
    (california_housing.load_data, ORIGIN + "california_housing.npz",
     "datasets", "california_housing.npz"),
    (imdb.load_data, ORIGIN + "imdb.npz", "datasets", "imdb.npz"),
    (imdb.get_word_index, ORIGIN + "imdb_word_index.json", "datasets",
     "imdb_word_index.json"),
    (reuters.load_data, ORIGIN + "reuters.npz", "datasets", "reuters.npz"),
    (reuters.get_word_index, ORIGIN + "reuters_word_index.json", "datasets",
     "reuters_word_index.json"),
    (cifar10.load_data, TORONTO + "cifar-10-python.tar.gz", "datasets",
     "cifar-10-batches-py-target_archive"),
    (cifar100.load_data, TORONTO + "cifar-100-python.tar.gz", "datasets",
     "cifar-100-python-target_archive"),
]


@pytest.mark.parametrize("loader, url, subdir, name", LOADERS,
                         ids=lambda v: getattr(v, "__module__", None))
def test_offline_loader_names_url_reason_and_cache(
    tmp_path, monkeypatch, loader, url, subdir, name
):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(request, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name "
                                    "resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(OSError) as info:
        loader()
    lines = str(info.value).splitlines()
    assert lines[0] == (f"URL fetch failure on {url}: [Errno -3] Temporary "
                        "failure in name resolution.")
    folder = os.path.join(str(tmp_path), subdir)
    assert lines[1].startswith(
        f"'{name}' is not in the cache folder {folder} and could not be "
        "downloaded")
    assert len(lines) == 2
    # Nothing half-written is left behind.
    assert os.listdir(folder) == []
