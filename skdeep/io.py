"""Safe persistence: parameters as JSON, arrays as ``.npz``, weights as a ``state_dict``.

Unlike pickle, :func:`load` never runs code from the file: JSON is parsed,
arrays are read with ``allow_pickle=False`` and torch weights with
``weights_only=True``. The estimator class is looked up by name in skdeep's
registry, so a file can only rebuild an estimator that an installed plugin
registered; any other name is refused.

The file is a zip archive holding ``meta.json``, ``arrays.npz`` and, for torch
estimators, ``state_dict.pt`` and ``optimizer_state.pt`` (the optimizers'
state, unless saved with ``optimizer_state=False``). A fitted attribute that
is a torch module (other than a skorch net's) is stored as
``modules/<name>.pt``, its ``state_dict``; the estimator rebuilds the empty
module with ``_rebuild_module(name, device)`` at load (``device``: where the
loaded weights will be), and the weights are then moved there.

Parameter values (and fitted attributes other than plain arrays) are stored
as tagged JSON and come back as equal objects of the same type: numbers,
strings, None, lists, tuples, dicts (keys of any of these types), numpy arrays
of numbers, booleans or strings, scipy.sparse matrices and arrays of every
format (with their stored entries as they are), networkx ``Graph``,
``DiGraph``, ``MultiGraph`` and ``MultiDiGraph`` objects (nodes in order, edges
and graph, node and edge attributes of the types above), pandas indexes
(range, period, datetime with its time zone and frequency, or plain), series
and frames of numpy dtypes or strings, sktime ``ForecastingHorizon`` objects,
``RandomState`` objects, torch devices and paths. Anything else, for example a
``callbacks`` list of objects, a subclass of a networkx graph, a categorical
series or a node attribute holding an object, is refused by :func:`save` with
a ``TypeError`` naming the parameter; use pickle or joblib for such estimators.

The skorch net and its torch weights are loaded through the training road
(:func:`skdeep.utils._training.restore_net`), which does not depend on this
module.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import dataclasses
import io as _io
import json
import os
import pathlib
import shutil
import sys
import uuid
import zipfile
import zlib

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

FORMAT_VERSION = 1
# What zipfile and zlib raise for a damaged member (a flipped byte in its
# compression method or flags gives NotImplementedError or RuntimeError)
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError)
# (scikit-learn's metadata requests are stored apart: see save)
_SKIP_ATTRIBUTES = {"net_", "history_", "_metadata_request"}


def save(estimator, path, *, optimizer_state=True):
    """Save an estimator (fitted or not) to ``path`` without pickle.

    Parameters
    ----------
    estimator : estimator instance
        A registered skdeep estimator.
    path : str, path-like or file object
        Destination file (conventionally ``*.skdeep``). The archive is
        written beside it and renamed over it at the end: a save that fails
        midway leaves a file already at ``path`` as it was (a link's target
        is replaced, with its permissions).
    optimizer_state : bool, default=True
        Also store the state of a trained net's optimizers (Adam's moment
        estimates, for example), so that ``partial_fit`` after :func:`load`
        continues exactly as it would have without the round trip. ``False``
        keeps only what predictions need: files of Adam-trained networks are
        then about a third of the size, and ``partial_fit`` after loading
        restarts the optimizer.

    Raises
    ------
    TypeError
        If a parameter or fitted attribute cannot be stored safely (for
        example a ``callbacks`` list of objects), naming it: use pickle or
        joblib then.
    ValueError
        If a parameter that shapes a fitted network (``code_size``,
        ``activation``, ...) was changed with ``set_params`` since ``fit``:
        :func:`load` rebuilds each network from the saved parameters, so the
        file would not give the fitted one back.

    Notes
    -----
    Every parameter value of the built-in estimators round-trips except
    ``callbacks`` lists of objects, optimizer classes and other callables,
    estimator objects (a CNN's ``init_from`` given a fitted model: give the
    path of its saved file instead), PyWavelets wavelet objects (give the
    wavelet's name, ``"db2"``, instead), and node or edge attributes of a
    networkx ``graph`` that are not plain data (numbers, strings, lists,
    dicts, arrays). Sparse matrices and networkx graphs come back as the
    same class with the same entries, nodes and edges, in the same order.
    scikit-learn's metadata requests (``set_fit_request(sample_weight=True)``
    and the like) are stored and set again at load.

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
    # first: a Pipeline or a search is not registered, and the encoding of its
    # parameters said instead that its steps could not be saved "safely"
    name = _registered_name(cls)
    # An estimator may defer fitted attributes until read (SOMClusterer's
    # labels_): it computes them here, so that vars() holds them.
    getattr(estimator, "_before_save", lambda: None)()
    params = {
        k: _encode(v, f"parameter {k!r}")
        for k, v in estimator.get_params(deep=False).items()
    }
    arrays, attributes, modules = {}, {}, {}
    # net_ (the skorch net) and the history_ rebuilt from it are the torch
    # estimators' own; elsewhere (NEAT's record of generations, a plugin's
    # net_) they are attributes like the others: skipped, a plugin's net_
    # was silently lost
    skip = (_SKIP_ATTRIBUTES if isinstance(estimator, BaseTorchEstimator)
            else _SKIP_ATTRIBUTES - {"history_", "net_"})
    for key, value in vars(estimator).items():
        if key in skip or not (key.endswith("_") or key.startswith("_")):
            continue
        if key.startswith("__"):
            continue
        if _is_torch_module(value):
            if not hasattr(estimator, "_rebuild_module"):
                raise TypeError(
                    f"Cannot save fitted attribute {key!r}, a torch module: "
                    f"{cls.__qualname__} has no _rebuild_module(name, device) to "
                    f"rebuild it at load; use pickle/joblib."
                )
            modules[key] = value
        elif isinstance(value, np.ndarray) and value.dtype != object:
            arrays[key] = value
        else:
            attributes[key] = _encode(value, f"fitted attribute {key!r}")
    _check_rebuilds(estimator, modules)
    meta = {
        "format_version": FORMAT_VERSION,
        "versions": _versions(),
        "estimator": name,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "params": params,
        "attributes": attributes,
        "history": None,
        "modules": {key: {"training": m.training} for key, m in modules.items()},
    }
    requests = vars(estimator).get("_metadata_request")
    if requests is not None:  # set_fit_request(sample_weight=True) and the like
        meta["metadata_requests"] = requests._serialize()
    state = optimizers = None
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
        if optimizer_state:
            from skdeep.utils._training import optimizer_states

            states = optimizer_states(estimator.net_)
            _check_optimizers_rebuild(estimator, states)
            buffer = _io.BytesIO()
            torch.save(states, buffer)
            optimizers = buffer.getvalue()
    with _replaced_atomically(path) as file:
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("meta.json", json.dumps(meta, indent=1))
            buffer = _io.BytesIO()
            np.savez(buffer, **arrays)
            zf.writestr("arrays.npz", buffer.getvalue())
            if state is not None:
                zf.writestr("state_dict.pt", state)
            if optimizers is not None:
                zf.writestr("optimizer_state.pt", optimizers)
            for key, module in modules.items():
                zf.writestr(f"modules/{key}.pt", _state_bytes(module))


