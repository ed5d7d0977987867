"""DropoutRNNCell: dropout masks for RNN cells, fixed across timesteps."""

from lamina import random_masks


class DropoutRNNCell:
    """Mixin holding the dropout masks of an RNN cell.

    Keras's recurrent dropout draws one mask per sequence (per gate when the
    cell sets `dropout_mask_count`) and reuses it at every timestep; the
    masks are cached here until the RNN layer resets them after its call.
    A cell using it defines `dropout`, `recurrent_dropout` and
    `seed_generator`.
    """

    def _create_dropout_mask(self, step_input, rate):
        count = getattr(self, "dropout_mask_count", None)
        if count is None:
            return self._draw_mask(step_input, rate)
        return [self._draw_mask(step_input, rate) for _ in range(count)]

    def _draw_mask(self, like, rate):
        # A hashed keep mask (-1 kept, 0 dropped): no bool tensor, no
        # `bernoulli_` (slow on CPU), traceable by torch.compile.
        keep = random_masks.keep_mask(like.shape, rate, self.seed_generator,
                                      like.device)
        return keep.to(like.dtype) * (-1.0 / (1.0 - rate))

    def get_dropout_mask(self, step_input):
        """The cached input mask (or list of masks), drawn on first use."""
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(
                step_input, self.dropout)
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_input):
        """The cached recurrent mask (or list of masks), drawn on first use."""
        if getattr(self, "_recurrent_dropout_mask", None) is None and \
                self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(
                step_input, self.recurrent_dropout)
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self):
        """Forgets the input mask; the next sequence draws a new one."""
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None
