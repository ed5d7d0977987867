"""LoRA: a frozen weight plus a trainable low-rank update, as Keras does it.

`enable_lora(rank)` freezes a layer's main weight (`kernel`, or `embeddings`
for Embedding) and adds two trainable float32 weights: `lora_<weight>_a` of
shape `weight.shape[:-1] + (rank,)` (He-uniform) and `lora_<weight>_b` of
shape `(rank, weight.shape[-1])` (zeros), so training starts exactly at the
base layer. Reading the weight attribute then gives the merged value
`weight + (lora_alpha / rank) * (a @ b)` in the compute dtype, while the
registered parameter (state_dict key `kernel`) stays the frozen base. Saving
writes the merged weight and loading zeroes the update, as Keras does.
"""

import torch

from lamina import initializers
from lamina.layers.variable import to_numpy
from lamina.layers.weight_paths import adopt_scope_path
from lamina.utils.dtypes import to_torch_dtype


def lora_weight(name):
    """The `kernel`/`embeddings` attribute of a LoRA-capable layer: the
    registered weight, merged with its low-rank update when LoRA is on."""

    def get(self):
        base = self.__dict__["_parameters"].get(name)
        if base is None:
            raise AttributeError(
                f"Layer '{self.name}' has no `{name}` yet: build it first "
                "(call it on data or call `build(input_shape)`)."
            )
        if self.__dict__.get("_is_quantized"):
            # A quantized weight reads as its (unpacked) integer values.
            base = self._quantized_weight_view(name, base)
        if not self.__dict__.get("lora_enabled"):
            return base
        a = self._parameters[f"lora_{name}_a"]
        b = self._parameters[f"lora_{name}_b"]
        update = torch.matmul(a, b) * (self.lora_alpha / self.lora_rank)
        return (base + update).to(to_torch_dtype(self.compute_dtype))

    def set(self, value):
        # Only reached for non-Parameter values (torch registers Parameters
        # itself): `layer.kernel = None` drops the weight.
        if value is not None:
            raise ValueError(
                f"Layer '{self.name}': `{name}` must be set to a weight "
                f"created by `add_weight`. Received: {type(value).__name__}"
            )
        self._parameters.pop(name, None)

    return property(get, set, doc=f"The layer's `{name}` (LoRA merged).")


def _describe(layer):
    return f"{type(layer).__name__} layer '{layer.name}'"


class LoRAMixin:
    """`enable_lora` for a layer whose main weight is `_lora_target`."""

    _lora_target = "kernel"

    def _init_lora(self, lora_rank, lora_alpha):
        if lora_rank is not None and (
            not isinstance(lora_rank, int) or isinstance(lora_rank, bool)
            or lora_rank <= 0
        ):
            raise ValueError(
                f"{_describe(self)}: invalid value for argument "
                "`lora_rank`. Expected a positive integer or None. Received: "
                f"lora_rank={lora_rank!r}"
            )
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freezes the main weight and adds a trainable rank-`rank` update
        scaled by `lora_alpha / rank` (`lora_alpha` defaults to `rank`)."""
        target = self._lora_target
        if getattr(self, f"{target}_constraint", None) is not None:
            raise ValueError(
                f"{_describe(self)}: LoRA is incompatible with {target} "
                f"constraints. To enable LoRA on this layer, "
                f"remove the `{target}_constraint` argument."
            )
        if not self.built:
            raise ValueError(
                f"{_describe(self)}: cannot enable LoRA on a layer that "
                "isn't yet built. Build it first."
            )
        if self.lora_enabled:
            raise ValueError(
                f"{_describe(self)}: LoRA is already enabled. This can only "
                "be done once per layer."
            )
        if not isinstance(rank, int) or isinstance(rank, bool) or rank <= 0:
            raise ValueError(
                f"{_describe(self)}: invalid value for argument `rank` of "
                f"`enable_lora`. Expected a positive integer. Received: "
                f"rank={rank!r}"
            )
        base = self._parameters[target]
        # A quantized layer's weight is stored packed: LoRA adapts the
        # float shape it stands for.
        shape = getattr(self, "_float_weight_shape", None) or tuple(
            base.shape)
        regularizer = getattr(self, f"{target}_regularizer", None)
        # float32 whatever the layer's dtype, as Keras: the update must not
        # underflow in low precision.
        setattr(self, f"lora_{target}_a", self.add_weight(
            name=f"lora_{target}_a", shape=tuple(shape[:-1]) + (rank,),
            initializer=initializers.get(a_initializer), dtype="float32",
            regularizer=regularizer,
        ))
        setattr(self, f"lora_{target}_b", self.add_weight(
            name=f"lora_{target}_b", shape=(rank, shape[-1]),
            initializer=initializers.get(b_initializer), dtype="float32",
            regularizer=regularizer,
        ))
        # Enabled after the build, outside the model's name scope.
        for weight in self._lora_weights():
            adopt_scope_path(self, weight)
        base.trainable = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def _lora_weights(self):
        target = self._lora_target
        return (self._parameters[f"lora_{target}_a"],
                self._parameters[f"lora_{target}_b"])

    def _saved_variables(self):
        saved = super()._saved_variables()
        if not self.lora_enabled:
            return saved
        lora = {id(w) for w in self._lora_weights()}
        return [v for v in saved if id(v) not in lora]

    def save_own_variables(self, store):
        """With LoRA on, the file holds the merged weight (Keras's layout:
        no LoRA entries)."""
        if not self.lora_enabled:
            return super().save_own_variables(store)
        base = self._parameters[self._lora_target]
        merged = getattr(self, self._lora_target)
        for i, variable in enumerate(self._saved_variables()):
            store[str(i)] = to_numpy(merged if variable is base else variable)

    def load_own_variables(self, store):
        """Loads into the base weight and restarts the update at zero."""
        super().load_own_variables(store)
        if self.lora_enabled:
            with torch.no_grad():
                for weight in self._lora_weights():
                    weight.zero_()
