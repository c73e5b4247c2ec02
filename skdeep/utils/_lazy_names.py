"""Package names imported on first access (PEP 562 module ``__getattr__``)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import sys


def lazy_names(package, names, needs=None):
    """``__getattr__`` and ``__dir__`` for a package whose names ``names``
    (name -> module) are imported on first access: the package then imports
    without their heavy or optional dependencies (torch, torchvision, numba,
    sktime).

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict of str to str
        Each lazy name and the module that defines it.
    needs : str, default=None
        What a name needs and how to install it, for the ImportError raised
        where its module cannot be imported (``"sktime: pip install
        'skdeep[timeseries]'"``); None lets the module's own error through.

    Returns
    -------
    getattr, dir : callable
        To assign to the package's ``__getattr__`` and ``__dir__``.

    Examples
    --------
    >>> from skdeep.utils._lazy_names import lazy_names
    >>> getattr_, dir_ = lazy_names("skdeep.cnn", {"CNNClassifier": "skdeep.cnn._cnn"})
    >>> getattr_("CNNClassifier").__name__
    'CNNClassifier'
    """

    def __getattr__(name):
        if name in names:
            try:
                module = importlib.import_module(names[name])
            except ImportError as exc:
                if needs is None:
                    raise
                raise ImportError(f"{package}.{name} needs {needs}.") from exc
            return getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
