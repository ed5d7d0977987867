"""`lamina.initializers`: Keras's weight initializers, producing torch tensors.

An initializer is called as `init(shape, dtype=None)` and returns a CPU
tensor (`dtype=None` means `lamina.config.floatx()`). Each class also answers
to its snake_case name: `get("glorot_uniform")` is `GlorotUniform()`.
"""

from lamina.initializers._constant import Constant as Constant
from lamina.initializers._constant import Identity as Identity
from lamina.initializers._constant import Ones as Ones
from lamina.initializers._constant import Zeros as Zeros
from lamina.initializers._initializer import Initializer as Initializer
from lamina.initializers._random import Orthogonal as Orthogonal
from lamina.initializers._random import RandomNormal as RandomNormal
from lamina.initializers._random import RandomUniform as RandomUniform
from lamina.initializers._random import TruncatedNormal as TruncatedNormal
from lamina.initializers._registry import REGISTRY as REGISTRY
from lamina.initializers._registry import deserialize as deserialize
from lamina.initializers._registry import get as get
from lamina.initializers._registry import serialize as serialize
from lamina.initializers._stft import STFT as STFT
from lamina.initializers._variance_scaling import GlorotNormal as GlorotNormal
from lamina.initializers._variance_scaling import GlorotUniform as GlorotUniform
from lamina.initializers._variance_scaling import HeNormal as HeNormal
from lamina.initializers._variance_scaling import HeUniform as HeUniform
from lamina.initializers._variance_scaling import LecunNormal as LecunNormal
from lamina.initializers._variance_scaling import LecunUniform as LecunUniform
from lamina.initializers._variance_scaling import (
    VarianceScaling as VarianceScaling,
)
from lamina.initializers._variance_scaling import compute_fans as compute_fans

# Keras's snake_case aliases are the classes themselves.
constant = Constant
identity = Identity
IdentityInitializer = Identity
ones = Ones
zeros = Zeros
orthogonal = Orthogonal
OrthogonalInitializer = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
stft = STFT
STFTInitializer = STFT
variance_scaling = VarianceScaling
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
