"""`import lamina` time over `import torch`, and peak memory training the
MLP: each measured in fresh subprocesses, interleaved, medians.

Run: python bench/bench_import_memory.py
"""

import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

IMPORT_TORCH = "import time; t = time.perf_counter(); import torch; " \
    "print(time.perf_counter() - t)"
IMPORT_LAMINA = "import time; t = time.perf_counter(); import torch; " \
    "import lamina; print(time.perf_counter() - t)"

TRAIN = """
import resource, sys
sys.path.insert(0, {here!r})
import bench_fit
x, y = bench_fit.mlp_data(60000)
if {use_lamina}:
    model = bench_fit.lamina_mlp()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
else:
    bench_fit.torch_mlp_epoch(x, y, 128)()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def run(code, repeats):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return [float(subprocess.run([sys.executable, "-c", code], env=env,
                                 capture_output=True, text=True, check=True,
                                 cwd=HERE).stdout.split()[-1])
            for _ in range(repeats)]


def main():
    torch_times, lamina_times = [], []
    for _ in range(5):
        torch_times += run(IMPORT_TORCH, 1)
        lamina_times += run(IMPORT_LAMINA, 1)
    t, lam = statistics.median(torch_times), statistics.median(lamina_times)
    print(f"import torch           {t:6.2f} s")
    print(f"import torch + lamina  {lam:6.2f} s   (+{lam - t:.2f} s)")
    torch_mem = statistics.median(run(TRAIN.format(here=HERE,
                                                   use_lamina=False), 3))
    lamina_mem = statistics.median(run(TRAIN.format(here=HERE,
                                                    use_lamina=True), 3))
    print(f"peak RSS, MLP epoch: torch {torch_mem:.0f} MiB, lamina "
          f"{lamina_mem:.0f} MiB (+{lamina_mem - torch_mem:.0f} MiB)")


if __name__ == "__main__":
    main()
