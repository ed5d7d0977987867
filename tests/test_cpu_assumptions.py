"""Nothing assumes the CPU: `.numpy()` only on values known to be there.

On a CUDA machine the default device is CUDA, and `tensor.numpy()` fails
there ("can't convert cuda:0 device type tensor to numpy"). This walks the
source of `lamina/` and `tests/` and fails on each `.numpy()` whose
receiver is not known to be on the host. Known to be on the host:

- anything read through `.cpu()` or `.to("cpu")` (`x.detach().cpu().numpy()`);
- tensors made by torch on the host: `torch.from_numpy(...)`, and
  `torch.tensor/zeros/ones/...` without a `device=` (Lamina never changes
  torch's default device);
- a method result, item, or arithmetic of such values;
- a name whose nearest assignment before the call is one of these;
- `self.numpy()` in a class defining `numpy` (Lamina's `Variable`).

`ALLOWED` lists the few other calls, each with its reason. A test that
must run on the CPU says so in its own code (it creates its tensors there).
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# (path, enclosing function) -> why its `.numpy()` calls are on the host.
ALLOWED = {
    ("lamina/utils/numerical_utils.py", "to_categorical"):
        "the labels come from `torch.from_numpy`; the one-hot is built "
        "beside them on the host",
    ("lamina/callbacks/training_state.py", "_capture_random"):
        "torch returns generator states (CUDA's too) as host byte tensors",
    ("lamina/callbacks/training_state.py", "_store_snapshot"):
        "torch returns generator states (CUDA's too) as host byte tensors",
    ("tests/layers/test_weight_snapshots.py",
     "test_layer_get_weights_and_variable_numpy_are_copies"):
        "tests Keras's `Variable.numpy()`, which reads through `.cpu()`",
    ("tests/mixed_precision/test_loss_scaling.py", "_fit_both"):
        "`.numpy()` of the Keras reference's variables, which Keras reads "
        "to the host itself",
    **{("tests/distribution/mp_worker.py", function):
       "tests the sharded Keras variables' `numpy()`, which gathers the "
       "whole value and reads it to the host (`to_numpy`)"
       for function in ("train", "variable_api", "slot_api", "tensorboard",
                        "optimizer_run", "loss_scale_skip")},
    ("tests/mixed_precision/test_loss_scaling.py",
     "test_overflowing_steps_are_skipped_as_keras"):
        "`.numpy()` of the Keras reference's variables, which Keras reads "
        "to the host itself",
}

_TORCH_FACTORIES = {
    "tensor", "as_tensor", "zeros", "ones", "full", "empty", "arange",
    "linspace", "rand", "randn", "randint", "randperm", "eye", "zeros_like",
    "ones_like", "full_like", "from_numpy", "stack", "cat", "where",
}
_LEAVES_THE_HOST = {"to", "cuda", "to_device"}


def _is_cpu_device(node):
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("cpu")
    if isinstance(node, ast.Call) and _dotted(node.func) == "torch.device":
        return bool(node.args) and _is_cpu_device(node.args[0])
    return False


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _Scope:
    """Assignments of one function (or the module), by name and line."""

    def __init__(self, node):
        self.assignments = {}
        for child in ast.walk(node):
            targets = []
            if isinstance(child, ast.Assign):
                targets = [(t, child.value) for t in child.targets]
            elif isinstance(child, (ast.AnnAssign, ast.AugAssign)) and \
                    child.value is not None:
                targets = [(child.target, child.value)]
            elif isinstance(child, ast.NamedExpr):
                targets = [(child.target, child.value)]
            for target, value in targets:
                if isinstance(target, ast.Name):
                    self.assignments.setdefault(target.id, []).append(
                        (child.lineno, value))

    def nearest(self, name, line):
        before = [(l, v) for l, v in self.assignments.get(name, ())
                  if l < line]
        return max(before, key=lambda p: p[0]) if before else (None, None)


def on_host(node, scope, before=None, depth=0):
    """Whether the value of expression `node` is known to be on the host;
    names resolve to their nearest assignment before line `before` (the
    expression's own line by default)."""
    if depth > 20:
        return False
    recurse = lambda n: on_host(n, scope, before, depth + 1)  # noqa: E731
    if isinstance(node, ast.Call):
        func = node.func
        dotted = _dotted(func)
        if dotted and dotted.startswith("torch.") and \
                dotted.split(".")[-1] in _TORCH_FACTORIES and \
                dotted.count(".") == 1:
            device = next((k.value for k in node.keywords
                           if k.arg == "device"), None)
            return device is None or _is_cpu_device(device)
        if isinstance(func, ast.Attribute):
            if func.attr == "cpu":
                return True
            if func.attr == "to":
                args = list(node.args) + [k.value for k in node.keywords
                                          if k.arg == "device"]
                if any(_is_cpu_device(a) for a in args):
                    return True
                # `.to(torch.float64)`: a dtype change stays where it is.
                dtype_only = all(
                    (_dotted(a) or "").startswith("torch.") for a in args)
                return dtype_only and recurse(func.value)
            if func.attr in _LEAVES_THE_HOST:
                return False
            return recurse(func.value)
        return False
    if isinstance(node, ast.Subscript):
        return recurse(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr in ("T", "mT", "real", "imag") and recurse(node.value)
    if isinstance(node, ast.BinOp):
        return recurse(node.left) or recurse(node.right)
    if isinstance(node, ast.UnaryOp):
        return recurse(node.operand)
    if isinstance(node, ast.Compare):
        return recurse(node.left) or any(recurse(c) for c in node.comparators)
    if isinstance(node, ast.Name):
        line, value = scope.nearest(
            node.id, node.lineno if before is None else before)
        return value is not None and on_host(value, scope, line, depth + 1)
    return False


def unknown_numpy_calls(source):
    """(line, column, function name) of each `.numpy()` on a value not
    known to be on the host, and the end column of its receiver."""
    tree = ast.parse(source)
    found = []

    def visit(node, scope, function, numpy_class):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, _Scope(child), child.name, numpy_class)
                continue
            if isinstance(child, ast.ClassDef):
                defines = any(isinstance(n, ast.FunctionDef) and
                              n.name == "numpy" for n in child.body)
                visit(child, scope, function, defines)
                continue
            if isinstance(child, ast.Call) and \
                    isinstance(child.func, ast.Attribute) and \
                    child.func.attr == "numpy" and not child.args:
                receiver = child.func.value
                is_self = isinstance(receiver, ast.Name) and \
                    receiver.id == "self" and numpy_class
                if not is_self and not on_host(receiver, scope):
                    found.append((child.lineno, child.col_offset, function,
                                  receiver.end_lineno,
                                  receiver.end_col_offset))
            visit(child, scope, function, numpy_class)

    visit(tree, _Scope(tree), None, False)
    return found


def _sources():
    for folder in ("lamina", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), path


@pytest.mark.parametrize("folder", ["lamina", "tests"])
def test_numpy_is_only_called_on_host_values(folder):
    problems = []
    for name, path in _sources():
        if not name.startswith(folder + "/"):
            continue
        for line, col, function, _, _ in unknown_numpy_calls(
                path.read_text()):
            if (name, function) not in ALLOWED:
                problems.append(f"{name}:{line}:{col} in {function}()")
    assert not problems, (
        "`.numpy()` on values that may be on the GPU; read them with "
        "`.cpu()` (or `keras.ops.convert_to_numpy`):\n"
        + "\n".join(problems))


@pytest.mark.parametrize("code,flagged", [
    ("y.numpy()", True),
    ("y.detach().numpy()", True),
    ("y.detach().cpu().numpy()", False),
    ("y.cpu().float().numpy()", False),
    ("y.to('cpu').numpy()", False),
    ("y.to(device).numpy()", True),
    ("torch.tensor([1]).numpy()", False),
    ("torch.zeros(2, device=d).numpy()", True),
    ("torch.from_numpy(a)[0].numpy()", False),
    ("x = y.cpu()\nx = x.float()\nx.numpy()", False),
    ("x = y.cpu()\nx = model(x)\nx.numpy()", True),
    ("x = torch.ones(2)\n(x / 2).numpy()", False),
    ("x = torch.ones(2)\nx.to(torch.float64).numpy()", False),
    ("x = torch.ones(2)\nx.cuda().numpy()", True),
    ("class V:\n  def numpy(self): pass\n  def r(self): self.numpy()", False),
])
def test_the_walk_tells_host_values(code, flagged):
    assert bool(unknown_numpy_calls(code)) == flagged
