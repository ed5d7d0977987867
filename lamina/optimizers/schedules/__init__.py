"""`keras.optimizers.schedules`: learning-rate schedules."""

from lamina.optimizers.schedules.learning_rate_schedule import CosineDecay
from lamina.optimizers.schedules.learning_rate_schedule import (
    CosineDecayRestarts,
)
from lamina.optimizers.schedules.learning_rate_schedule import ExponentialDecay
from lamina.optimizers.schedules.learning_rate_schedule import InverseTimeDecay
from lamina.optimizers.schedules.learning_rate_schedule import (
    LearningRateSchedule,
)
from lamina.optimizers.schedules.learning_rate_schedule import (
    PiecewiseConstantDecay,
)
from lamina.optimizers.schedules.learning_rate_schedule import PolynomialDecay
from lamina.optimizers.schedules.learning_rate_schedule import deserialize
from lamina.optimizers.schedules.learning_rate_schedule import serialize