@contextlib.contextmanager
def _replaced_atomically(path):
    """A new file object whose contents replace ``path`` once the block
    succeeds: written beside it, then renamed over it. A save that failed
    midway (a full disk, Ctrl-C) had emptied the good file already there.

    A symbolic link's target is replaced (the link stays) and keeps its
    permission bits. A file object is written as it is; so is ``path`` where
    its directory takes no new file (a writable file in a read-only one)."""
    if hasattr(path, "write"):
        yield path
        return
    path = os.path.realpath(os.fspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot save to {path!r}: it is a directory.")
    # (a short name of its own: the file's name plus a suffix can be too long)
    temporary = os.path.join(os.path.dirname(path),
                             f".skdeep-{uuid.uuid4().hex[:16]}.partial")
    try:
        file = open(temporary, "xb")  # (the umask's permissions, as a plain open)
    except PermissionError:
        file = None
    if file is None:
        with open(path, "wb") as file:
            yield file
        return
    try:
        with file:
            yield file
        if os.path.exists(path):  # (a private model stays private)
            shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def _check_rebuilds(estimator, modules):
    """Refuse to save a network that the file could not give back: load
    rebuilds each network from the saved parameters and fills in its weights,
    so a parameter changed with ``set_params`` since ``fit`` (which leaves the
    fitted network as it is) would load as another network, or not at all."""
    import torch

    from skdeep.utils._training import BaseTorchEstimator, rebuilt_module_differs

    cpu = torch.device("cpu")
    fitted = []
    if isinstance(estimator, BaseTorchEstimator) and hasattr(estimator, "net_"):
        fitted.append(("the network", estimator.module_, estimator._build_module))
    for key, module in modules.items():
        def build(key=key):
            return estimator._rebuild_module(key, cpu)
        fitted.append((f"fitted attribute {key!r}", module, build))
    for what, module, build in fitted:
        differs = rebuilt_module_differs(build, module, cpu)
        if differs is not None:
            how = ("other weight shapes" if differs == "shapes"
                   else "the same weight shapes but other layers or settings")
            raise ValueError(
                f"Cannot save this {type(estimator).__name__}: a parameter "
                f"changed with set_params since fit, and {what} rebuilt from "
                f"the parameters at load would have {how} than the fitted one "
                f"(the file would load another model, or none). Set the "
                f"parameters back or refit before saving, or use pickle or "
                f"joblib, which keep the fitted network as it is."
            )


def _check_optimizers_rebuild(estimator, states):
    """Refuse optimizer states that load could not put back: load builds the
    optimizers from the parameters, and one changed with ``set_params`` since
    ``fit`` (``head_lr``: other parameter groups; ``optimizer``: another
    class) made a file that saved without a word and could not be loaded."""
    import torch

    from skdeep.utils._sklearn import float32_default_dtype
    from skdeep.utils._torch import seeded

    # (a fork of torch's generator: saving draws nothing from the user's)
    with float32_default_dtype(), seeded(0, torch.device("cpu")):
        probe = estimator._make_net(estimator._build_module(), estimator._criterion())
        probe.initialize()
    try:
        for name, state in states.items():
            fitted = getattr(estimator.net_, name + "_")
            rebuilt = getattr(probe, name + "_")
            if type(fitted) is not type(rebuilt):  # (loaded, then failed to step)
                raise TypeError(f"{type(fitted).__name__} fitted, "
                                f"{type(rebuilt).__name__} rebuilt")
            rebuilt.load_state_dict(state)
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"Cannot save this {type(estimator).__name__} with its optimizer "
            f"state: a parameter changed with set_params since fit (such as "
            f"head_lr or optimizer) builds optimizers that cannot take the "
            f"fitted ones' state ({type(error).__name__}: {error}). Set the "
            f"parameter back, or save with optimizer_state=False (partial_fit "
            f"after loading then starts the optimizer afresh)."
        ) from error


