"""Distillation losses: how far a student's outputs (or intermediate
features) are from the teacher's.

Each loss may be one loss or a nested structure of losses matching the
structure of the outputs (None entries are skipped); the per-output losses
are averaged to scalars and summed.
"""

import abc

from lamina import losses
from lamina import ops
from lamina import tree
from lamina.saving import serialization


def as_loss_function(loss):
    """A loss name resolved to the loss object; other values unchanged."""
    if isinstance(loss, str):
        found = losses.get(loss)
        if found is None:
            raise ValueError(f"Unknown loss function: '{loss}'.")
        return found
    return loss


def _resolve_losses(loss, owner):
    resolved = tree.map_structure(as_loss_function, loss)
    if all(item is None for item in tree.flatten(resolved)):
        raise ValueError(
            f"The `loss` argument of {owner} must contain at least one "
            f"loss that is not None. Received: loss={loss!r}")
    return resolved


def _sum_of_means(loss_fns, teacher_outputs, student_outputs, apply):
    def one(loss_fn, teacher, student):
        if loss_fn is None:
            return ops.convert_to_tensor(0.0)
        return apply(loss_fn, teacher, student)

    values = tree.flatten(tree.map_structure(
        one, loss_fns, teacher_outputs, student_outputs))
    return ops.sum(ops.stack(values))


class DistillationLoss(abc.ABC):
    """Base class of distillation losses.

    Subclasses define `compute_loss(teacher_outputs, student_outputs)`,
    returning a scalar, and may check their inputs in `validate_outputs`
    and the two models in `validate_model_compatibility`.
    """

    @abc.abstractmethod
    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The scalar distillation loss."""

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Raises ValueError when the two output structures differ."""
        tree.assert_same_structure(teacher_outputs, student_outputs)

    def validate_model_compatibility(self, teacher, student):
        """Raises ValueError when this loss cannot apply to the models."""


class LogitsDistillation(DistillationLoss):
    """Distillation on the final logits, softened by a temperature.

    Both logits are divided by `temperature`. With a KL-divergence loss
    (the default) they are turned into probabilities with a softmax and
    the loss is scaled by `temperature ** 2`; any other loss is applied to
    the scaled logits directly.

    Args:
        temperature: positive number; larger values soften the
            distributions.
        loss: a loss (name, function or `Loss`), or a structure of losses
            matching the model outputs.
    """

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        if isinstance(temperature, bool) or not isinstance(
                temperature, (int, float)):
            raise ValueError(
                "LogitsDistillation: `temperature` must be a number. "
                f"Received: temperature={temperature!r}")
        if temperature <= 0:
            raise ValueError(
                "LogitsDistillation: `temperature` must be positive. "
                f"Received: temperature={temperature}")
        self.temperature = temperature
        self.loss = _resolve_losses(loss, "LogitsDistillation")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        def scale(x):
            return ops.divide(x, self.temperature)

        def apply(loss_fn, teacher, student):
            if isinstance(loss_fn, losses.KLDivergence):
                value = ops.mean(loss_fn(ops.softmax(teacher, axis=-1),
                                         ops.softmax(student, axis=-1)))
                return value * self.temperature ** 2
            return ops.mean(loss_fn(teacher, student))

        return _sum_of_means(self.loss, tree.map_structure(
            scale, teacher_outputs), tree.map_structure(
            scale, student_outputs), apply)

    def get_config(self):
        return {"temperature": self.temperature,
                "loss": serialization.serialize_keras_object(self.loss)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = losses.deserialize(config["loss"])
        return cls(**config)


class FeatureDistillation(DistillationLoss):
    """Distillation on outputs of intermediate layers (or final outputs).

    Args:
        loss: a loss (name, function or `Loss`), or a structure of losses
            matching the features.
        teacher_layer_name: name of the teacher layer whose output is
            matched, or None for the teacher's final output.
        student_layer_name: name of the student layer whose output is
            compared, or None for the student's final output.
    """

    def __init__(self, loss="mse", teacher_layer_name=None,
                 student_layer_name=None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = _resolve_losses(loss, "FeatureDistillation")

    def validate_model_compatibility(self, teacher, student):
        if self.teacher_layer_name is None and \
                self.student_layer_name is None:
            return
        subclassed = [role for role, model in (("teacher", teacher),
                                               ("student", student))
                      if getattr(model, "inputs", None) is None]
        if subclassed:
            raise ValueError(
                "FeatureDistillation with layer names needs Functional or "
                f"Sequential models; the {' and '.join(subclassed)} "
                "model(s) have no symbolic inputs (subclassed models). Use "
                "FeatureDistillation without layer names, or "
                "LogitsDistillation.")
        for role, model, name in (
                ("teacher", teacher, self.teacher_layer_name),
                ("student", student, self.student_layer_name)):
            if name is None:
                continue
            try:
                model.get_layer(name=name)
            except ValueError as error:
                raise ValueError(f"In {role} model: {error}") from None

    def validate_outputs(self, teacher_outputs, student_outputs):
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except ValueError as error:
            raise ValueError(
                "FeatureDistillation: the structure of `loss` does not "
                f"match the features. {error}") from None

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        def apply(loss_fn, teacher, student):
            return ops.mean(loss_fn(teacher, student))

        return _sum_of_means(self.loss, teacher_outputs, student_outputs,
                             apply)

    def get_config(self):
        return {"loss": losses.serialize(self.loss),
                "teacher_layer_name": self.teacher_layer_name,
                "student_layer_name": self.student_layer_name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = losses.deserialize(config["loss"])
        return cls(**config)
