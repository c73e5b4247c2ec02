"""Package names imported on first access (PEP 562 module ``__getattr__``)."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import sys


def lazy_names(package, names):
    """``__getattr__`` and ``__dir__`` for a package whose names ``names``
    (name -> module) are imported on first access: the package then imports
    without their heavy or optional dependencies (torch, torchvision, numba).

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict of str to str
        Each lazy name and the module that defines it.

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
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