def load(path, *, device=None):
    """Load an estimator saved by :func:`save`.

    Parameters
    ----------
    path : str or path-like
    device : str or None, default=None
        Where to place torch weights. ``None`` keeps the saved ``device``
        parameter when that device exists here, else uses the CPU. An
        estimator without torch weights that computes on a device (the
        SOM: its map is moved there at each call) gets it as its
        ``device`` parameter.

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
    ImportError
        If the file holds objects of a package that is not installed here
        (pandas, networkx, sktime), naming what to install.
    """
    from skdeep.plugins import DISABLE_AUTOLOAD_ENV, estimator_class, get_registry

    if device is not None:  # (checked before the file is read, for every estimator)
        from skdeep.utils._torch import resolve_device

        resolve_device(device)
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
        data = _read_member(zf, "meta.json", path)
        try:
            meta = json.loads(data)
        except ValueError as error:
            raise ValueError(f"{path} has an unreadable meta.json ({error}).") from None
        if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
            version = meta.get("format_version") if isinstance(meta, dict) else None
            versions = meta.get("versions") if isinstance(meta, dict) else None
            saved_by = versions.get("skdeep") if isinstance(versions, dict) else None
            raise ValueError(
                f"{path} has format version {version!r}"
                + (f" (saved by skdeep {saved_by})" if saved_by else "")
                + f"; this skdeep reads version {FORMAT_VERSION}."
            )
        _check_meta_fields(meta, path)
        if "arrays.npz" not in names:
            raise ValueError(f"{path} is not an skdeep model file (no arrays.npz).")
        data = _read_member(zf, "arrays.npz", path)
        try:
            arrays = dict(np.load(_io.BytesIO(data), allow_pickle=False))
        except ValueError as error:
            # np.load refuses object arrays, which only a pickle can hold.
            raise ValueError(
                f"{path} holds arrays that need pickle to load ({error}); refusing to load it."
            ) from None
        except _DAMAGED as error:
            raise ValueError(f"{path} has a truncated or corrupted arrays.npz ({error}).") from None
        if meta.get("history") is not None and "state_dict.pt" not in names:
            # a trained network's weights (save writes them with its history)
            raise ValueError(
                f"{path} is truncated or corrupted: it holds a trained network's "
                f"history but no state_dict.pt."
            )
        state = (_read_member(zf, "state_dict.pt", path)
                 if "state_dict.pt" in names else None)
        optimizers = (_read_member(zf, "optimizer_state.pt", path)
                      if "optimizer_state.pt" in names else None)
        module_states = {
            key: _read_member(zf, f"modules/{key}.pt", path)
            for key in meta.get("modules", {})
        }
    name = meta.get("estimator")
    where = meta.get("class") if isinstance(meta.get("class"), str) else None
    try:
        cls = estimator_class(name, where=where)
    except (KeyError, TypeError):
        registry = get_registry()
        reason = registry.unavailable_reason(name) or _skipped_plugin(registry, where)
        disabled = ""
        if reason is None and not registry.autoloads():
            disabled = (f" (third-party plugins are not loaded: "
                        f"{DISABLE_AUTOLOAD_ENV} is set)")
        raise ValueError(
            f"{path} names estimator {name!r} ({meta.get('class')}), which "
            + (
                f"no installed skdeep plugin registers{disabled}; refusing to load "
                f"it."
                if reason is None
                else f"cannot be loaded here: {reason}"
            )
        ) from None
    _check_same_package(cls, name, where, path)
    # Only names that save writes: the class's parameters, and fitted or
    # private attributes that do not shadow a method or property.
    names = getattr(cls, "_get_param_names", None) or cls.get_param_names  # sktime
    unknown = set(meta["params"]) - set(names())
    if unknown:
        raise ValueError(
            f"{path} sets {sorted(unknown)}, which are not parameters of "
            f"{cls.__qualname__}; refusing to load it."
        )
    for key in [*meta["attributes"], *arrays, *meta.get("modules", {})]:
        _check_attribute_name(cls, key, path)
    try:
        estimator = cls(**{k: _decode(v) for k, v in meta["params"].items()})
        for key, value in meta["attributes"].items():
            setattr(estimator, key, _decode(value))
    except ImportError as error:
        # (a pandas, networkx or sktime object saved with the estimator: a
        # bare "No module named ..." said nothing of the file)
        if not error.name:
            raise
        install = _INSTALL.get(error.name, error.name)
        raise ImportError(
            f"{path} holds {error.name} objects; loading it needs {error.name}: "
            f"pip install {install}."
        ) from error
    except (KeyError, TypeError, AttributeError, IndexError, RuntimeError) as error:
        # a tagged value without its parts, of another type, ...
        raise ValueError(
            f"{path} has a malformed meta.json: a saved value could not be "
            f"decoded ({type(error).__name__}: {error})."
        ) from error
    for key, value in arrays.items():
        setattr(estimator, key, value)
    from skdeep.utils._sklearn import float32_default_dtype
    from skdeep.utils._training import is_out_of_memory

    try:
        # networks are built in float32, as fit builds them, whatever the
        # caller's torch default dtype (float64 weights refused float32 input)
        with float32_default_dtype():
            if state is not None:
                _restore_torch(estimator, state, meta["history"], device, optimizers)
            for key, info in meta.get("modules", {}).items():
                _restore_module(estimator, key, module_states[key], info, device)
    except (RuntimeError, KeyError, TypeError, AttributeError) as error:
        if is_out_of_memory(error):
            raise
        # weights of other shapes than the saved parameters build, ...
        raise ValueError(
            f"{path} is corrupted: its networks could not be restored from "
            f"its parameters and weights ({type(error).__name__}: {error})."
        ) from error
    if (device is not None and state is None and not meta.get("modules")
            and "device" in meta["params"]):
        # (it was ignored: the map stayed on the saved device)
        estimator.set_params(device=device)
    _restore_metadata_requests(estimator, meta.get("metadata_requests"), path)
    return estimator


