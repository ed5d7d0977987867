"""What the quantized modes share: adding and dropping frozen variables,
the int8 matmul, straight-through input gradients, the int4 block size."""

import torch

from lamina.layers.quantized.modes import LayerHandler
from lamina.layers.weight_paths import adopt_scope_path
from lamina.utils.dtypes import to_torch_dtype


def frozen_weight(layer, name, shape, dtype=None, initializer="zeros"):
    """A non-trainable weight of `layer`, set as `layer.<name>`."""
    return add_weight(layer, name, shape=shape, initializer=initializer,
                      dtype=dtype, trainable=False)


def add_weight(layer, name, **kwargs):
    """`layer.add_weight(name=name, **kwargs)`, set as `layer.<name>`, with
    the path Keras gives it."""
    weight = layer.add_weight(name=name, **kwargs)
    # Quantizing after the build runs outside the model's name scope.
    adopt_scope_path(layer, weight,
                     layer.__dict__.get("_dropped_weight_path"))
    if layer._parameters.get(name) is not weight:
        # (Registered under `name` already: setting it again would read
        # the `kernel` property, LoRA-merged, in the middle of the swap.)
        setattr(layer, name, weight)
    return weight


def drop_weight(layer, name):
    """Removes the weight registered as `name` from `layer` (its
    parameter and its place in the Keras weight lists)."""
    weight = layer._parameters.pop(name)
    layer.__dict__["_dropped_weight_path"] = getattr(weight, "path", None)
    for holder in (layer._trainable_variables,
                   layer._non_trainable_variables):
        for i, other in enumerate(holder):
            if other is weight:
                del holder[i]
                break
    return weight


def float_weight(layer, name):
    """The registered (un-merged) weight `name` of `layer`."""
    return layer._parameters[name]


def read(layer, name):
    """A float variable as the layer's call reads it: in the compute dtype
    under a mixed policy, as Keras's autocast reads every float variable
    (quantization scales included)."""
    weight = getattr(layer, name)
    if layer.compute_dtype != layer.variable_dtype and \
            weight.is_floating_point():
        return weight.to(compute_dtype(layer))
    return weight


def quantize_weight(layer, quantizer, weight, reduced):
    """`quantizer(weight)` (on the host), whose scales must reduce the
    axes `reduced` of `weight` (as the layer's scale variables are laid
    out): `(codes, scale)`, `scale` keeping the reduced axes. Another
    layout is refused here, before the layer changes."""
    codes, scale = quantizer(weight, to_numpy=True)
    reduced = tuple(a % weight.dim() for a in reduced)
    expected = tuple(1 if i in reduced else size
                     for i, size in enumerate(weight.shape))
    if tuple(scale.shape) != expected:
        raise ValueError(
            f"Layer '{layer.name}': its weight quantizer must reduce "
            f"axis {reduced if len(reduced) > 1 else reduced[0]} of the "
            f"{tuple(weight.shape)} weight (scales of shape {expected}). "
            f"Received scales of shape {tuple(scale.shape)} from "
            f"{type(quantizer).__name__}(axis="
            f"{getattr(quantizer, 'axis', None)}).")
    return codes, scale


def compute_dtype(layer):
    return to_torch_dtype(layer.compute_dtype)


def int8_matmul(x, kernel):
    """`x @ kernel` of two int8 tensors, accumulated in int32 (exact, as
    Keras's int8 matmul); `kernel` is 2D."""
    flat = x.reshape(-1, x.shape[-1])
    try:
        out = torch._int_mm(flat, kernel)
    except RuntimeError:
        # `_int_mm` wants some shapes (and devices) only; int32 matmul
        # runs on CPU, float32 elsewhere (exact up to 2**24).
        if flat.device.type == "cpu":
            out = torch.matmul(flat.to(torch.int32), kernel.to(torch.int32))
        else:
            out = torch.matmul(flat.float(), kernel.float())
    return out.reshape(tuple(x.shape[:-1]) + (kernel.shape[-1],))


class _InputsGradient(torch.autograd.Function):
    """`outputs`, with `d outputs / d inputs` that of `inputs @ kernel`
    for the dequantized `kernel` (computed only in the backward pass)."""

    @staticmethod
    def forward(ctx, inputs, outputs, backward_fn):
        ctx.backward_fn = backward_fn
        return outputs.view_as(outputs)

    @staticmethod
    def backward(ctx, upstream):
        return ctx.backward_fn(upstream), None, None


def with_inputs_gradient(inputs, outputs, backward_fn):
    """`outputs` (computed without autograd) made differentiable in
    `inputs`: the gradient is `backward_fn(upstream)`."""
    if not (torch.is_grad_enabled() and inputs.requires_grad):
        return outputs
    return _InputsGradient.apply(inputs, outputs, backward_fn)


def block_size_for(layer, config):
    """The int4 block size of `layer` (None: per-channel), from the config
    when quantizing, else from its `Int4DTypePolicy` (loading)."""
    block_size = getattr(config, "block_size", None) if config is not None \
        and config.mode == "int4" else getattr(
            layer.dtype_policy, "block_size", None)
    return None if block_size in (None, -1) else block_size


def add_lora(layer, inputs, outputs, target="kernel"):
    """Adds the LoRA update of a quantized layer to `outputs`."""
    if not getattr(layer, "lora_enabled", False):
        return outputs
    a = layer._parameters[f"lora_{target}_a"]
    b = layer._parameters[f"lora_{target}_b"]
    if target == "embeddings":
        update = torch.matmul(torch.nn.functional.embedding(inputs, a), b)
    else:
        update = torch.matmul(torch.matmul(inputs.to(a.dtype), a), b)
    scaled = outputs + (layer.lora_alpha / layer.lora_rank) * update
    return scaled.to(compute_dtype(layer))


def finish_dense(layer, outputs):
    """Bias and activation, as Dense and EinsumDense end."""
    if layer.bias is not None:
        outputs = outputs + layer.bias
    if layer.activation is not None:
        outputs = layer.activation(outputs)
    return outputs


class WeightHandler(LayerHandler):
    """A handler that encodes the layer's float weight (`weight_name`)
    into quantized variables: `encode(layer, float_weight, config)` gives
    `{variable name: value}` and `decode(layer, dtype)` the float weight
    back. `quantize` and the LoRA merge before saving both follow."""

    weight_name = "kernel"

    def quantize(self, layer, config):
        weight = float_weight(layer, self.weight_name).detach()
        values = self.encode(layer, weight, config)
        self.install(layer, tuple(weight.shape), values, config)

    def install(self, layer, shape, values, config):
        """Replaces the float weight (of shape `shape`) by the mode's
        variables, set to `values` (what `encode` gave)."""
        drop_weight(layer, self.weight_name)
        self.build(layer, shape, config)
        for name, value in values.items():
            target = layer._parameters[name] if name == self.weight_name \
                else getattr(layer, name)
            target.assign(value)

    def merged_for_saving(self, layer):
        """With LoRA on: the merged float weight quantized again, as Keras
        saves it (its default quantizers, the layer's block size)."""
        if not getattr(layer, "lora_enabled", False):
            return {}
        with torch.no_grad():
            merged = self.decode(layer, torch.float32) + lora_delta(
                layer, self.weight_name)
        return self.encode(layer, merged, None)


def lora_delta(layer, target):
    a = layer._parameters[f"lora_{target}_a"]
    b = layer._parameters[f"lora_{target}_b"]
    return (layer.lora_alpha / layer.lora_rank) * torch.matmul(a, b)
