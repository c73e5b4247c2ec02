"""Every registered torch-backed estimator on a CUDA device (skipped without one).

CI has no GPU, so these run by hand on a GPU machine (``python -m pytest
tests/test_gpu.py``). For each ``get_test_params()`` instance with a
``device`` parameter they check that ``device="cuda"`` trains on the GPU and
gives NumPy outputs of the CPU fit's shapes and dtypes, that a same-seed refit
on the GPU reproduces them, and that a GPU-fitted model, pickled or saved with
:mod:`skdeep.io`, loads and predicts in a process that sees no GPU.
"""

import json
import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone

import skdeep
from skdeep import io
from skdeep.utils.estimator_checks import _check_data, _fit, _outputs
from skdeep.utils.estimator_checks import test_instances as _test_instances

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA GPU"
)


def _device_instances():
    for name, cls, _ in skdeep.all_estimators():
        if hasattr(cls, "get_class_tag"):  # sktime objects
            continue
        for i, est in enumerate(_test_instances(cls)):
            if "device" in est.get_params():
                yield f"{name}-{i}", est


INSTANCES = dict(_device_instances())


def _fit_on(est, device):
    est = clone(est).set_params(device=device)
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    X, y = _check_data(est)
    return _fit(est, X, y), X


def _module_devices(est):
    devices = set()
    for value in vars(est).values():
        module = getattr(value, "module_", value)
        if isinstance(module, torch.nn.Module):
            devices |= {p.device.type for p in module.parameters()}
        elif isinstance(value, torch.Tensor):
            devices.add(value.device.type)
    return devices


@pytest.fixture(scope="module")
def cuda_fits():
    return {key: _fit_on(est, "cuda") for key, est in INSTANCES.items()}


@pytest.mark.parametrize("key", sorted(INSTANCES))
def test_cuda_fit_gives_cpu_shaped_numpy_outputs(key, cuda_fits):
    gpu, X = cuda_fits[key]
    cpu, _ = _fit_on(INSTANCES[key], "cpu")
    assert _module_devices(gpu) <= {"cuda"}, f"{key} keeps parameters off the GPU"
    out_gpu, out_cpu = _outputs(gpu, X), _outputs(cpu, X)
    assert out_gpu.keys() == out_cpu.keys()
    for method, value in out_gpu.items():
        assert isinstance(value, np.ndarray)
        assert value.shape == out_cpu[method].shape, method
        assert value.dtype == out_cpu[method].dtype, method
        if value.dtype.kind == "f":
            assert np.isfinite(value).all(), method


@pytest.mark.parametrize("key", sorted(INSTANCES))
def test_cuda_same_seed_reproduces(key, cuda_fits):
    first, X = cuda_fits[key]
    again, _ = _fit_on(INSTANCES[key], "cuda")
    a, b = _outputs(first, X), _outputs(again, X)
    for method in a:
        np.testing.assert_allclose(a[method], b[method], rtol=1e-4, atol=1e-5,
                                   err_msg=f"{key}.{method}")


@pytest.fixture(scope="module")
def loaded_on_cpu_only(cuda_fits, tmp_path_factory):
    """Outputs of every GPU fit reloaded in a process where CUDA is hidden."""
    tmp = tmp_path_factory.mktemp("gpu_models")
    expected = {}
    for key, (est, X) in cuda_fits.items():
        (tmp / f"{key}.pkl").write_bytes(pickle.dumps(est))
        io.save(est, tmp / f"{key}.skdeep")
        np.save(tmp / f"{key}.X.npy", X)
        expected[key] = {m: v.tolist() for m, v in _outputs(est, X).items()}
    script = textwrap.dedent(
        f"""
        import json, pickle, sys, warnings
        from pathlib import Path
        import numpy as np, torch
        from skdeep import io
        from skdeep.utils.estimator_checks import _outputs
        assert not torch.cuda.is_available()
        warnings.simplefilter("ignore")
        tmp, result = Path({str(tmp)!r}), {{}}
        for key in {sorted(cuda_fits)!r}:
            X = np.load(tmp / f"{{key}}.X.npy")
            for how in ("pickle", "skdeep.io"):
                try:
                    if how == "pickle":
                        est = pickle.loads((tmp / f"{{key}}.pkl").read_bytes())
                    else:
                        est = io.load(tmp / f"{{key}}.skdeep")
                    out = {{m: v.tolist() for m, v in _outputs(est, X).items()}}
                    result[f"{{key}}|{{how}}"] = ["ok", out]
                except Exception as exc:
                    result[f"{{key}}|{{how}}"] = ["error", f"{{type(exc).__name__}}: {{exc}}"]
        print(json.dumps(result))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return expected, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("how", ["pickle", "skdeep.io"])
@pytest.mark.parametrize("key", sorted(INSTANCES))
def test_gpu_fit_loads_on_cpu_only_machine(key, how, loaded_on_cpu_only):
    expected, result = loaded_on_cpu_only
    status, out = result[f"{key}|{how}"]
    assert status == "ok", out
    for method, value in expected[key].items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # GPU and CPU kernels round differently; MC-dropout masks come from
            # the device's generator, so those outputs are compared loosely.
            np.testing.assert_allclose(
                np.asarray(out[method]), np.asarray(value), rtol=1e-3, atol=1e-3,
                err_msg=f"{key}.{method} ({how})",
            )


@pytest.mark.parametrize("cell", ["qrnn", "sru", "rwa"])
def test_cuda_recurrent_layer_matches_float64_cpu(cell):
    # On a GPU, QRNN and SRU run their recurrence in two levels (not the
    # CPU's step loop): outputs and gradients must match a float64 CPU run.
    from skdeep.recurrent._cells import RecurrentStack

    torch.manual_seed(0)
    stack = RecurrentStack(16, 32, cell=cell, bidirectional=True)
    x = torch.randn(4, 301, 16)
    grad = torch.randn(4, 301, 64)
    results = []
    for device, dtype in (("cpu", torch.float64), ("cuda", torch.float32)):
        module = stack.to(device=device, dtype=dtype)
        module.zero_grad()
        xd = x.to(device=device, dtype=dtype).requires_grad_()
        out = module(xd)[0]
        out.backward(grad.to(device=device, dtype=dtype))
        results.append([t.detach().double().cpu() for t in
                        (out, xd.grad, *(p.grad for p in module.parameters()))])
    for ref, got in zip(*results):
        assert torch.isfinite(got).all()
        assert float((got - ref).norm() / ref.norm()) < 1e-4


def test_seeded_cuda_block_leaves_every_generator_as_it_was():
    # A seeded fit on one CUDA device seeds only that device's generator and
    # the CPU's, and puts both back (torch.manual_seed would also seed, and
    # leave seeded, every other device).
    from skdeep.utils._torch import seeded

    before_cpu = torch.get_rng_state()
    before = [torch.cuda.get_rng_state(i) for i in range(torch.cuda.device_count())]
    with seeded(0, "cuda:0"):
        a = torch.rand(3, device="cuda:0")
    with seeded(0, "cuda:0"):
        b = torch.rand(3, device="cuda:0")
    assert torch.equal(a, b)
    assert torch.equal(before_cpu, torch.get_rng_state())
    for i, state in enumerate(before):
        assert torch.equal(state, torch.cuda.get_rng_state(i)), f"cuda:{i}"
