"""`lamina.ops`: Keras 3's `keras.ops` on torch tensors.

Each function also accepts symbolic `KerasTensor`s, recording a graph node,
so the same calls work inside functional model definitions. Modules:
`core` (conversion, casts, slicing, loops), `numpy`, `nn` (with `nn_conv`
and `nn_functional`), `math`, `linalg`, `image`, `control_flow` and
`indexing`; `keras.ops.numpy`, `.nn`, `.linalg` and `.image` are the
namespaces of the same names here.
"""

from lamina.ops import image  # noqa: F401
from lamina.ops import linalg  # noqa: F401
from lamina.ops.control_flow import *  # noqa: F401,F403
from lamina.ops.control_flow import map  # noqa: F401,A004
from lamina.ops.core import *  # noqa: F401,F403
from lamina.ops.core import slice  # noqa: F401,A004
from lamina.ops.indexing import *  # noqa: F401,F403
from lamina.ops.linalg import *  # noqa: F401,F403
from lamina.ops.math import *  # noqa: F401,F403
from lamina.ops.nn import *  # noqa: F401,F403
from lamina.ops.numpy import *  # noqa: F401,F403
from lamina.ops.numpy import abs, all, any, max, min, round, sum  # noqa: F401,A004,E501

# The star imports of `core`, `nn` and `numpy` also bring in module-level
# helpers; keep the namespace to the ops themselves.
for _name in ("torch", "np", "builtins", "config", "activations",
              "KerasTensor", "symbolic_aware", "standardize_dtype",
              "to_torch_dtype", "F", "check_index_range", "inspect"):
    globals().pop(_name, None)
del _name
