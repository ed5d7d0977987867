"""Run by `torchrun --nproc_per_node=2` from test_mp_teardown.py: a gloo
collective on a tensor made in Python, then the script ends at once, as a
user's script that saves or reduces metrics last does."""

import json
import os
import sys

import torch
import torch.distributed as dist

import lamina as keras

if __name__ == "__main__":
    keras.distribution.initialize()
    rank = dist.get_rank()
    with open(os.path.join(sys.argv[1], f"rank{rank}.json"), "w") as f:
        json.dump({"rank": rank}, f)
    dist.all_reduce(torch.ones(4))
