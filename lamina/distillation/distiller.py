"""`Distiller`: a Model that trains a student against a frozen teacher.

The training loss is
`student_loss_weight * student_loss + (1 - student_loss_weight) * sum_i
distillation_loss_weights[i] * distillation_losses[i]`, where the student
loss is the loss given to `compile` on the labels. Calling the distiller
runs the student. The running means `student_loss`, `distillation_loss`
and `total_loss` are reported as metrics.
"""

from lamina import metrics
from lamina import ops
from lamina import tree
from lamina.distillation.distillation_loss import as_loss_function
from lamina.models.functional import Functional
from lamina.models.model import Model
from lamina.models.sequential import Sequential
from lamina.saving import serialization

_FINAL = "final_output"


def _check_shapes(teacher_shape, student_shape, what):
    teacher_shape, student_shape = tuple(teacher_shape), tuple(student_shape)
    compatible = len(teacher_shape) == len(student_shape) and all(
        a is None or b is None or a == b
        for a, b in zip(teacher_shape, student_shape))
    if not compatible:
        raise ValueError(
            f"Distiller: the teacher and student {what} shapes are "
            f"incompatible. Teacher: {teacher_shape}, student: "
            f"{student_shape}.")


def _check_models(teacher, student):
    for role, model in (("teacher", teacher), ("student", student)):
        if not isinstance(model, Model):
            raise ValueError(
                f"Distiller: `{role}` must be a Model. Received: "
                f"{type(model).__name__}")
    for what in ("inputs", "outputs"):
        ours = getattr(teacher, what, None)
        theirs = getattr(student, what, None)
        if ours is None or theirs is None:
            continue
        tree.map_structure(
            lambda t, s: _check_shapes(t.shape, s.shape, what[:-1]),
            ours, theirs)
        def same_dtype(t, s):
            if t.dtype != s.dtype:
                raise ValueError(
                    f"Distiller: the teacher and student {what[:-1]} dtypes "
                    f"must match. Teacher: {t.dtype}, student: {s.dtype}.")
        tree.map_structure(same_dtype, ours, theirs)


def _feature_extractor(model, layer_names):
    # A Functional model returning the final output and each named
    # layer's output, keyed by name.
    if not layer_names:
        return None
    if getattr(model, "inputs", None) is None:
        raise ValueError(
            f"Distiller: cannot read layer outputs of {model.name}: it has "
            "no symbolic inputs.")
    final = (model.layers[-1].output if isinstance(model, Sequential)
             else model.output)
    outputs = {_FINAL: final}
    for name in layer_names:
        outputs[name] = model.get_layer(name=name).output
    return Functional(inputs=model.inputs, outputs=outputs,
                      name=f"{model.name}_multi_feature_extractor")


