"""Test configuration: one torch thread (2-core CI machines)."""

import torch

# torch's default thread pool makes small fits 5-20x slower and erratic on 2 cores.
torch.set_num_threads(1)
