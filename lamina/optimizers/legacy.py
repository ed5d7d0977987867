"""`keras.optimizers.legacy`: the Keras 2 optimizer names, as the current
optimizers (Keras 3 raises an ImportError for them; Lamina keeps Keras 2
scripts running, `lr=` and `decay=` included)."""

from lamina.optimizers.adagrad import Adagrad
from lamina.optimizers.adam import Adam
from lamina.optimizers.base_optimizer import Optimizer
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.rmsprop import RMSprop
from lamina.optimizers.sgd import SGD

__all__ = ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"]
