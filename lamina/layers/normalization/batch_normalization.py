"""BatchNormalization: batch statistics in training, moving averages of them
in inference, with Keras's momentum convention and biased variance."""

import math

import torch
import torch.nn.functional as F

from lamina import config
from lamina import constraints
from lamina import initializers
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.normalization import batch_renormalization
from lamina.layers.normalization import normalization_utils as utils
from lamina.layers.registry import register
from lamina.saving.serialization import serialize_keras_object
from lamina.utils.dtypes import to_torch_dtype


@register()
class BatchNormalization(Layer):
    """Normalizes inputs per feature with batch or moving statistics.

    In training (`fit`, or a call with `training=True`) each feature is
    normalized with the mean and biased variance of the current batch, and the
    moving statistics are updated in place as
    `moving = moving * momentum + batch_statistic * (1 - momentum)`.
    In inference the moving statistics are used instead. The output is
    `gamma * (x - mean) / sqrt(variance + epsilon) + beta`.

    A layer with `trainable=False` is frozen: it runs in inference mode even
    when called with `training=True` and leaves its statistics unchanged.

    Args:
        axis: int or list of ints, the feature axis (or axes) to keep; all
            other axes are reduced. `-1` for channels-last data, `1` for
            channels-first.
        momentum: float, momentum of the moving averages.
        epsilon: small float added to the variance.
        center: whether to add the learned offset `beta`.
        scale: whether to multiply by the learned scale `gamma`.
        beta_initializer, gamma_initializer: initializers of the weights.
        moving_mean_initializer, moving_variance_initializer: initializers of
            the moving statistics.
        beta_regularizer, gamma_regularizer: optional weight regularizers.
        beta_constraint, gamma_constraint: optional weight constraints.
        renorm: whether to use Batch Renormalization (Ioffe, 2017), which
            corrects batch statistics towards moving ones during training.
        renorm_clipping: dict with optional keys "rmax", "rmin" and "dmax"
            bounding the renormalization corrections `r` and `d`.
        renorm_momentum: momentum of the statistics used by renorm.
        synchronized: whether to compute batch statistics over all processes
            of the default `torch.distributed` group (when one is
            initialized) instead of per process.

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to use batch statistics and update the moving ones.
        mask: optional boolean tensor of the inputs' shape without the last
            axis; masked-out positions are left out of the batch statistics.

    Example:
        >>> layer = BatchNormalization()
        >>> y = layer(torch.randn(8, 4), training=True)  # updates statistics
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True,
                 scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = utils.validate_axis_argument(self, axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(
            moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(
            moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = renorm
        if renorm:
            renorm_clipping = batch_renormalization.validate_clipping(
                self, renorm_clipping)
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.synchronized = synchronized
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(input_shape)
        self._axes = utils.resolve_axes(self, self.axis, input_shape)
        shape = utils.sizes_along(self, self._axes, input_shape)
        self._broadcast_shape = utils.broadcast_shape(self._axes, input_shape)
        self._reduction_dims = tuple(
            d for d in range(rank) if d not in self._axes)
        self._num_features = math.prod(shape)
        self._plan_layout(rank)
        utils.add_gamma_beta(self, shape, self.scale, self.center)
        self.moving_mean = self.add_weight(
            name="moving_mean", shape=shape,
            initializer=self.moving_mean_initializer, trainable=False,
            autocast=False,
        )
        self.moving_variance = self.add_weight(
            name="moving_variance", shape=shape,
            initializer=self.moving_variance_initializer, trainable=False,
            autocast=False,
        )
        if self.renorm:
            batch_renormalization.build_weights(self, shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        self.input_spec = InputSpec(
            ndim=rank, axes={a: input_shape[a] for a in axes})
        self.built = True  # also when build() is called directly

    def _plan_layout(self, rank):
        """Chooses how inputs become (N, C, ...) for `F.batch_norm`."""
        axes = self._axes
        if axes == (1,):
            self._layout = "direct"
        elif axes == (rank - 1,) and rank in (4, 5):
            # NHWC -> NCHW is a zero-copy view in torch's channels_last
            # format, which the batch-norm kernels run on directly.
            self._layout = "movedim"
        elif utils.are_trailing(axes, rank):
            self._layout = "flatten"
        else:
            self._layout = "permute"
            self._perm = self._reduction_dims + axes
            self._inverse_perm = tuple(
                self._perm.index(d) for d in range(rank))

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            mask = torch.as_tensor(mask, device=inputs.device)
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                f"{utils.describe(self)} expects a mask with one dimension "
                f"less than the inputs. Received: mask.shape="
                f"{tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"
            )
        x = utils.at_least_float32(inputs)
        synchronized = self.synchronized and _distributed_active()
        if training and self.trainable and (x.numel() or synchronized):
            # An empty batch (a distributed batch's empty shard) has no
            # moments: the moving statistics stay, as in torch's batch norm.
            rows = x.numel() // self._num_features
            if self.renorm or mask is not None or synchronized or rows < 2:
                outputs = self._training_call_by_moments(
                    x, mask, synchronized)
            else:
                outputs = self._fused_training_call(x, rows)
        else:
            mean = self._flat(self.moving_mean, x.dtype)
            variance = self._flat(self.moving_variance, x.dtype)
            if torch.is_grad_enabled():
                # Autograd saves these for backward; copies keep a later
                # in-place update (a training call) from invalidating it.
                mean, variance = mean.clone(), variance.clone()
            outputs = self._fused_call(x, mean, variance, training=False)
        dtype = to_torch_dtype(self.compute_dtype)
        return outputs if outputs.dtype == dtype else outputs.to(dtype)

    def _fused_call(self, x, mean, variance, training, momentum=0.0):
        view, shape = self._to_channels_second(x)
        gamma = self._flat(self.gamma, x.dtype)
        beta = self._flat(self.beta, x.dtype)
        if gamma is None and beta is not None:
            # CUDA's batch-norm backward returns an empty bias gradient
            # when the weight is absent ("invalid gradient at index 2").
            gamma = x.new_ones(self._num_features)
        outputs = F.batch_norm(
            view, mean, variance, gamma, beta, training, momentum,
            self.epsilon,
        )
        return self._from_channels_second(outputs, shape)

    def _fused_training_call(self, x, rows):
        # With momentum 1, F.batch_norm writes the batch mean and the
        # *unbiased* batch variance into fresh buffers; Keras's moving
        # variance uses the biased one, hence the (n - 1) / n correction
        # (out of place: autograd saved the buffers).
        mean, variance = x.new_zeros((2, self._num_features))
        outputs = self._fused_call(x, mean, variance, True, momentum=1.0)
        with torch.no_grad():
            self._update_moving_statistics(
                mean, variance * ((rows - 1) / rows))
        return outputs

    def _training_call_by_moments(self, x, mask, synchronized):
        if synchronized:
            mean, variance = self._synchronized_moments(x, mask)
        elif mask is not None:
            mean, variance = self._masked_moments(x, mask)
        else:
            variance, mean = torch.var_mean(
                x, dim=self._reduction_dims, correction=0, keepdim=True)
        gamma = self._broadcast(self.gamma, x.dtype)
        beta = self._broadcast(self.beta, x.dtype)
        if self.renorm:
            gamma, beta = batch_renormalization.transform(
                self, mean, variance, gamma, beta)
        else:
            with torch.no_grad():
                self._update_moving_statistics(mean, variance)
        scale = torch.rsqrt(variance + self.epsilon)
        if gamma is not None:
            scale = scale * gamma
        outputs = (x - mean) * scale
        return outputs if beta is None else outputs + beta

    def _masked_moments(self, x, mask):
        # As Keras: the mask covers every axis but the last, and the counts
        # get `epsilon()` so fully masked features give zeros, not NaNs.
        keep = mask.unsqueeze(-1).expand(x.shape).bool()
        dims = self._reduction_dims
        count = keep.to(x.dtype).sum(dims, keepdim=True) + config.epsilon()
        mean = torch.where(keep, x, 0.0).sum(dims, keepdim=True) / count
        squares = torch.where(keep, x - mean, 0.0).square()
        return mean, squares.sum(dims, keepdim=True) / count

    def _synchronized_moments(self, x, mask):
        """Moments over the whole distributed batch (E[x^2] - E[x]^2, from
        per-process sums), with masked-out positions left out."""
        dims = self._reduction_dims
        features = self._num_features
        if mask is None:
            counts = x.new_full((features,), float(x.numel() // features))
        else:
            weights = mask.unsqueeze(-1).expand(x.shape).to(x.dtype)
            x = x * weights
            counts = weights.sum(dims).reshape(-1)
        local = torch.cat([x.sum(dims).reshape(-1),
                           x.square().sum(dims).reshape(-1), counts])
        sums, squares, counts = _AllReduceSum.apply(local).split(features)
        if mask is not None:
            counts = counts + config.epsilon()  # as the unsynchronized mask
        mean = sums / counts
        variance = (squares / counts - mean.square()).clamp_min(0.0)
        return (mean.reshape(self._broadcast_shape),
                variance.reshape(self._broadcast_shape))

    def _update_moving_statistics(self, mean, variance):
        moving = [self.moving_mean, self.moving_variance]
        batch = [
            value if value.shape == variable.shape and
            value.dtype == variable.dtype else
            value.reshape(variable.shape).to(variable.dtype)
            for value, variable in zip((mean, variance), moving)
        ]
        # moving * m + batch * (1 - m), in one fused in-place call.
        torch._foreach_lerp_(moving, batch, 1.0 - self.momentum)

    def _to_channels_second(self, x):
        layout = self._layout
        if layout == "direct":
            return x, None
        if layout == "movedim":
            return x.movedim(-1, 1), None
        if layout == "flatten":
            return x.reshape(-1, self._num_features), x.shape
        permuted = x.permute(self._perm)
        return permuted.reshape(-1, self._num_features), permuted.shape

    def _from_channels_second(self, y, shape):
        layout = self._layout
        if layout == "direct":
            return y
        if layout == "movedim":
            return y.movedim(1, -1)
        if layout == "flatten":
            return y.reshape(shape)
        return y.reshape(shape).permute(self._inverse_perm)

    @staticmethod
    def _flat(weight, dtype):
        if weight is None:
            return None
        if weight.dim() != 1:
            weight = weight.reshape(-1)
        return weight if weight.dtype == dtype else weight.to(dtype)

    def _broadcast(self, weight, dtype):
        if weight is None:
            return None
        weight = weight.reshape(self._broadcast_shape)
        return weight if weight.dtype == dtype else weight.to(dtype)

    def compute_output_shape(self, input_shape):
        utils.resolve_axes(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(
                self.gamma_initializer),
            "moving_mean_initializer": serialize_keras_object(
                self.moving_mean_initializer),
            "moving_variance_initializer": serialize_keras_object(
                self.moving_variance_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(
                self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config


def _distributed_active():
    return torch.distributed.is_available() and \
        torch.distributed.is_initialized()


class _AllReduceSum(torch.autograd.Function):
    """Sum over the default process group; the gradient is summed too, as
    every process's loss depends on every process's inputs."""

    @staticmethod
    def forward(ctx, tensor):
        total = tensor.clone()
        torch.distributed.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        torch.distributed.all_reduce(grad)
        return grad
