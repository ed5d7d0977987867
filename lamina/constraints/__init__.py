"""`lamina.constraints`: Keras's weight constraints on torch tensors.

A constraint is called on a weight and returns the projected value, which
the optimizer assigns back after each update. Each class also answers to its
snake_case name (`"max_norm"`).
"""

from lamina.constraints._constraints import Constraint as Constraint
from lamina.constraints._constraints import MaxNorm as MaxNorm
from lamina.constraints._constraints import MinMaxNorm as MinMaxNorm
from lamina.constraints._constraints import NonNeg as NonNeg
from lamina.constraints._constraints import UnitNorm as UnitNorm
from lamina.constraints._registry import REGISTRY as REGISTRY
from lamina.constraints._registry import deserialize as deserialize
from lamina.constraints._registry import get as get
from lamina.constraints._registry import serialize as serialize

# Keras's snake_case aliases are the classes themselves.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