def _package(module):
    """The package a plugin module names its classes under."""
    return module.rsplit(".", 1)[0] if "." in module else module


def _skipped_plugin(registry, where):
    """Why the plugin whose package holds the class ``where`` is not loaded
    (it failed to import, ...), or None. The lookup's own message, "no
    installed plugin registers it", hid a plugin installed but broken."""
    if where is None:
        return None
    for info in registry.plugins.values():
        if info.error and where.startswith(_package(info.module) + "."):
            return (f"plugin {info.name!r} ({info.module}), whose package holds "
                    f"that class, is installed but was skipped: {info.error}")
    return None


def _check_same_package(cls, name, where, path):
    """Refuse a class of another package than the saved one under the saved
    name: two plugins registering one name keep the first loaded, so a file
    saved with one of them was rebuilt, without a word, as the other's class."""
    from skdeep.plugins import get_registry

    found = f"{cls.__module__}.{cls.__qualname__}"
    if where is None or where.split(".")[0] == found.split(".")[0]:
        return  # (classes may move between the modules of their package)
    owner = get_registry().estimators.get(name, (None, "?"))[1]
    raise ValueError(
        f"{path} was saved from {where}, but the estimator registered as {name!r} "
        f"here is {found} (plugin {owner!r}), another package's class; refusing "
        f"to load it with that class. Two plugins register the name "
        f"{name!r}: see `skdeep list`."
    )


