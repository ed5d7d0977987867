"""`keras.backend`: settings, the session, and Keras 2's backend functions.

Keras 3 keeps the settings and session helpers here; programs written for
Keras 2 also call `K.get_value`, `K.set_value`, `K.variable`, `K.sum`,
`K.categorical_crossentropy(target, output)`, ... — they work on torch
tensors with Keras 2's signatures. Modules:

- `session`: backend name, dtype helpers, `clear_session`, learning phase;
- `variables`: variables, values and shapes;
- `math_ops`: math, products, shapes;
- `nn_ops`: activations, per-sample losses, dropout, random draws.

Graph-only Keras 2 functions (`placeholder`, `function`, `gradients`) have
no eager equivalent and are not provided.
"""

from lamina.backend.math_ops import *  # noqa: F401,F403
from lamina.backend.math_ops import abs, all, any, max, min, pow, round, sum  # noqa: F401,A004,E501
from lamina.backend.nn_ops import *  # noqa: F401,F403
from lamina.backend.session import *  # noqa: F401,F403
from lamina.backend.variables import *  # noqa: F401,F403
from lamina.backend.variables import eval  # noqa: F401,A004
from lamina.config import epsilon  # noqa: F401
from lamina.config import floatx  # noqa: F401
from lamina.config import image_data_format  # noqa: F401
from lamina.config import set_epsilon  # noqa: F401
from lamina.config import set_floatx  # noqa: F401
from lamina.config import set_image_data_format  # noqa: F401

# The star imports bring in the modules' own imports too; keep the
# namespace to the backend functions.
for _name in ("torch", "np", "F", "gc", "warnings", "activations", "config",
              "random", "ops_core", "naming", "call_context", "KerasTensor",
              "Variable", "to_numpy", "to_torch_dtype"):
    globals().pop(_name, None)
del _name
