"""skdeep: classic deep-learning model families as scikit-learn estimators.

Importing skdeep loads no plugin: the registry is filled on first use of
:func:`all_estimators` or :func:`get_estimator`.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

from skdeep.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "all_estimators", "get_estimator", "hookimpl"]


def all_estimators(type_filter=None):
    """List every registered estimator, built-in or from a plugin.

    Mirrors :func:`sklearn.utils.all_estimators`, with the providing plugin.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "cluster", \
"outlier_detector", "forecaster"} or list of those, default=None
        Keep only estimators of these kinds; ``None`` keeps all.

    Returns
    -------
    estimators : list of (name, class, plugin) tuples
        Sorted by name. ``plugin`` is the entry-point name of the plugin that
        registered the class.

    Examples
    --------
    >>> import skdeep
    >>> [name for name, cls, plugin in skdeep.all_estimators("outlier_detector")
    ...  if plugin == "autoencoder"]
    ['AutoencoderOutlierDetector']
    """
    from skdeep.plugins import get_registry

    return get_registry().all_estimators(type_filter)


def get_estimator(name):
    """Return the estimator class registered under ``name``.

    Parameters
    ----------
    name : str
        The registered name, usually the class name.

    Returns
    -------
    estimator_class : type

    Examples
    --------
    >>> import skdeep
    >>> skdeep.get_estimator("AutoencoderTransformer").__name__
    'AutoencoderTransformer'
    """
    from skdeep.plugins import get_registry

    return get_registry().get_estimator(name)
