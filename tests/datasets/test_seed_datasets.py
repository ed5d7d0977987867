import os
import pathlib
import shutil
import subprocess

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / \
    "seed_datasets.sh"


def run(source, home):
    env = {**os.environ, "KERAS_HOME": str(home)}
    return subprocess.run(["bash", str(SCRIPT), str(source)], env=env,
                          check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_seeds_cache_layout_idempotently(tmp_path):
    source = tmp_path / "shared"
    (source / "fashion-mnist").mkdir(parents=True)
    (source / "mnist.npz").write_bytes(b"npz")
    (source / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"gz")
    (source / "README.md").write_text("not data")
    os.chmod(source / "mnist.npz", 0o444)  # the shared copies are read-only
    home = tmp_path / "home"

    assert "2 copied, 0 already up to date" in run(source, home)
    datasets = home / "datasets"
    assert (datasets / "mnist.npz").read_bytes() == b"npz"
    assert (datasets / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").exists()
    assert not (datasets / "README.md").exists()

    assert "0 copied, 2 already up to date" in run(source, home)
    (datasets / "mnist.npz").write_bytes(b"stale")
    assert "1 copied, 1 already up to date" in run(source, home)
    assert (datasets / "mnist.npz").read_bytes() == b"npz"
    assert not [p for p in datasets.iterdir() if p.name.startswith(".")]


def test_missing_source_fails(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as info:
        run(tmp_path / "absent", tmp_path / "home")
    assert "source folder not found" in info.value.stderr