class Distiller(Model):
    """Trains `student` to match `teacher` (knowledge distillation).

    Args:
        teacher: a trained Model; it is frozen (`trainable = False`).
        student: the Model to train; its inputs and outputs must be
            compatible with the teacher's.
        distillation_losses: a `DistillationLoss` or a list of them.
        distillation_loss_weights: one weight per distillation loss
            (default 1.0 each).
        student_loss_weight: weight in [0, 1] of the student's loss on the
            labels; the distillation losses get `1 - student_loss_weight`.
        name: the model's name.
    """

    def __init__(self, teacher, student, distillation_losses,
                 distillation_loss_weights=None, student_loss_weight=0.5,
                 name="distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        _check_models(teacher, student)
        self.teacher = teacher
        self.student = student
        if isinstance(student_loss_weight, bool) or not isinstance(
                student_loss_weight, (int, float)):
            raise ValueError(
                "Distiller: `student_loss_weight` must be a number. "
                f"Received: {student_loss_weight!r}")
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ValueError(
                "Distiller: `student_loss_weight` must be between 0.0 and "
                f"1.0. Received: {student_loss_weight}")
        self.student_loss_weight = student_loss_weight
        if distillation_losses is None:
            raise ValueError(
                "Distiller: `distillation_losses` cannot be None; pass a "
                "DistillationLoss (e.g. LogitsDistillation) or a list.")
        if not isinstance(distillation_losses, (list, tuple)):
            distillation_losses = [distillation_losses]
            distillation_loss_weights = [1.0]
        elif distillation_loss_weights is None:
            distillation_loss_weights = [1.0] * len(distillation_losses)
        elif len(distillation_loss_weights) != len(distillation_losses):
            raise ValueError(
                "Distiller: the number of `distillation_loss_weights` "
                f"({len(distillation_loss_weights)}) must match the number "
                f"of `distillation_losses` ({len(distillation_losses)}).")
        self.distillation_losses = list(distillation_losses)
        self.distillation_loss_weights = list(distillation_loss_weights)
        for loss in self.distillation_losses:
            loss.validate_model_compatibility(teacher, student)
        self._teacher_features = _feature_extractor(
            teacher, self._layer_names("teacher_layer_name"))
        self._student_features = _feature_extractor(
            student, self._layer_names("student_layer_name"))
        self.teacher.trainable = False
        self.student_loss_tracker = metrics.Mean(name="student_loss")
        self.distillation_loss_tracker = metrics.Mean(
            name="distillation_loss")
        self.total_loss_tracker = metrics.Mean(name="total_loss")
        self._student_loss = None

    def _layer_names(self, attribute):
        names = []
        for loss in self.distillation_losses:
            name = getattr(loss, attribute, None)
            if name and name not in names:
                names.append(name)
        return names

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Like `Model.compile`; `loss` (required) is the student's loss on
        the labels, one loss or a structure matching the outputs."""
        if loss is None:
            raise ValueError("Distiller.compile: `loss` cannot be None.")
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(
                "Distiller.compile: `metrics` must be a list or tuple. "
                f"Received: {type(metrics).__name__}")
        self._student_loss = tree.map_structure(as_loss_function, loss)
        super().compile(optimizer=optimizer, loss=None, metrics=metrics,
                        **kwargs)

    def call(self, inputs, training=None, **kwargs):
        return self.student(inputs, training=training, **kwargs)

    def _features(self, extractor, model, x, y_pred, training):
        if extractor is not None:
            return extractor(x, training=training)
        if model is self.teacher:
            return {_FINAL: model(x, training=False)}
        return {_FINAL: y_pred}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                     training=True):
        if y_pred is None:
            y_pred = self(x, training=training)
        student_loss = ops.convert_to_tensor(0.0)
        if self.student_loss_weight > 0.0 and y is not None:
            values = tree.flatten(tree.map_structure(
                lambda fn, true, pred: fn(true, pred),
                self._student_loss, y, y_pred))
            student_loss = (ops.sum(ops.stack(values)) if len(values) > 1
                            else values[0])
            if len(ops.shape(student_loss)) > 0:
                student_loss = ops.mean(student_loss)
        distillation_loss = ops.convert_to_tensor(0.0)
        if self.student_loss_weight < 1.0:
            teacher = self._features(self._teacher_features, self.teacher,
                                     x, y_pred, False)
            student = self._features(self._student_features, self.student,
                                     x, y_pred, True)
            for loss, weight in zip(self.distillation_losses,
                                    self.distillation_loss_weights):
                if getattr(loss, "teacher_layer_name", None) is not None:
                    t_out = teacher[loss.teacher_layer_name]
                    s_out = student[loss.student_layer_name or _FINAL]
                else:
                    t_out, s_out = teacher[_FINAL], y_pred
                loss.validate_outputs(t_out, s_out)
                value = loss.compute_loss(t_out, s_out)
                if len(ops.shape(value)) > 0:
                    raise ValueError(
                        f"Distiller: {type(loss).__name__}.compute_loss "
                        "must return a scalar; it returned shape "
                        f"{tuple(ops.shape(value))}.")
                distillation_loss = distillation_loss + weight * value
        total = (self.student_loss_weight * student_loss
                 + (1.0 - self.student_loss_weight) * distillation_loss)
        self.student_loss_tracker.update_state(student_loss)
        self.distillation_loss_tracker.update_state(distillation_loss)
        self.total_loss_tracker.update_state(total)
        return total

    def reset_metrics(self):
        super().reset_metrics()
        for tracker in (self.student_loss_tracker,
                        self.distillation_loss_tracker,
                        self.total_loss_tracker):
            tracker.reset_state()

    def get_config(self):
        config = super().get_config()
        config.update({
            "teacher": serialization.serialize_keras_object(self.teacher),
            "student": serialization.serialize_keras_object(self.student),
            "distillation_losses": [
                serialization.serialize_keras_object(loss)
                for loss in self.distillation_losses],
            "distillation_loss_weights": self.distillation_loss_weights,
            "student_loss_weight": self.student_loss_weight,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("teacher", "student"):
            config[key] = serialization.deserialize_keras_object(config[key])
        config["distillation_losses"] = [
            serialization.deserialize_keras_object(loss)
            for loss in config["distillation_losses"]]
        return cls(**config)
