"""What a TensorBoard callback at update_freq="epoch" costs `fit`.

Run: python bench/bench_tensorboard.py   (needs the `tensorboard` extra)

The MLP of bench_fit.py, one epoch of 12k rows, with and without
`TensorBoard(update_freq="epoch")`, interleaved; the ratio is against the
run without it (target: within 3%).
"""

import tempfile

import common  # noqa: F401  (pins threads first)
from bench_fit import lamina_mlp
from bench_fit import mlp_data
from common import interleaved_medians
from common import report

import lamina  # noqa: E402


def main():
    x, y = mlp_data(12000)
    plain, watched = lamina_mlp(), lamina_mlp()
    with tempfile.TemporaryDirectory() as log_dir:
        callback = lamina.callbacks.TensorBoard(log_dir, update_freq="epoch")
        for model, callbacks in ((plain, []), (watched, [callback])):
            model.fit(x, y, batch_size=128, epochs=1, verbose=0,
                      callbacks=callbacks)  # warm-up, graph written once
        tasks = {
            "plain": lambda: plain.fit(x, y, batch_size=128, epochs=1,
                                       verbose=0),
            "tensorboard": lambda: watched.fit(
                x, y, batch_size=128, epochs=1, verbose=0,
                callbacks=[callback]),
        }
        report("MLP epoch (12k rows), TensorBoard(update_freq='epoch')",
               interleaved_medians(tasks, 7), baseline="plain")


if __name__ == "__main__":
    main()
