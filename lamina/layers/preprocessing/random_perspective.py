"""RandomPerspective: warps images by random perspective transforms."""

import torch
import torch.nn.functional as F

from lamina.layers.preprocessing._base_image_layer import (
    BaseImagePreprocessingLayer,
)
from lamina.layers.preprocessing._base_image_layer import parse_factor
from lamina.layers.registry import register
from lamina.utils.image_transform import spatial_axes


def homographies(start_points, end_points):
    """The `(batch, 8)` projective transforms mapping each `end_points`
    quad onto its `start_points` quad (output to input coordinates)."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zeros, ones = torch.zeros_like(ex), torch.ones_like(ex)
    rows_x = torch.stack([ex, ey, ones, zeros, zeros, zeros,
                          -sx * ex, -sx * ey], dim=-1)
    rows_y = torch.stack([zeros, zeros, zeros, ex, ey, ones,
                          -sy * ex, -sy * ey], dim=-1)
    system = torch.stack([rows_x, rows_y], dim=2).flatten(1, 2)  # (B, 8, 8)
    targets = torch.stack([sx, sy], dim=2).flatten(1)  # (B, 8)
    return torch.linalg.solve(system.float(), targets.float())


def warp_perspective(images, transforms, interpolation, fill_value):
    """NHWC `images` sampled at each output pixel's projected position;
    positions off the image read `fill_value`."""
    batch, height, width, _ = images.shape
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=torch.float32, device=images.device),
        torch.arange(width, dtype=torch.float32, device=images.device),
        indexing="ij")
    a = transforms.view(batch, 8, 1, 1)
    denominator = a[:, 6] * xs + a[:, 7] * ys + 1.0
    x_in = (a[:, 0] * xs + a[:, 1] * ys + a[:, 2]) / denominator
    y_in = (a[:, 3] * xs + a[:, 4] * ys + a[:, 5]) / denominator
    grid = torch.stack([x_in / max(width - 1, 1) * 2 - 1,
                        y_in / max(height - 1, 1) * 2 - 1], dim=-1)
    shifted = (images - fill_value).permute(0, 3, 1, 2)
    sampled = F.grid_sample(shifted, grid.to(images.dtype),
                            mode="bilinear" if interpolation == "bilinear"
                            else "nearest",
                            padding_mode="zeros", align_corners=True)
    return sampled.permute(0, 2, 3, 1) + fill_value


@register()
class RandomPerspective(BaseImagePreprocessingLayer):
    """Moves each image's four corners by up to `scale / 2` of their
    coordinates (uniformly, per corner and axis) and warps the image to
    match, with probability drawn uniformly from `factor` (an image is
    warped when a second uniform draw falls below it), as Keras does.
    Pixels from outside the image take `fill_value`.

    Args:
        factor: a number `f` in [0, 1] (stored as `(0, f)`) or a pair.
        scale: corner displacement strength in [0, 1].
        interpolation: `"bilinear"` or `"nearest"`.
        fill_value: the value outside the image.
        seed: integer seed of the layer's random generator.
        data_format: `"channels_last"` or `"channels_first"`.
        bounding_box_format: the format of `"bounding_boxes"` in dict
            inputs (`"xyxy"`, `"rel_yxyx"`, ...). A box becomes the upright
            box around its four projected corners, clipped to the image
            (boxes left empty get the label -1).
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear",
                 fill_value=0.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = parse_factor("RandomPerspective", factor,
                                   bounds=(0, 1))
        if not 0.0 <= scale <= 1.0:
            raise ValueError("The `scale` argument should be a number in the "
                             f"range [0,1]. Received: scale={scale}")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(
                "Invalid value for argument `interpolation` of "
                "RandomPerspective. Expected 'nearest' or 'bilinear'. "
                f"Received: interpolation={interpolation!r}")
        self.scale = scale
        self.interpolation = interpolation
        self.fill_value = fill_value
        self._make_generator(seed)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        batch, device = images.shape[0], images.device
        h_axis, w_axis = spatial_axes(self.data_format)
        height, width = images.shape[h_axis], images.shape[w_axis]
        probability = self._uniform((batch,), self.factor[0], self.factor[1],
                                    device)
        threshold = self._uniform((batch,), 0.0, 1.0, device)
        moves = self._uniform((batch, 4, 2), -0.5 * self.scale,
                              0.5 * self.scale, device)
        start = torch.tensor([[0.0, 0.0], [width - 1, 0.0],
                              [0.0, height - 1], [width - 1, height - 1]],
                             device=device).expand(batch, 4, 2)
        return {"apply_perspective": threshold < probability,
                "start_points": start, "end_points": start + start * moves,
                "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training or transformation is None:
            return images
        return self._warp(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, masks, transformation,
                                     training=True):
        """Masks warp with the images, by nearest neighbour."""
        if not training or transformation is None:
            return masks
        warped = self._warp(masks.to(torch.float32), transformation,
                            "nearest")
        return warped.to(masks.dtype)

    def _warp(self, images, transformation, interpolation):
        channels_first = self.data_format == "channels_first"
        nhwc = images.permute(0, 2, 3, 1) if channels_first else images
        transforms = homographies(transformation["start_points"],
                                  transformation["end_points"])
        warped = warp_perspective(nhwc, transforms, interpolation,
                                  self.fill_value)
        if channels_first:
            warped = warped.permute(0, 3, 1, 2)
        apply = transformation["apply_perspective"].view(-1, 1, 1, 1)
        return torch.where(apply, warped, images)

    def transform_bounding_boxes(self, bounding_boxes, transformation,
                                 training=True):
        if not training or transformation is None:
            return bounding_boxes
        # The homography takes output pixels to input ones; its inverse
        # carries the box corners forward.
        params = homographies(transformation["start_points"],
                              transformation["end_points"])
        matrix = torch.cat([params, torch.ones_like(params[:, :1])], 1)
        forward = torch.linalg.inv(matrix.reshape(-1, 3, 3).double())
        apply = transformation["apply_perspective"].reshape(-1, 1, 1)

        def warp(values):
            x1, y1, x2, y2 = values.double().unbind(-1)
            xs = torch.stack([x1, x2, x1, x2], -1)  # (batch, boxes, corners)
            ys = torch.stack([y1, y2, y2, y1], -1)
            points = torch.stack([xs, ys, torch.ones_like(xs)], -1)
            moved = torch.einsum("bij,bnkj->bnki", forward, points)
            px = moved[..., 0] / moved[..., 2]
            py = moved[..., 1] / moved[..., 2]
            warped = torch.stack([px.amin(-1), py.amin(-1), px.amax(-1),
                                  py.amax(-1)], -1).to(values.dtype)
            return torch.where(apply, warped, values)

        return self._moved_boxes(bounding_boxes, transformation, warp)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation,
                       "fill_value": self.fill_value, "seed": self.seed})
        return config
