"""What `pip install lamina` promises, checked against the code.

- Every package `lamina/` imports is declared: a module-level import is a
  core dependency; an import inside a function (an optional part, loaded on
  first use) is a core dependency or in an extra, and every extra is in
  `all`.
- Nothing declared goes unused: each core dependency is imported at module
  level, and each extra's packages are imported somewhere in `lamina/`
  (pandas excepted, see `DUCK_TYPED`).
- The `test` extra holds every package the tests import or `importorskip`,
  so that a fresh `pip install lamina[test]` skips nothing for want of one.
- `lamina.version()` and `lamina.__version__` match the package metadata;
  the torch range is the one `scripts/setup.sh` checks, and it admits the
  installed torch.
"""

import ast
import importlib
import importlib.metadata
import os
import re
import sys

import pytest

import lamina

tomllib = pytest.importorskip(
    "tomllib", reason="reading pyproject.toml needs Python >= 3.11's tomllib"
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "lamina")
TESTS = os.path.join(ROOT, "tests")

# Optional packages that Lamina supports without importing them: pandas
# objects are recognized by their type's module name and converted through
# NumPy, so installing the extra is what makes them usable.
DUCK_TYPED = {"pandas"}
# Optional packages that ship a program, not a module: Lamina runs it
# (plot_model renders with the `graphviz-pure` command when no `dot` is on
# PATH), so no import names it.
PROGRAMS = {"graphviz-pure"}


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement):
    return _normalize(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0])


@pytest.fixture(scope="module")
def project():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def _python_files(folder):
    for parent, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(parent, name)


def _imports(path):
    """[(top-level module, inside a function?)] of one file's imports.

    `pytest.importorskip("x")` counts as a lazy import of `x`.
    """
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    found = []

    def visit(node, lazy):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((a.name.split(".")[0], lazy)
                             for a in child.names)
            elif isinstance(child, ast.ImportFrom) and not child.level:
                found.append((child.module.split(".")[0], lazy))
            elif (isinstance(child, ast.Call)
                  and getattr(child.func, "attr", None) == "importorskip"
                  and child.args and isinstance(child.args[0], ast.Constant)):
                found.append((child.args[0].value.split(".")[0], True))
            visit(child, lazy or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


def _third_party(folder, local=()):
    """{distribution: {"eager"|"lazy": [files]}} for a folder's imports."""
    distributions = importlib.metadata.packages_distributions()
    result = {}
    for path in _python_files(folder):
        for module, lazy in _imports(path):
            if module in sys.stdlib_module_names or module in local:
                continue
            names = distributions.get(module)
            assert names, (
                f"{os.path.relpath(path, ROOT)} imports '{module}', which no "
                "installed distribution provides: install it (pip install "
                "-e .[test]) so that this test can map it to a requirement"
            )
            kind = "lazy" if lazy else "eager"
            for name in names:
                entry = result.setdefault(_normalize(name), {})
                entry.setdefault(kind, []).append(os.path.relpath(path, ROOT))
    return result


@pytest.fixture(scope="module")
def library_imports():
    return _third_party(PACKAGE, local={"lamina"})


def test_every_import_in_lamina_is_declared(project, library_imports):
    core = {_requirement_name(r) for r in project["dependencies"]}
    extras = {
        _requirement_name(r)
        for name, requirements in project["optional-dependencies"].items()
        if name != "test" for r in requirements
    }
    for name, kinds in library_imports.items():
        if "eager" in kinds:
            assert name in core, (
                f"{name} is imported at module level by {kinds['eager']} "
                "but is not in [project] dependencies"
            )
        assert name in core | extras, (
            f"{name} is imported by {kinds['lazy']} but is neither a "
            "dependency nor in an extra of pyproject.toml"
        )


def test_nothing_declared_goes_unused(project, library_imports):
    for requirement in project["dependencies"]:
        name = _requirement_name(requirement)
        assert "eager" in library_imports.get(name, {}), (
            f"the dependency {name} is not imported at module level by "
            "lamina/: make it optional (an extra) or drop it"
        )
    for extra, requirements in project["optional-dependencies"].items():
        if extra == "test":
            continue
        for requirement in requirements:
            name = _requirement_name(requirement)
            assert name in library_imports or name in DUCK_TYPED | PROGRAMS, (
                f"the extra [{extra}] names {name}, which lamina/ never "
                "imports"
            )


def test_all_extra_is_every_optional_extra(project):
    extras = project["optional-dependencies"]
    optional = {_requirement_name(r) for name, reqs in extras.items()
                if name not in ("all", "test") for r in reqs}
    assert {_requirement_name(r) for r in extras["all"]} == optional


def test_test_extra_holds_what_the_tests_import(project):
    # Helper modules beside the tests (`harness`, ...), imported by name.
    local = {os.path.splitext(os.path.basename(path))[0]
             for path in _python_files(TESTS)}
    # ... and by their folder (`applications.reference_models`).
    local |= {name for name in os.listdir(TESTS)
              if os.path.isdir(os.path.join(TESTS, name))}
    # A test may importorskip a package that only the reference (Keras)
    # needs for one check and that is far too large to install for CI.
    reference_only = {"tensorflow"}
    used = _third_party(TESTS, local=local | reference_only | {"lamina"})
    declared = {_requirement_name(r) for r in
                project["dependencies"]
                + project["optional-dependencies"]["test"]}
    missing = sorted(set(used) - declared)
    assert not missing, (
        f"tests import {missing} (in {[used[m] for m in missing]}) but the "
        "`test` extra does not list them"
    )
    optional = {_requirement_name(r) for name, reqs in
                project["optional-dependencies"].items()
                if name not in ("test", "all") for r in reqs}
    assert optional <= declared, (
        "the `test` extra should install every optional package, so that "
        f"their tests run: missing {sorted(optional - declared)}"
    )


def test_version_is_callable_and_matches_the_metadata():
    assert callable(lamina.version)
    assert lamina.version() == lamina.__version__
    module = importlib.import_module("lamina.version")
    assert module.__version__ == lamina.__version__
    assert importlib.metadata.version("lamina") == lamina.__version__


def test_torch_range_is_the_one_setup_checks_and_is_installed(project):
    import torch

    (torch_requirement,) = [r for r in project["dependencies"]
                            if _requirement_name(r) == "torch"]
    match = re.fullmatch(r"torch>=(\d+)\.(\d+),<(\d+)\.(\d+)",
                         torch_requirement.replace(" ", ""))
    assert match, f"expected 'torch>=A.B,<C.D', got {torch_requirement!r}"
    low = (int(match[1]), int(match[2]))
    high = (int(match[3]), int(match[4]))
    with open(os.path.join(ROOT, "scripts", "setup.sh")) as f:
        setup = f.read()
    assert f"{low} <= (major, minor) < {high}" in setup
    assert f'"torch=={low[0]}.{low[1]}.0"' in setup
    installed = tuple(int(p) for p in
                      torch.__version__.split("+")[0].split(".")[:2])
    assert low <= installed < high, torch.__version__


def test_python_floor_matches_torch(project):
    # torch 2.13 needs Python >= 3.10, so Lamina cannot promise less.
    assert project["requires-python"] == ">=3.10"
    assert sys.version_info >= (3, 10)
