"""`keras.distillation`: training a student model to match a teacher."""

from lamina.distillation.distillation_loss import DistillationLoss
from lamina.distillation.distillation_loss import FeatureDistillation
from lamina.distillation.distillation_loss import LogitsDistillation
from lamina.distillation.distiller import Distiller

__all__ = ["DistillationLoss", "Distiller", "FeatureDistillation",
           "LogitsDistillation"]
