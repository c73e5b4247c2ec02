"""Safe persistence: parameters as JSON, arrays as ``.npz``, weights as a ``state_dict``.

Unlike pickle, :func:`load` never runs code from the file: JSON is parsed,
arrays are read with ``allow_pickle=False`` and torch weights with
``weights_only=True``. The estimator class is looked up by name in skdeep's
registry, so a file can only rebuild an estimator that an installed plugin
registered; any other name is refused.

The file is a zip archive holding ``meta.json``, ``arrays.npz`` and, for torch
estimators, ``state_dict.pt``. A fitted attribute that is a torch module (other
than a skorch net's) is stored as ``modules/<name>.pt``, its ``state_dict``; the
estimator rebuilds the empty module with ``_rebuild_module(name)`` at load.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import io as _io
import json
import os
import pathlib
import zipfile

import numpy as np
import scipy.sparse as sp

FORMAT_VERSION = 1
_SKIP_ATTRIBUTES = {"net_", "history_"}


def save(estimator, path):
    """Save an estimator (fitted or not) to ``path`` without pickle.

    Parameters
    ----------
    estimator : estimator instance
        A registered skdeep estimator.
    path : str or path-like
        Destination file (conventionally ``*.skdeep``).

    Raises
    ------
    TypeError
        If a parameter or fitted attribute cannot be stored safely (for
        example a ``callbacks`` list of objects): use pickle or joblib then.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> from skdeep.autoencoder import AutoencoderTransformer
    >>> from skdeep import io
    >>> X = np.random.RandomState(0).rand(20, 4)
    >>> ae = AutoencoderTransformer(code_size=2, max_epochs=2, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "ae.skdeep")
    >>> io.save(ae, path)
    >>> bool(np.array_equal(io.load(path).transform(X), ae.transform(X)))
    True
    """
    from skdeep.utils._training import BaseTorchEstimator

    cls = type(estimator)
    params = {
        k: _encode(v, f"parameter {k!r}")
        for k, v in estimator.get_params(deep=False).items()
    }
    arrays, attributes, modules = {}, {}, {}
    for key, value in vars(estimator).items():
        if key in _SKIP_ATTRIBUTES or not (key.endswith("_") or key.startswith("_")):
            continue
        if key.startswith("__"):
            continue
        if _is_torch_module(value):
            if not hasattr(estimator, "_rebuild_module"):
                raise TypeError(
                    f"Cannot save fitted attribute {key!r}, a torch module: "
                    f"{cls.__qualname__} has no _rebuild_module(name) to rebuild it "
                    f"at load; use pickle/joblib."
                )
            modules[key] = value
        elif isinstance(value, np.ndarray) and value.dtype != object:
            arrays[key] = value
        else:
            attributes[key] = _encode(value, f"fitted attribute {key!r}")
    meta = {
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "estimator": _registered_name(cls),
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "params": params,
        "attributes": attributes,
        "history": None,
        "modules": {key: {"training": m.training} for key, m in modules.items()},
    }
    state = None
    if isinstance(estimator, BaseTorchEstimator) and hasattr(estimator, "net_"):
        import torch

        meta["history"] = [
            {k: _encode(v, "history") for k, v in row.items() if k != "batches"}
            for row in estimator.net_.history
        ]
        buffer = _io.BytesIO()
        state_dict = {k: v.cpu() for k, v in estimator.module_.state_dict().items()}
        torch.save(state_dict, buffer)
        state = buffer.getvalue()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("meta.json", json.dumps(meta, indent=1))
        buffer = _io.BytesIO()
        np.savez(buffer, **arrays)
        zf.writestr("arrays.npz", buffer.getvalue())
        if state is not None:
            zf.writestr("state_dict.pt", state)
        for key, module in modules.items():
            zf.writestr(f"modules/{key}.pt", _state_bytes(module))


def load(path, *, device=None):
    """Load an estimator saved by :func:`save`.

    Parameters
    ----------
    path : str or path-like
    device : str or None, default=None
        Where to place torch weights. ``None`` keeps the saved ``device``
        parameter when that device exists here, else uses the CPU.

    Returns
    -------
    estimator : estimator instance

    Raises
    ------
    ValueError
        If the file names an estimator that no installed plugin registered,
        is not an skdeep file, is truncated or corrupted, holds arrays or
        weights that need pickle, or has another format version. Nothing in
        the file is executed.
    """
    import skdeep

    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise ValueError(
            f"{path} is not a readable skdeep model file (not a zip archive, or a "
            f"truncated one: {error})."
        ) from None
    with zf:
        names = set(zf.namelist())
        if "meta.json" not in names:
            raise ValueError(f"{path} is not an skdeep model file (no meta.json).")
        try:
            meta = json.loads(zf.read("meta.json"))
        except (zipfile.BadZipFile, ValueError, EOFError) as error:
            raise ValueError(f"{path} has an unreadable meta.json ({error}).") from None
        if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
            version = meta.get("format_version") if isinstance(meta, dict) else None
            saved_by = (meta.get("versions") or {}).get("skdeep") if isinstance(meta, dict) else None
            raise ValueError(
                f"{path} has format version {version!r}"
                + (f" (saved by skdeep {saved_by})" if saved_by else "")
                + f"; this skdeep reads version {FORMAT_VERSION}."
            )
        try:
            arrays = dict(np.load(_io.BytesIO(zf.read("arrays.npz")), allow_pickle=False))
        except KeyError:
            raise ValueError(f"{path} is not an skdeep model file (no arrays.npz).") from None
        except ValueError as error:
            # np.load refuses object arrays, which only a pickle can hold.
            raise ValueError(
                f"{path} holds arrays that need pickle to load ({error}); refusing to load it."
            ) from None
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise ValueError(f"{path} has a truncated or corrupted arrays.npz ({error}).") from None
        state = zf.read("state_dict.pt") if "state_dict.pt" in names else None
        module_states = {
            key: zf.read(f"modules/{key}.pt") for key in meta.get("modules", {})
        }
    name = meta.get("estimator")
    try:
        cls = skdeep.get_estimator(name)
    except KeyError:
        raise ValueError(
            f"{path} names estimator {name!r} ({meta.get('class')}), which no "
            f"installed skdeep plugin registers; refusing to load it."
        ) from None
    estimator = cls(**{k: _decode(v) for k, v in meta["params"].items()})
    for key, value in meta["attributes"].items():
        setattr(estimator, key, _decode(value))
    for key, value in arrays.items():
        setattr(estimator, key, value)
    if state is not None:
        _restore_torch(estimator, state, meta["history"], device)
    for key, info in meta.get("modules", {}).items():
        _restore_module(estimator, key, module_states[key], info, device)
    return estimator


def _torch_state(data):
    """A state_dict from bytes, refusing anything but tensors and plain containers."""
    import pickle

    import torch

    try:
        return torch.load(_io.BytesIO(data), weights_only=True, map_location="cpu")
    except (pickle.UnpicklingError, RuntimeError, EOFError) as error:
        raise ValueError(
            f"The file's torch weights hold something other than tensors, or are "
            f"truncated; refusing to load them ({str(error).splitlines()[0]})."
        ) from None


def _versions():
    """The library versions a file was written with (recorded, informational)."""
    import sys

    import skdeep

    versions = {"skdeep": skdeep.__version__, "numpy": np.__version__,
                "python": ".".join(map(str, sys.version_info[:3]))}
    torch = sys.modules.get("torch")
    if torch is not None:
        versions["torch"] = torch.__version__
    return versions


def _restore_torch(estimator, state, history, device):
    import torch
    from skorch.history import History

    from skdeep.utils._torch import resolve_device

    if device is None:
        try:
            device = resolve_device(estimator.device)
        except ValueError:
            device = torch.device("cpu")
    estimator._device = resolve_device(device)
    module = estimator._build_module()
    module.load_state_dict(_torch_state(state))
    net = estimator._make_net(module, estimator._criterion())
    net.initialize()
    net.module_.to(estimator._device)
    net.history = History(_decode(history))
    estimator.net_ = net
    estimator.history_ = net.history


def _is_torch_module(value):
    import torch

    return isinstance(value, torch.nn.Module)


def _state_bytes(module):
    import torch

    buffer = _io.BytesIO()
    torch.save({k: v.cpu() for k, v in module.state_dict().items()}, buffer)
    return buffer.getvalue()


def _restore_module(estimator, key, state, info, device):
    """Rebuild fitted attribute ``key`` (a torch module) and load its weights."""
    import torch

    from skdeep.utils._torch import resolve_device

    if device is None:
        try:
            device = resolve_device(getattr(estimator, "device", "cpu"))
        except ValueError:
            device = torch.device("cpu")
    module = estimator._rebuild_module(key)
    module.load_state_dict(_torch_state(state))
    setattr(estimator, key, module.to(resolve_device(device)).train(info["training"]))


def _registered_name(cls):
    import skdeep

    for name, registered, _ in skdeep.all_estimators():
        if registered is cls:
            return name
    raise TypeError(
        f"{cls.__qualname__} is not registered with skdeep; only registered "
        f"estimators can be saved with skdeep.io (use pickle or joblib otherwise)."
    )


def _encode(value, what):
    """JSON-safe form of a parameter or attribute; tuples and arrays are tagged."""
    import torch

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, what) for v in value]}
    if isinstance(value, list):
        return [_encode(v, what) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: _encode(v, what) for k, v in value.items()}}
    if isinstance(value, dict):  # e.g. class_weight={0: 1.0, 1: 5.0}: keys of any plain type
        return {"__items__": [[_encode(k, what), _encode(v, what)] for k, v in value.items()]}
    if isinstance(value, np.random.RandomState):
        name, keys, position, has_gauss, gauss = value.get_state()
        return {"__random_state__": [name, _encode(keys, what), int(position), int(has_gauss),
                                     float(gauss)]}
    if isinstance(value, np.ndarray) and value.dtype == object:
        return {"__object_array__": [_encode(v, what) for v in value.tolist()]}
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist(), "dtype": str(value.dtype)}
    if sp.issparse(value):  # a graph's adjacency or sparse node features
        csr = sp.csr_matrix(value)
        return {
            "__csr__": [_encode(a, what) for a in (csr.data, csr.indices, csr.indptr)],
            "shape": list(csr.shape),
        }
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if isinstance(value, os.PathLike):
        return {"__path__": os.fspath(value)}
    raise TypeError(
        f"Cannot save {what} of type {type(value).__name__} safely: skdeep.io stores "
        f"numbers, strings, None, lists, tuples, dicts, numpy arrays, scipy.sparse "
        f"matrices, torch devices, paths and RandomState objects. Set {what} to one of "
        f"those before saving, or use pickle/joblib."
    )


def _decode_key(key):
    key = _decode(key)
    return tuple(key) if isinstance(key, list) else key  # dict keys must be hashable


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: _decode(v) for k, v in value["__dict__"].items()}
        if "__items__" in value:
            return {_decode_key(k): _decode(v) for k, v in value["__items__"]}
        if "__random_state__" in value:
            name, keys, position, has_gauss, gauss = value["__random_state__"]
            state = np.random.RandomState()
            state.set_state((name, _decode(keys), position, has_gauss, gauss))
            return state
        if "__object_array__" in value:
            return np.array([_decode(v) for v in value["__object_array__"]], dtype=object)
        if "__array__" in value:
            return np.array(value["__array__"], dtype=value["dtype"])
        if "__csr__" in value:
            parts = [_decode(a) for a in value["__csr__"]]
            return sp.csr_matrix(tuple(parts), shape=tuple(value["shape"]))
        if "__device__" in value:
            import torch

            return torch.device(value["__device__"])
        if "__path__" in value:
            return pathlib.Path(value["__path__"])
        return {k: _decode(v) for k, v in value.items()}
    return value
