"""The house rules on imports, checked on the source with `ast`.

- No import circle among Lamina's modules. Every import counts, a lazy one
  inside a function included, and so does `importlib.import_module` with a
  literal name; only imports under `if TYPE_CHECKING:` are exempt.
  An import of `a.b.c` is an edge to the module `a.b.c` (or to `a.b` when
  `c` is a name in it); the `__init__` of the parent packages that Python
  runs on the way is not counted, or every module would meet `lamina`.
- No module imports another top-level package's underscore names (a
  `_private` module or a `_private` name), nor reads `_private` attributes
  of a module it imported from another package.
"""

import ast
import functools
import os

import lamina

ROOT = os.path.dirname(os.path.abspath(lamina.__file__))


def module_files():
    """{dotted module name: path} for every module under lamina/."""
    found = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for filename in files:
            if not filename.endswith(".py"):
                continue
            path = os.path.join(folder, filename)
            parts = os.path.relpath(path, os.path.dirname(ROOT))[:-3]
            parts = parts.split(os.sep)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = module_files()


def _is_type_checking(test):
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node):
    """Walks the tree, skipping the bodies of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for sub in child.orelse:
                yield sub
                yield from _walk(sub)
            continue
        yield child
        yield from _walk(child)


def _package_of(module):
    return module if module in MODULES and MODULES[module].endswith(
        "__init__.py") else module.rpartition(".")[0]


def _resolve_from(module, node):
    if not node.level:
        return node.module
    base = _package_of(module).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _deepest_module(name):
    """The longest prefix of `name` that is a Lamina module."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


@functools.lru_cache(maxsize=None)
def parse(module):
    with open(MODULES[module], encoding="utf-8") as f:
        return ast.parse(f.read(), MODULES[module])


@functools.lru_cache(maxsize=None)
def imports_of(module):
    """((imported module, imported name or None, lineno), ...) for one
    module."""
    tree = parse(module)
    found = []
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _deepest_module(alias.name)
                if target:
                    found.append((target, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            source = _resolve_from(module, node)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:
                    found.append((submodule, None, node.lineno))
                elif source in MODULES:
                    found.append((source, alias.name, node.lineno))
        elif (isinstance(node, ast.Call)
              and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module"
              and node.args
              and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            target = _deepest_module(node.args[0].value)
            if target:
                found.append((target, None, node.lineno))
    return tuple(found)


def import_graph():
    graph = {name: set() for name in MODULES}
    for name in MODULES:
        for target, _, _ in imports_of(name):
            if target != name:
                graph[name].add(target)
    return graph


def find_cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(start):
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return components


def top_package(module):
    """`lamina.layers.core.dense` -> `lamina.layers`."""
    return ".".join(module.split(".")[:2])


def _private(name):
    return name.startswith("_") and not name.startswith("__")


def private_reaches():
    """Every import of, or attribute read on, another top-level package's
    underscore names, as readable lines."""
    reaches = []
    for module in sorted(MODULES):
        tree = parse(module)
        foreign = {}  # local name -> module of another package
        for target, name, lineno in imports_of(module):
            if top_package(target) == top_package(module):
                continue
            where = f"{module}:{lineno}"
            if any(_private(part) for part in target.split(".")):
                reaches.append(f"{where} imports private module {target}")
            if name is not None and _private(name):
                reaches.append(f"{where} imports {target}.{name}")
        for node in _walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _resolve_from(module, node)
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if (full in MODULES
                            and top_package(full) != top_package(module)):
                        foreign[alias.asname or alias.name] = full
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and alias.name in MODULES and (
                            top_package(alias.name) != top_package(module)):
                        foreign[alias.asname] = alias.name
        for node in _walk(tree):
            if (isinstance(node, ast.Attribute) and _private(node.attr)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in foreign):
                reaches.append(
                    f"{module}:{node.lineno} reads "
                    f"{foreign[node.value.id]}.{node.attr}")
    return reaches


# -- the rules ---------------------------------------------------------------

def test_the_walk_sees_the_whole_package():
    assert "lamina.layers.layer" in MODULES
    assert "lamina.graph" in MODULES
    graph = import_graph()
    assert "lamina.graph" in graph["lamina.layers.layer"] or any(
        target.startswith("lamina.graph")
        for target in graph["lamina.layers.layer"])


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "Import circles among Lamina modules:\n" + "\n".join(
        " <-> ".join(component) for component in cycles)


def test_no_cross_package_private_imports():
    reaches = private_reaches()
    assert not reaches, (
        "Modules reaching into another package's underscore names:\n"
        + "\n".join(reaches))


# The registry and (de)serialization sit low, as Keras's serialization_lib
# does: every family and many layers use them. The file formats and the
# saving API sit on top of everything.
SAVING_CORE = ("lamina.saving", "lamina.saving.object_registration",
               "lamina.saving.registry", "lamina.saving.serialization")
ABOVE_LAYERS = ("lamina.models", "lamina.trainers", "lamina.callbacks",
                "lamina.saving")


def _upward(graph, module, above, allowed=()):
    return [t for t in graph[module]
            if top_package(t) in above and t not in allowed]


def test_graph_imports_nothing_above_it():
    graph = import_graph()
    allowed = ("lamina.graph", "lamina.utils", "lamina.config")
    for module in graph:
        if top_package(module) != "lamina.graph":
            continue
        above = [t for t in graph[module] if not t.startswith(allowed)]
        assert not above, f"{module} imports {above}"


def test_ops_and_layers_never_import_models_trainers_or_files():
    graph = import_graph()
    for module in graph:
        if top_package(module) in ("lamina.ops", "lamina.layers"):
            upward = _upward(graph, module, ABOVE_LAYERS, SAVING_CORE)
            assert not upward, f"{module} imports {upward}"


def test_saving_core_imports_nothing_above_it():
    graph = import_graph()
    for module in SAVING_CORE[1:]:
        above = [t for t in graph[module] if not t.startswith(
            ("lamina.saving", "lamina.config", "lamina.utils"))]
        assert not above, f"{module} imports {above}"


# -- the checker itself, on small made-up graphs -----------------------------

def test_cycle_finder_on_known_graphs():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]
    assert find_cycles(
        {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_type_checking_imports_are_exempt_and_lazy_ones_count():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    import exempt\n"
        "def f():\n"
        "    import lazy\n")
    names = [alias.name for node in _walk(tree)
             if isinstance(node, ast.Import) for alias in node.names]
    assert names == ["lazy"]
