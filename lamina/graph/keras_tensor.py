"""`KerasTensor`: a symbolic placeholder with a shape and a dtype.

Python operators on a KerasTensor (`x + 1`, `x[:, 0]`, `x.T`) record graph
nodes through the `lamina.ops` function of the same name. The graph does not
import `ops`: each op registers itself here by name when it is decorated
with `symbolic_aware`, and the operators look it up.
"""

from lamina.utils import naming
from lamina.utils.dtypes import standardize_dtype

# Op name -> the symbolic-aware function registered under it by `lamina.ops`.
SYMBOLIC_FUNCTIONS = {}


def register_symbolic_function(op_name, fn):
    """Makes `fn` the function behind KerasTensor operators named `op_name`
    (the first registration of a name wins)."""
    SYMBOLIC_FUNCTIONS.setdefault(op_name, fn)


def _apply(op_name, *args):
    fn = SYMBOLIC_FUNCTIONS.get(op_name)
    if fn is None:
        raise RuntimeError(
            f"The operator needs `lamina.ops.{op_name}`, which is not loaded. "
            "Import `lamina` (or `lamina.ops`) before using Python operators "
            "on a KerasTensor."
        )
    return fn(*args)


class KerasTensor:
    """A placeholder with a shape and dtype, used to build functional models."""

    def __init__(self, shape, dtype="float32", sparse=False, name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.sparse = sparse
        self.name = name or naming.uniquify("keras_tensor")
        self._keras_history = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, "
            f"sparse={self.sparse}, name={self.name}>"
        )

    def __len__(self):
        raise TypeError(
            "A symbolic KerasTensor has no length. Use `.shape` to read its "
            "dimensions."
        )

    def __iter__(self):
        raise TypeError(
            "A symbolic KerasTensor cannot be iterated. Index it (`x[:, 0]`) or "
            "use `lamina.ops` functions instead."
        )

    def __bool__(self):
        raise TypeError(
            "A symbolic KerasTensor has no truth value: it is a placeholder "
            "used to build models. Use `lamina.ops.where` or `ops.cond`."
        )

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "A symbolic KerasTensor cannot be converted to NumPy: it holds no "
            "data. Call the model on real data instead."
        )

    def __add__(self, other): return _apply("add", self, other)
    def __radd__(self, other): return _apply("add", other, self)
    def __sub__(self, other): return _apply("subtract", self, other)
    def __rsub__(self, other): return _apply("subtract", other, self)
    def __mul__(self, other): return _apply("multiply", self, other)
    def __rmul__(self, other): return _apply("multiply", other, self)
    def __truediv__(self, other): return _apply("divide", self, other)
    def __rtruediv__(self, other): return _apply("divide", other, self)
    def __floordiv__(self, other): return _apply("floor_divide", self, other)
    def __rfloordiv__(self, other): return _apply("floor_divide", other, self)
    def __mod__(self, other): return _apply("mod", self, other)
    def __rmod__(self, other): return _apply("mod", other, self)
    def __pow__(self, other): return _apply("power", self, other)
    def __rpow__(self, other): return _apply("power", other, self)
    def __matmul__(self, other): return _apply("matmul", self, other)
    def __rmatmul__(self, other): return _apply("matmul", other, self)
    def __neg__(self): return _apply("negative", self)
    def __pos__(self): return self
    def __abs__(self): return _apply("abs", self)
    def __invert__(self): return _apply("logical_not", self)
    def __lt__(self, other): return _apply("less", self, other)
    def __le__(self, other): return _apply("less_equal", self, other)
    def __gt__(self, other): return _apply("greater", self, other)
    def __ge__(self, other): return _apply("greater_equal", self, other)
    def __and__(self, other): return _apply("logical_and", self, other)
    def __rand__(self, other): return _apply("logical_and", other, self)
    def __or__(self, other): return _apply("logical_or", self, other)
    def __ror__(self, other): return _apply("logical_or", other, self)
    def __getitem__(self, key): return _apply("get_item", self, key)

    @property
    def T(self):
        return _apply("transpose", self)

    def reshape(self, *shape):
        return _apply("reshape", self, shape[0] if len(shape) == 1 else shape)

    def astype(self, dtype):
        return _apply("cast", self, dtype)


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)
