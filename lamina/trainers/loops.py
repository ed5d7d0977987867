"""fit and evaluate: the epoch and batch loops around the steps (predict:
`predict_loop`)."""

import warnings

from lamina import config
from lamina.trainers import argument_checks
from lamina.trainers import data_adapters
from lamina.trainers import distribution_hook
from lamina.trainers.data_adapters import array_data_adapter
from lamina.trainers.data_adapters.data_adapter_utils import (
    unpack_x_y_sample_weight,
)
from lamina.trainers.epoch_iterator import EpochIterator
from lamina.trainers.logs import pythonify
from lamina.utils.traceback_utils import filter_traceback


class LoopsMixin:
    def _model_device(self):
        for parameter in self.parameters():
            return parameter.device
        from lamina import config

        return config.default_device()

    def _epoch_iterator(self, x, y=None, sample_weight=None, batch_size=None,
                        steps=None, shuffle=False, class_weight=None,
                        shard=True):
        device = self._model_device()
        adapter = data_adapters.get_data_adapter(
            x, y, sample_weight=sample_weight, batch_size=batch_size,
            steps_per_epoch=steps if _is_array_input(x) else None,
            shuffle=shuffle, class_weight=class_weight, device=device,
            float_dtype=self._data_float_dtype(),
        )
        if distribution_hook.active() is not None:  # this process's shard
            adapter = distribution_hook.active().distribute_adapter(
                adapter, shard)
        # With `steps`, epochs take consecutive batches from one pass over
        # the data (restarting at its end), as Keras's iterator does.
        return EpochIterator(adapter, steps_per_epoch=steps, device=device)

    @filter_traceback
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto",
            callbacks=None, validation_split=0.0, validation_data=None,
            shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Trains the model for a fixed number of epochs."""
        from lamina import callbacks as callbacks_module

        self._assert_compiled("fit")
        argument_checks.reject_kwargs("fit", kwargs)
        epochs = _capped_epochs(epochs)
        argument_checks.check_fit_arguments(
            self, x, y, batch_size, steps_per_epoch, validation_split,
            validation_data, validation_steps, validation_batch_size)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = \
                array_data_adapter.train_validation_split(
                    (x, y, sample_weight), validation_split)
        val_x = val_y = val_sw = None
        if validation_data is not None:
            val_x, val_y, val_sw = unpack_x_y_sample_weight(validation_data)
        iterator = self._epoch_iterator(
            x, y, sample_weight, batch_size, steps_per_epoch, shuffle,
            class_weight)
        self.__dict__["_step_cache"] = None
        verbose = argument_checks.resolve_verbose(verbose)
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(
                callbacks, add_history=True, add_progbar=verbose != 0,
                verbose=verbose, epochs=epochs,
                steps=iterator.num_batches, model=self,
            )
        self.stop_training = False
        train_function = self.make_train_function()
        # Callbacks that save or restore the data position (BackupAndRestore)
        # reach the iterator here during `fit`.
        self.train_iterator = iterator
        try:
            callbacks.on_train_begin()
            if iterator.resume_epoch is not None:
                initial_epoch = iterator.resume_epoch
            training_logs = None
            val_iterator = None
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                logs, step = None, None
                for begin, step, batches in _executions(
                        iterator, self.steps_per_execution):
                    callbacks.on_train_batch_begin(begin)
                    logs = train_function(batches)
                    callbacks.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                if step is None and epoch == initial_epoch and \
                        iterator.resume_epoch is None:  # resumed at epoch end
                    argument_checks.raise_no_batches("x", "fit")
                epoch_logs = self._metrics_result_or_logs(logs)
                if val_x is not None and _should_validate(epoch, validation_freq):
                    first_validation = val_iterator is None
                    if first_validation:
                        val_iterator = self._epoch_iterator(
                            val_x, val_y, val_sw,
                            validation_batch_size or batch_size,
                            validation_steps, shuffle=False)
                    val_logs = self._evaluate_with(
                        val_iterator, callbacks,
                        ("validation_data", "fit") if first_validation else None)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callbacks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training or iterator.exhausted:
                    break
            if hasattr(self.optimizer, "finalize_variable_values"):
                self.optimizer.finalize_variable_values(
                    self._training_cache()["trainable"])
            callbacks.on_train_end(logs=training_logs)
        finally:
            # Dropped on an error too: the iterator holds the data pass
            # (and, under a distribution, its row shards) open.
            self.train_iterator = None
        return self.history

    @filter_traceback
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto",
                 sample_weight=None, steps=None, callbacks=None,
                 return_dict=False, **kwargs):
        """Returns the loss and metrics on the given data."""
        from lamina import callbacks as callbacks_module

        self._assert_compiled("evaluate")
        argument_checks.reject_kwargs("evaluate", kwargs)
        argument_checks.check_evaluate_arguments(self, x, y, batch_size, steps)
        iterator = self._epoch_iterator(x, y, sample_weight, batch_size, steps)
        verbose = argument_checks.resolve_verbose(verbose)
        if not isinstance(callbacks, callbacks_module.CallbackList):
            callbacks = callbacks_module.CallbackList(
                callbacks, add_progbar=verbose != 0, verbose=verbose,
                epochs=1, steps=iterator.num_batches, model=self,
            )
        logs = self._evaluate_with(iterator, callbacks, ("x", "evaluate"))
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def _evaluate_with(self, iterator, callbacks, empty_error=None):
        test_function = self.make_test_function()
        was_training = self.training
        self.eval()
        self.stop_evaluating = False
        callbacks.on_test_begin()
        self.reset_metrics()
        logs, step = None, None
        for begin, step, batches in _executions(iterator,
                                                self.steps_per_execution):
            callbacks.on_test_batch_begin(begin)
            logs = test_function(batches)
            callbacks.on_test_batch_end(step, logs)
            if self.stop_evaluating:
                break
        if step is None and empty_error is not None:
            argument_checks.raise_no_batches(*empty_error)
        logs = self._metrics_result_or_logs(logs)
        callbacks.on_test_end(logs)
        if was_training:
            self.train()
        return logs

    def _metrics_result_or_logs(self, step_logs):
        """The metrics' results, unless a custom step returned other keys
        (a GAN's d_loss/g_loss): then its last logs, as Keras does."""
        edges = distribution_hook.active()
        results = pythonify(self.get_metrics_result() if edges is None else
                            edges.global_metrics_result(
                                self._flat_metrics(), self.get_metrics_result))
        if step_logs is None or set(step_logs) == set(results):
            return results
        return pythonify(step_logs)

    def _flatten_metrics_in_order(self, logs):
        ordered = ["loss"]
        if self._compile_loss is not None:
            ordered += [m.name for m in self._compile_loss.metrics if m]
        if self._compile_metrics is not None:
            ordered += [m.name for m in self._compile_metrics.metrics]
        results = [logs[name] for name in ordered if name in logs]
        results += [logs[k] for k in sorted(logs) if k not in ordered]
        return results[0] if len(results) == 1 else results

    def train_on_batch(self, x, y=None, sample_weight=None,
                       class_weight=None, return_dict=False):
        self._assert_compiled("train_on_batch")
        iterator = self._epoch_iterator(
            x, y, sample_weight, batch_size=argument_checks.num_rows(x),
            class_weight=class_weight)
        self.reset_metrics()
        train_function = self.make_train_function()
        for _, batch in iterator:
            train_function((batch,))
        return self._single_batch_result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        iterator = self._epoch_iterator(x, y, sample_weight,
                                        batch_size=argument_checks.num_rows(x))
        self.reset_metrics()
        test_function = self.make_test_function()
        self.eval()
        for _, batch in iterator:
            test_function((batch,))
        return self._single_batch_result(return_dict)

    def _single_batch_result(self, return_dict):
        logs = pythonify(self.get_metrics_result())
        if return_dict:
            return logs
        flat = self._flatten_metrics_in_order(logs)
        return flat

    # Keras 2 spellings.
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1,
                      **kwargs):
        for legacy in ("workers", "use_multiprocessing", "max_queue_size"):
            kwargs.pop(legacy, None)
        return self.fit(generator, steps_per_epoch=steps_per_epoch,
                        epochs=epochs, **kwargs)

    def evaluate_generator(self, generator, steps=None, **kwargs):
        for legacy in ("workers", "use_multiprocessing", "max_queue_size"):
            kwargs.pop(legacy, None)
        return self.evaluate(generator, steps=steps, **kwargs)

    def predict_generator(self, generator, steps=None, **kwargs):
        for legacy in ("workers", "use_multiprocessing", "max_queue_size"):
            kwargs.pop(legacy, None)
        return self.predict(generator, steps=steps, **kwargs)


def _executions(iterator, steps_per_execution):
    """`(first step, last step, batches)`: `steps_per_execution` batches
    per call of the step function, callbacks seeing the first and last
    step, as in Keras."""
    if steps_per_execution == 1:
        for step, batch in iterator:
            yield step, step, (batch,)
        return
    group, begin = [], None
    for step, batch in iterator:
        if not group:
            begin = step
        group.append(batch)
        if len(group) == steps_per_execution:
            yield begin, step, tuple(group)
            group = []
    if group:
        yield begin, begin + len(group) - 1, tuple(group)


def _is_array_input(x):
    return array_data_adapter.can_handle(x)


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        if validation_freq < 1:
            raise ValueError(
                "`validation_freq` must be a positive integer or a list of "
                f"epochs. Received: validation_freq={validation_freq}"
            )
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _capped_epochs(epochs):
    """`epochs`, capped by `config.set_max_epochs` (as Keras warns)."""
    limit = config.max_epochs()
    if limit and limit < epochs:
        warnings.warn(f"Limiting epochs to {limit}", stacklevel=3)
        return limit
    return epochs
