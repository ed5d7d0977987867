"""The path of a weight added to a layer after its model built it.

Keras remembers the name scope a layer was first built in and gives every
later weight of the layer (quantized variables, LoRA factors) a path under
it ("model/dense/lora_kernel_a"), even when the weight is created outside
the model's scope. Lamina reads that scope off the layer's other weights.
"""


def adopt_scope_path(layer, weight, fallback_path=None):
    """Gives `weight` (just added to `layer`) the scope of the layer's
    other weights, or of `fallback_path` (a weight it replaced) when it
    has none."""
    paths = [getattr(other, "path", None) for other in
             layer._parameters.values() if other is not weight]
    paths.append(fallback_path)
    name = weight._keras_name
    for path in paths:
        if path and "/" in path:
            weight._keras_path = f"{path.rpartition('/')[0]}/{name}"
            break
    return weight
