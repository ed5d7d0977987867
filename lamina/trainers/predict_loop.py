"""predict: the batch loop around the predict step, with its shortcut
for batches of one tensor (straight to the layers' direct calls)."""

import torch

from lamina.layers import call_context
from lamina.trainers import argument_checks
from lamina.utils import tree
from lamina.utils.dtypes import to_torch_dtype
from lamina.utils.traceback_utils import filter_traceback


class PredictMixin:
    """`predict` and `predict_on_batch`."""

    def _predict_shortcut(self, predict_function):
        """With the default predict_step on a built model, a batch of one
        tensor needs none of `__call__`'s first-call work once the full
        path has run on its feature shape (eval mode, device and build are
        settled before the loop): it goes straight to the layers' direct
        calls (`_direct_layers_function`) or to the module call, inside an
        inference scope. The guard (`Shortcut.usable`, torch's hook test)
        is checked on every batch. Returns (predict_batch, predict_tensor):
        the same for a batch tuple and for a bare input tensor; None when
        the default step is overridden."""
        if not getattr(type(self).predict_step, "_is_default_step", False) \
                or not self.built:
            return None
        device = self._model_device()
        dtype = to_torch_dtype(self.input_dtype)
        validated = set()
        module_call = torch.nn.Module.__call__
        scope = call_context.inference_scope()  # entered once per batch

        def predict_batch(batch):
            x = batch[0] if len(batch) == 1 else None
            if not isinstance(x, torch.Tensor):
                return predict_function((batch,))
            return predict_tensor(x)

        def accepts(x):
            return x.device == device and x.dtype == dtype

        def predict_tensor(x, checked=False):
            """`checked`: `x` is a slice of a tensor whose first slice was
            accepted and validated already."""
            if checked:
                pass
            elif not accepts(x):
                return predict_function(((x,),))
            elif x.shape[1:] not in validated:
                # First batch of this shape: the full path checks it.
                outputs = self(x, training=False)
                validated.add(x.shape[1:])
                return outputs
            run = self._direct_layers_function()
            with scope:
                call_context.begin_outermost_call()
                return run(x) if run is not None else module_call(self, x)

        predict_tensor.accepts = accepts
        return predict_batch, predict_tensor
    @filter_traceback
    def predict(self, x, batch_size=None, verbose="auto", steps=None,
                callbacks=None, **kwargs):
        """Returns the model's outputs as NumPy arrays."""
        from lamina import callbacks as callbacks_module

        argument_checks.reject_kwargs("predict", kwargs)
        argument_checks.check_predict_arguments(self, x, batch_size, steps)
        iterator = self._epoch_iterator(x, batch_size=batch_size, steps=steps,
                                        shard=False)
        verbose = argument_checks.resolve_verbose(verbose)
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(
                callbacks, add_progbar=verbose != 0, verbose=verbose,
                epochs=1, steps=iterator.num_batches, model=self,
            )
        predict_function = self.make_predict_function()
        self.eval()
        self.stop_predicting = False
        callbacks.on_predict_begin()
        outputs = []
        with torch.no_grad():
            outputs = self._predict_batches(iterator, predict_function,
                                            callbacks)
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError(
                "Expected at least one batch of data in `predict()`; the "
                "input is empty."
            )
        return _concatenate_to_numpy(outputs)

    def _predict_batches(self, iterator, predict_function, callbacks):
        quiet = not callbacks.listens_to("on_predict_batch_begin") and \
            not callbacks.listens_to("on_predict_batch_end")
        # (`jit_compile=True`: every batch through the compiled step.)
        shortcut = self._predict_shortcut(predict_function) \
            if quiet and not self.jit_compile else None
        outputs = []
        if shortcut is not None:
            predict_batch, predict_tensor = shortcut
            slices = iterator.tensor_slices()
            if slices is not None:
                # Slices of one tensor share its device, dtype and feature
                # shape: after the first, only the guarded call is left.
                checked = False
                for x in slices:
                    outputs.append(predict_tensor(x, checked))
                    checked = checked or predict_tensor.accepts(x)
                    if self.stop_predicting:
                        break
                return outputs
            for _, batch in iterator:
                outputs.append(predict_batch(batch))
                if self.stop_predicting:
                    break
            return outputs
        for step, batch in iterator:
            callbacks.on_predict_batch_begin(step)
            batch_outputs = predict_function((batch,))
            outputs.append(batch_outputs)
            callbacks.on_predict_batch_end(step, {"outputs": batch_outputs})
            if self.stop_predicting:
                break
        return outputs

    # ------------------------------------------------------------------
    # Single batches
    def predict_on_batch(self, x):
        iterator = self._epoch_iterator(x, batch_size=argument_checks.num_rows(x),
                                        shard=False)
        predict_function = self.make_predict_function()
        self.eval()
        with torch.no_grad():
            outputs = [predict_function((batch,)) for _, batch in iterator]
        return _concatenate_to_numpy(outputs)


def _concatenate_to_numpy(outputs):
    first = outputs[0]
    if isinstance(first, torch.Tensor):
        joined = torch.cat(outputs) if first.dim() else torch.stack(outputs)
        if joined.dtype == torch.bfloat16:
            joined = joined.float()
        return joined.detach().cpu().numpy()
    flat_batches = [tree.flatten(o) for o in outputs]
    columns = []
    for index in range(len(flat_batches[0])):
        pieces = [batch[index] for batch in flat_batches]
        joined = torch.cat(pieces) if pieces[0].dim() else torch.stack(pieces)
        if joined.dtype == torch.bfloat16:
            joined = joined.float()
        columns.append(joined.detach().cpu().numpy())
    return tree.pack_sequence_as(first, columns) if isinstance(
        first, (list, tuple, dict)) else columns[0]
