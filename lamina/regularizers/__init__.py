"""`lamina.regularizers`: Keras's weight regularizers on torch tensors.

A regularizer is called on a weight and returns a scalar tensor, added to the
training loss. Each class also answers to its snake_case name (`"l2"`).
"""

from lamina.regularizers._orthogonal import (
    OrthogonalRegularizer as OrthogonalRegularizer,
)
from lamina.regularizers._registry import REGISTRY as REGISTRY
from lamina.regularizers._registry import deserialize as deserialize
from lamina.regularizers._registry import get as get
from lamina.regularizers._registry import serialize as serialize
from lamina.regularizers._regularizer import L1 as L1
from lamina.regularizers._regularizer import L1L2 as L1L2
from lamina.regularizers._regularizer import L2 as L2
from lamina.regularizers._regularizer import Regularizer as Regularizer

# Keras's snake_case aliases are the classes themselves; `l1_l2(l1=..., l2=...)`
# keeps the Keras 2 spelling working.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer
