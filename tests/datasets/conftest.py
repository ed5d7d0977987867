import hashlib
import pathlib
import urllib.error
import urllib.request

import numpy as np
import pytest

SHARED_DATASETS = (
    pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Fails any non-`file://` fetch: dataset tests must never download."""
    real_urlopen = urllib.request.urlopen

    def urlopen(url, *args, **kwargs):
        target = url if isinstance(url, str) else url.full_url
        if not target.startswith("file://"):
            raise urllib.error.URLError("network disabled in tests")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory):
    """A KERAS_HOME whose datasets/ symlinks the offline shared copies."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"offline datasets not found at {SHARED_DATASETS}")
    home = tmp_path_factory.mktemp("keras_home")
    for src in SHARED_DATASETS.rglob("*"):
        if src.is_file() and not src.name.startswith("README"):
            dest = home / "datasets" / src.relative_to(SHARED_DATASETS)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(src)
    return home


@pytest.fixture
def seeded_home(shared_home, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(shared_home))
    return shared_home


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    """A fresh KERAS_HOME; returns its datasets/ folder."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    return datasets


@pytest.fixture(scope="session")
def loaded(shared_home):
    """Loads each real dataset once per session (they take ~0.4 s each)."""
    cache = {}

    def load(module):
        if module.__name__ not in cache:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("KERAS_HOME", str(shared_home))
                cache[module.__name__] = module.load_data()
        return cache[module.__name__]

    return load


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


@pytest.fixture
def pin_hash(monkeypatch):
    """Makes a loader accept a synthetic file by pinning its hash."""

    def pin(module, path, attribute="_FILE_HASH"):
        monkeypatch.setattr(module, attribute, sha256(path))

    return pin


def ragged_int_sequences(rng, count, max_len, vocab):
    """Object array of int lists with distinct lengths mixed in."""
    out = np.empty(count, dtype=object)
    for i in range(count):
        length = int(rng.integers(1, max_len + 1)) if i else max_len + 3
        out[i] = [int(w) for w in rng.integers(1, vocab, size=length)]
    return out


@pytest.fixture
def make_ragged():
    return ragged_int_sequences