def _check_meta_fields(meta, path):
    """The types of meta.json's fields, as save writes them (valid JSON of
    another structure failed with KeyError or AttributeError)."""
    expected = {"params": dict, "attributes": dict, "history": (list, type(None)),
                "modules": dict, "estimator": str, "class": str}
    optional = {"modules", "class"}
    for key, kind in expected.items():
        if key not in meta and key in optional:
            continue
        if not isinstance(meta.get(key, ...), kind):
            raise ValueError(
                f"{path} has a malformed meta.json: {key!r} is "
                + ("missing" if key not in meta else f"a {type(meta[key]).__name__}")
                + "; refusing to load it."
            )


def _restore_metadata_requests(estimator, requests, path):
    """Replay the saved ``set_{method}_request`` calls (scikit-learn offers
    them only while metadata routing is on: switched on for the replay)."""
    if not requests:
        return
    if not isinstance(requests, dict):
        raise ValueError(f"{path} has a malformed meta.json: metadata_requests.")
    import sklearn

    with sklearn.config_context(enable_metadata_routing=True):
        for method, params in requests.items():
            setter = getattr(estimator, f"set_{method}_request", None)
            if setter is None or not isinstance(params, dict):
                raise ValueError(
                    f"{path} requests metadata for {method!r}, which "
                    f"{type(estimator).__qualname__} does not route; refusing "
                    f"to load it."
                )
            setter(**params)


def _read_member(zf, member, path):
    """The bytes of ``member``, or a ValueError naming it when the archive is
    damaged there (a flipped byte surfaced as zlib's or zipfile's own error)."""
    try:
        return zf.read(member)
    except KeyError:
        raise ValueError(f"{path} has no {member}.") from None
    except _DAMAGED as error:
        raise ValueError(
            f"{path} has a truncated or corrupted {member} ({error})."
        ) from None


def _with_shape(array, encoded):
    """``array`` in the shape :func:`_encode` recorded (files written before
    it recorded shapes have none: their arrays keep the nested lists')."""
    shape = encoded.get("shape")
    return array if shape is None else array.reshape(shape)


def _check_attribute_name(cls, key, path):
    """Refuse an attribute name that :func:`save` would not have written."""
    shadowed = getattr(cls, key, None) if isinstance(key, str) else None
    if not (
        isinstance(key, str)
        and key.isidentifier()
        and not key.startswith("__")
        and (key.endswith("_") or key.startswith("_"))
        and not callable(shadowed)
        and not isinstance(shadowed, property)
    ):
        raise ValueError(
            f"{path} sets attribute {key!r} of {cls.__qualname__}, which is not a "
            f"fitted attribute skdeep.io writes; refusing to load it."
        )


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
    import skdeep

    versions = {"skdeep": skdeep.__version__, "numpy": np.__version__,
                "python": ".".join(map(str, sys.version_info[:3]))}
    torch = sys.modules.get("torch")
    if torch is not None:
        versions["torch"] = torch.__version__
    return versions


def _restore_torch(estimator, state, history, device, optimizers=None):
    """The skorch net of a torch estimator, from the file's weights, history
    and (files saved with them) optimizer states."""
    from skdeep.utils._training import restore_net

    if optimizers is not None:
        optimizers = _torch_state(optimizers)
    restore_net(
        estimator, _torch_state(state), _decode(history), device, optimizers
    )


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
    from skdeep.utils._training import loading_device

    device = loading_device(estimator, device)
    module = estimator._rebuild_module(key, device)
    module.load_state_dict(_torch_state(state))
    setattr(estimator, key, module.to(device).train(info["training"]))


