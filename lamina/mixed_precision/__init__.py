"""keras.mixed_precision: the dtype policy API under its mixed precision
names, and the loss scale optimizer float16 training uses.

    keras.mixed_precision.set_global_policy("mixed_float16")
"""

from lamina.config import dtype_policy
from lamina.config import set_dtype_policy
from lamina.dtype_policies import DTypePolicy
from lamina.optimizers import LossScaleOptimizer

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy",
           "global_policy", "set_dtype_policy", "set_global_policy"]
