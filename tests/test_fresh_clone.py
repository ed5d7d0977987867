"""The README's set-up, run the way a new user meets the repository.

The repository is cloned into a temporary folder with nothing beside it (no
`../shared`, so no offline datasets), an empty home and Keras cache, and no
network: every URL goes through a proxy address where nothing listens, and
pip may not reach an index. `scripts/setup.sh` then runs for real, in a
virtual environment that sees this interpreter's packages (so torch and the
test requirements are already satisfied and nothing is downloaded), and
must exit 0; the README demo must then print the short message about
`mnist.npz` and exit non-zero; and a pip failure must make the set-up exit
non-zero with one line saying so.
"""

import os
import shutil
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """(clone folder, environment) for a clone with a venv of its own."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed (needed to clone the repository)")
    if not os.path.isdir(os.path.join(ROOT, ".git")):
        pytest.skip(f"{ROOT} is not a git checkout, so it cannot be cloned")
    base = tmp_path_factory.mktemp("fresh")
    clone = base / "lamina"
    subprocess.run(["git", "clone", "--quiet", ROOT, str(clone)], check=True)
    assert not (base / "shared").exists()
    venv = base / "venv"
    # No pip of its own: this interpreter's pip, seen through the system
    # site-packages, installs into the venv.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages",
                    "--without-pip", str(venv)], check=True)
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "PIP_", "KERAS", "LAMINA"))
        and key.lower() not in ("http_proxy", "https_proxy", "no_proxy",
                                "all_proxy", "virtual_env")
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        HOME=str(base / "home"),
        KERAS_HOME=str(base / "home" / ".keras"),
        http_proxy=proxy, https_proxy=proxy,
        HTTP_PROXY=proxy, HTTPS_PROXY=proxy,
        PIP_NO_INDEX="1",
        # pip reads PIP_NO_BUILD_ISOLATION inverted: "0" turns isolation
        # off, so the build uses the setuptools already installed.
        PIP_NO_BUILD_ISOLATION="0",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    (base / "home").mkdir()
    return clone, env


def run(command, clone, env, **kwargs):
    return subprocess.run(command, cwd=clone, env=env, capture_output=True,
                          text=True, timeout=300, **kwargs)


def test_setup_then_demo_on_a_fresh_clone(fresh):
    clone, env = fresh
    setup = run(["./scripts/setup.sh"], clone, env)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "keras.datasets will download each dataset on first use" in \
        setup.stdout
    assert len(setup.stdout.strip().splitlines()) == 3, setup.stdout
    where = run(["python", "-c", "import lamina; print(lamina.__file__)"],
                clone, env)
    assert where.stdout.strip() == str(clone / "lamina" / "__init__.py")

    demo = run(["python", "examples/mnist_mlp.py"], clone, env)
    assert demo.returncode != 0
    assert "Traceback" not in demo.stderr
    cache = os.path.join(env["KERAS_HOME"], "datasets")
    lines = demo.stderr.strip().splitlines()
    assert lines[0] == "This demo needs the MNIST file mnist.npz."
    assert lines[1].startswith("URL fetch failure on https://")
    assert f"'mnist.npz' is not in the cache folder {cache}" in lines[2]
    assert lines[3].endswith("scripts/seed_datasets.sh DIR")
    assert len(lines) == 4


def test_setup_for_the_tests_on_a_fresh_clone(fresh):
    clone, env = fresh
    setup = run(["./scripts/setup.sh", "--test"], clone, env)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "Lamina[test] installed" in setup.stdout


def test_setup_fails_loudly_when_pip_fails(fresh, tmp_path):
    clone, env = fresh
    impossible = tmp_path / "constraints.txt"
    impossible.write_text("numpy==0.0.0\n")
    setup = run(["./scripts/setup.sh"], clone,
                {**env, "PIP_CONSTRAINT": str(impossible)})
    assert setup.returncode != 0
    assert setup.stderr.strip().splitlines()[-1] == (
        "setup: pip could not install Lamina (its message is above)"
    )
    bad = run(["./scripts/setup.sh", "--tests"], clone, env)
    assert bad.returncode != 0
    assert bad.stderr.strip() == (
        "setup: unknown argument '--tests' (expected nothing or --test)"
    )
