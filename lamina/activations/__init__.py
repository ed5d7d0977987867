"""`lamina.activations`: Keras's activation functions on torch tensors.

Every function takes a tensor (NumPy arrays are converted) and returns a
tensor; look them up by name with `get("relu")`.
"""

from lamina.activations._normalizing import glu as glu
from lamina.activations._normalizing import log_softmax as log_softmax
from lamina.activations._normalizing import softmax as softmax
from lamina.activations._normalizing import sparsemax as sparsemax
from lamina.activations._rectifiers import celu as celu
from lamina.activations._rectifiers import elu as elu
from lamina.activations._rectifiers import exponential as exponential
from lamina.activations._rectifiers import gelu as gelu
from lamina.activations._rectifiers import hard_silu as hard_silu
from lamina.activations._rectifiers import leaky_relu as leaky_relu
from lamina.activations._rectifiers import linear as linear
from lamina.activations._rectifiers import mish as mish
from lamina.activations._rectifiers import relu as relu
from lamina.activations._rectifiers import relu6 as relu6
from lamina.activations._rectifiers import selu as selu
from lamina.activations._rectifiers import silu as silu
from lamina.activations._rectifiers import softplus as softplus
from lamina.activations._rectifiers import softsign as softsign
from lamina.activations._rectifiers import sparse_plus as sparse_plus
from lamina.activations._rectifiers import squareplus as squareplus
from lamina.activations._registry import REGISTRY as REGISTRY
from lamina.activations._registry import deserialize as deserialize
from lamina.activations._registry import get as get
from lamina.activations._registry import serialize as serialize
from lamina.activations._squashing import hard_shrink as hard_shrink
from lamina.activations._squashing import hard_sigmoid as hard_sigmoid
from lamina.activations._squashing import hard_tanh as hard_tanh
from lamina.activations._squashing import log_sigmoid as log_sigmoid
from lamina.activations._squashing import sigmoid as sigmoid
from lamina.activations._squashing import soft_shrink as soft_shrink
from lamina.activations._squashing import sparse_sigmoid as sparse_sigmoid
from lamina.activations._squashing import tanh as tanh
from lamina.activations._squashing import tanh_shrink as tanh_shrink
from lamina.activations._squashing import threshold as threshold

swish = silu
hard_swish = hard_silu