def _registered_name(cls):
    from skdeep.plugins import get_registry, registered_name

    name = registered_name(cls)
    if name is not None:
        return name
    taken = get_registry().estimators.get(cls.__name__)
    if taken is not None:  # (it said "not registered", to a plugin's author)
        raise TypeError(
            f"{cls.__qualname__} is not registered with skdeep: its name is taken "
            f"by {taken[0].__module__}.{taken[0].__qualname__} of plugin "
            f"{taken[1]!r} (`skdeep list` shows the name conflicts); use pickle or "
            f"joblib for it."
        )
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
    if sp.issparse(value):  # a graph's adjacency or sparse node features
        return _encode_sparse(value, what)  # before dicts: dok_matrix is one
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
    # (the shape too: nested lists lose the dimensions after a zero one)
    if isinstance(value, np.ndarray) and value.dtype.kind == "c":
        return {"__array__": value.real.tolist(), "imag": value.imag.tolist(),
                "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufU":
        return {"__array__": value.tolist(), "dtype": str(value.dtype),
                "shape": list(value.shape)}
    if _is_networkx_graph(value):
        return _encode_networkx(value, what)
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if isinstance(value, os.PathLike):
        return {"__path__": os.fspath(value)}
    pandas = sys.modules.get("pandas")  # a pandas object implies it is imported
    if pandas is not None and isinstance(
        value, (pandas.Index, pandas.Series, pandas.DataFrame)
    ):
        return _encode_pandas(value, what)
    if _is_forecasting_horizon(value):
        return {"__fh__": _encode(value.to_pandas(), what),
                "is_relative": bool(value.is_relative), "freq": value.freq}
    if _is_neat_config(value):  # NEAT's config=: its fields, plain values
        fields = dataclasses.fields(value)
        return {"__neat_config__": {f.name: _encode(getattr(value, f.name), what)
                                    for f in fields}}
    kind = type(value).__name__
    if isinstance(value, np.ndarray):
        kind += f" of dtype {value.dtype}"
    if what.startswith("parameter") and isinstance(value, BaseEstimator):
        # (a required estimator parameter, SktimeAdapter's transformer: setting
        # it to a number is no advice)
        advice = "Estimator objects are not stored: use pickle or joblib."
    elif what.startswith("parameter"):
        advice = f"Set {what} to one of those before saving, or use pickle/joblib."
    else:  # a fitted attribute: nothing the user can change
        advice = "Use pickle or joblib for this estimator."
    raise TypeError(
        f"Cannot save {what} of type {kind} safely: skdeep.io stores "
        f"numbers, strings, None, lists, tuples, dicts, numpy arrays (numbers or "
        f"strings), scipy.sparse matrices and arrays, networkx graphs, pandas "
        f"indexes, series and frames of numpy dtypes, sktime forecasting "
        f"horizons, torch devices, paths, RandomState objects and NEAT "
        f"configurations. {advice}"
    )


# What to install for a module that a saved value needs (io.load's error).
_INSTALL = {"networkx": "'skdeep[graph]'", "sktime": "'skdeep[timeseries]'"}


# pandas: the values as numpy arrays, indexes by kind (ranges, periods as
# ordinals, datetimes as integers of their unit), so that load gives back equal
# objects (an sktime forecaster's series, cutoff and horizon).
def _encode_pandas(value, what):
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return {"__dataframe__": [_encode_pandas(value.iloc[:, j], what)
                                  for j in range(value.shape[1])],
                "columns": _encode_pandas(value.columns, what),
                "index": _encode_pandas(value.index, what)}
    name = _encode(value.name, what)
    plain = isinstance(value, pd.Series) or type(value) is pd.Index
    # numpy dtypes, and strings (pandas 3's default str dtype is inferred
    # again from the strings at load); not category, nullable Int64, ...
    if plain and not (isinstance(value.dtype, np.dtype)
                      or pd.api.types.is_string_dtype(value.dtype)):
        raise TypeError(
            f"Cannot save {what}: a pandas {type(value).__name__} of dtype "
            f"{value.dtype} (numpy dtypes and strings are stored). Use pickle or "
            f"joblib."
        )
    if isinstance(value, pd.Series):
        return {"__series__": _encode(value.to_numpy(), what),
                "index": _encode_pandas(value.index, what), "name": name}
    if isinstance(value, pd.RangeIndex):
        return {"__index__": "range", "start": value.start, "stop": value.stop,
                "step": value.step, "name": name}
    if isinstance(value, pd.PeriodIndex):
        return {"__index__": "period", "ordinals": value.asi8.tolist(),
                "freq": value.freqstr, "name": name}
    if isinstance(value, pd.DatetimeIndex):
        return {"__index__": "datetime", "values": value.asi8.tolist(),
                "unit": value.unit, "tz": None if value.tz is None else str(value.tz),
                "freq": value.freqstr, "name": name}
    if type(value) is not pd.Index:  # MultiIndex, TimedeltaIndex, ...
        raise TypeError(
            f"Cannot save {what}: a pandas {type(value).__name__}. Use pickle or "
            f"joblib."
        )
    return {"__index__": "values", "values": _encode(value.to_numpy(), what),
            "name": name}


def _decode_pandas(value):
    import pandas as pd

    if "__dataframe__" in value:
        columns = [_decode_pandas(c) for c in value["__dataframe__"]]
        frame = pd.concat(columns, axis=1) if columns else pd.DataFrame(
            index=_decode_pandas(value["index"]))
        frame.columns = _decode_pandas(value["columns"])
        return frame
    name = _decode(value.get("name"))
    if "__series__" in value:
        return pd.Series(_decode(value["__series__"]),
                         index=_decode_pandas(value["index"]), name=name)
    kind = value["__index__"]
    if kind == "range":
        return pd.RangeIndex(value["start"], value["stop"], value["step"], name=name)
    if kind == "period":
        ordinals = np.asarray(value["ordinals"], dtype=np.int64)
        index = pd.PeriodIndex.from_ordinals(ordinals, freq=value["freq"])
        return index.rename(name)
    if kind == "datetime":
        times = np.asarray(value["values"], dtype=np.int64).view(
            f"datetime64[{value['unit']}]")
        index = pd.DatetimeIndex(times)
        if value["tz"] is not None:
            index = index.tz_localize("UTC").tz_convert(value["tz"])
        if value["freq"] is not None:
            index.freq = value["freq"]
        return index.rename(name)
    if kind == "values":
        return pd.Index(_decode(value["values"]), name=name)
    raise ValueError(f"Unknown pandas index kind {kind!r} in the file.")


def _is_neat_config(value):
    config = sys.modules.get("skdeep.neuroevolution._config")  # (imported if one)
    return config is not None and type(value) is config.NEATConfig


def _is_forecasting_horizon(value):
    horizon = sys.modules.get("sktime.forecasting.base._fh")
    return horizon is not None and isinstance(value, horizon.ForecastingHorizon)


# scipy.sparse: each format's own arrays, so that load gives back the same
# class with the same stored entries (order, duplicates, explicit zeros).
_SPARSE_PARTS = {
    "csr": ("data", "indices", "indptr"),
    "csc": ("data", "indices", "indptr"),
    "bsr": ("data", "indices", "indptr"),
    "coo": ("data", "coords"),
    "dia": ("data", "offsets"),
    "lil": ("data", "coords"),  # through COO: lil and dok hold no duplicates
    "dok": ("data", "coords"),
}


def _encode_sparse(value, what):
    fmt = value.format
    if fmt not in _SPARSE_PARTS:
        raise TypeError(f"Cannot save {what}: unknown scipy.sparse format {fmt!r}.")
    kind = "array" if isinstance(value, sp.sparray) else "matrix"
    source = value.tocoo() if fmt in ("lil", "dok") else value
    parts = {}
    for name in _SPARSE_PARTS[fmt]:
        if name == "coords":
            parts[name] = [_encode(np.asarray(c), what) for c in source.coords]
        else:
            parts[name] = _encode(np.asarray(getattr(source, name)), what)
    return {"__sparse__": fmt, "kind": kind, "shape": list(value.shape),
            "dtype": str(value.dtype), "parts": parts}


def _decode_sparse(value):
    fmt, kind = value["__sparse__"], value["kind"]
    if fmt not in _SPARSE_PARTS or kind not in ("array", "matrix"):
        raise ValueError(f"Unknown sparse format {fmt!r} / kind {kind!r} in the file.")
    parts = value["parts"]
    shape = tuple(value["shape"])
    build = fmt if fmt in ("csr", "csc", "bsr", "dia") else "coo"
    cls = getattr(sp, f"{build}_{kind}")  # from the fixed names above only
    if build == "coo":
        coords = tuple(_decode(c) for c in parts["coords"])
        matrix = cls((_decode(parts["data"]), coords), shape=shape)
    elif build == "dia":
        matrix = cls((_decode(parts["data"]), _decode(parts["offsets"])), shape=shape)
    else:
        arrays = tuple(_decode(parts[k]) for k in ("data", "indices", "indptr"))
        matrix = cls(arrays, shape=shape)
    matrix = matrix.astype(value["dtype"], copy=False)
    return matrix.asformat(fmt) if build != fmt else matrix


# networkx graphs: nodes in order, edges in G.edges order, all with their
# attributes (JSON-safe values only), the class giving the directedness.
_NETWORKX_CLASSES = ("Graph", "DiGraph", "MultiGraph", "MultiDiGraph")


def _is_networkx_graph(value):
    networkx = sys.modules.get("networkx")  # a graph implies it is imported
    return networkx is not None and isinstance(value, networkx.Graph)


def _encode_networkx(graph, what):
    import networkx as nx

    name = type(graph).__name__
    if name not in _NETWORKX_CLASSES or type(graph) is not getattr(nx, name):
        raise TypeError(
            f"Cannot save {what}, a {type(graph).__qualname__}: skdeep.io stores "
            f"networkx {', '.join(_NETWORKX_CLASSES)} objects, not subclasses; "
            f"convert it (for example nx.Graph(G)) or use pickle/joblib."
        )
    multi, ids = graph.is_multigraph(), f"{what} (node ids)"
    edges = graph.edges(keys=True, data=True) if multi else graph.edges(data=True)
    return {
        "__networkx__": name,
        "graph": _encode(dict(graph.graph), f"{what} (graph attributes)"),
        "nodes": [
            [_encode(n, ids), _encode(dict(d), f"{what} (node attributes)")]
            for n, d in graph.nodes(data=True)
        ],
        "edges": [
            [_encode(x, ids) for x in e[:-1]]
            + [_encode(dict(e[-1]), f"{what} (edge attributes)")]
            for e in edges
        ],
    }


def _decode_networkx(value):
    import networkx as nx

    name = value["__networkx__"]
    if name not in _NETWORKX_CLASSES:
        raise ValueError(f"Unknown networkx graph class {name!r} in the file.")
    graph = getattr(nx, name)()
    graph.graph.update(_decode(value["graph"]))
    graph.add_nodes_from((_decode_key(n), _decode(d)) for n, d in value["nodes"])
    graph.add_edges_from(
        (*(_decode_key(x) for x in e[:-1]), _decode(e[-1])) for e in value["edges"]
    )
    return graph


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
        if "__array__" in value and "imag" in value:
            # the parts set apart: real + 1j * imag turns an infinite
            # imaginary part's real part into NaN (inf * 0)
            real = np.array(value["__array__"], dtype=np.float64)
            array = np.empty(real.shape, dtype=value["dtype"])
            array.real, array.imag = real, value["imag"]
            return _with_shape(array, value)
        if "__array__" in value:
            return _with_shape(np.array(value["__array__"], dtype=value["dtype"]),
                               value)
        if "__sparse__" in value:
            return _decode_sparse(value)
        if "__networkx__" in value:
            return _decode_networkx(value)
        if "__csr__" in value:  # files of skdeep 0.x before any sparse format
            parts = [_decode(a) for a in value["__csr__"]]
            return sp.csr_matrix(tuple(parts), shape=tuple(value["shape"]))
        if "__device__" in value:
            import torch

            return torch.device(value["__device__"])
        if "__path__" in value:
            return pathlib.Path(value["__path__"])
        if "__index__" in value or "__series__" in value or "__dataframe__" in value:
            return _decode_pandas(value)
        if "__neat_config__" in value:
            from skdeep.neuroevolution import NEATConfig

            return NEATConfig(**{k: _decode(v)
                                 for k, v in value["__neat_config__"].items()})
        if "__fh__" in value:
            from sktime.forecasting.base import ForecastingHorizon

            return ForecastingHorizon(_decode(value["__fh__"]),
                                      is_relative=value["is_relative"],
                                      freq=value["freq"])
        return {k: _decode(v) for k, v in value.items()}
    return value
