"""`lamina.ops`: the `keras.ops` functions most models use, on torch tensors.

Each also accepts symbolic `KerasTensor`s, recording a graph node, so the
same calls work inside functional model definitions.
"""

from lamina.ops.core import *  # noqa: F401,F403
from lamina.ops.core import slice  # noqa: F401,A004
from lamina.ops.nn import *  # noqa: F401,F403
from lamina.ops.numpy import *  # noqa: F401,F403
from lamina.ops.numpy import abs, all, any, max, min, round, sum  # noqa: F401,A004

# The star imports above also bring in module-level helpers; keep the
# namespace to the ops themselves.
for _name in ("torch", "np", "builtins", "config", "activations",
              "KerasTensor", "symbolic_aware", "standardize_dtype",
              "to_torch_dtype"):
    globals().pop(_name, None)
del _name
