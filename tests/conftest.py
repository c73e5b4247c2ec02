"""Test configuration: one torch thread (2-core CI machines)."""

import pytest
import torch

# torch's default thread pool makes small fits 5-20x slower and erratic on 2 cores.
torch.set_num_threads(1)


@pytest.fixture
def gradient_norms():
    """``(norms, Recorder)``: ``Recorder(key)`` is a skorch callback that
    stores the norm of the last step's gradient (after the estimator's own
    clipping, which runs before the user's callbacks) in ``norms[key]``;
    fitted models keep no gradients to read afterwards."""
    from skorch.callbacks import Callback

    norms = {}

    class Recorder(Callback):
        def __init__(self, key):
            self.key = key

        def on_grad_computed(self, net, named_parameters, **kwargs):
            grads = [p.grad for _, p in named_parameters if p.grad is not None]
            norms[self.key] = float(torch.linalg.vector_norm(torch.stack(
                [torch.linalg.vector_norm(g) for g in grads])))

    return norms, Recorder
