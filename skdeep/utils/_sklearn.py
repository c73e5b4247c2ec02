"""The one place where skdeep imports private scikit-learn APIs."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import copy
import functools
import sys
import threading

import numpy as np
from sklearn import get_config
from sklearn.base import _fit_context as _sklearn_fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils._param_validation import Interval as _SklearnInterval
from sklearn.utils._set_output import _get_output_config, _wrap_data_with_container
from sklearn.utils.validation import (
    _check_feature_names,
    _check_feature_names_in,
    _check_n_features,
    _check_sample_weight,
)

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "RealNotInt",
    "StrOptions",
    "_check_feature_names",
    "_check_feature_names_in",
    "_check_n_features",
    "_fit_context",
    "_get_output_config",
    "check_sample_weight",
    "validate_parameter_constraints",
    "validate_params",
    "validate_prediction_params",
    "wrap_transform_output",
]


class Interval(_SklearnInterval):
    """scikit-learn's ``Interval`` constraint, refusing booleans.

    ``True`` is an ``Integral`` (and a ``Real``) to Python, so scikit-learn's
    interval takes it: ``code_size=True`` or ``weight_decay=True`` passed
    validation and failed deep in torch ("Boolean alpha only supported for
    Boolean results"). A parameter that also takes booleans lists
    ``"boolean"`` beside its interval.

    Examples
    --------
    >>> from numbers import Integral
    >>> from skdeep.utils._sklearn import Interval
    >>> positive = Interval(Integral, 1, None, closed="left")
    >>> positive.is_satisfied_by(3), positive.is_satisfied_by(True)
    (True, False)
    """

    def is_satisfied_by(self, val):
        if isinstance(val, (bool, np.bool_)):
            return False
        return super().is_satisfied_by(val)


def external_stacklevel():
    """The ``stacklevel`` that makes a warning raised by the calling
    function point at the user's code: the first frame outside skdeep,
    scikit-learn, skorch and sktime (whose wrappers a ``fit`` or a
    forecaster's ``predict_interval`` runs through) and ``contextlib``.
    Counted frames went stale when a wrapper was added (a warning of
    ``RBFNetworkClassifier.fit`` pointed into skdeep).

    Examples
    --------
    >>> import warnings
    >>> from skdeep.utils._sklearn import external_stacklevel
    >>> def warn_here():
    ...     warnings.warn("checked", UserWarning, stacklevel=external_stacklevel())
    >>> external_stacklevel()  # called from outside skdeep: this frame
    1
    """
    import os

    roots = [contextlib.__file__]
    for name in ("skdeep", "sklearn", "skorch", "sktime"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            roots.append(os.path.dirname(module.__file__) + os.sep)
    roots = tuple(roots)
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(roots):
        frame, level = frame.f_back, level + 1
    return level


# Blocks inside float32_default_dtype, in all threads, and the default the
# first of them found. torch's default dtype is one setting for the whole
# process: restored by each block on its way out, a fit or predict in one
# thread put float64 back while another thread's block was still running
# (float64 weights, "mat1 and mat2 must have the same dtype"; other dropout
# masks from the same seed).
_DEFAULT_DTYPE_LOCK = threading.Lock()
_default_dtype_users = {"count": 0, "saved": None}


@contextlib.contextmanager
def float32_default_dtype():
    """Run a block with torch's default dtype float32 where the caller set
    another (``torch.set_default_dtype(torch.float64)``), restoring it after.

    skdeep's networks compute in float32 and their inputs are float32
    tensors: built under a float64 default, their weights were float64 and
    every fit failed ("mat1 and mat2 must have the same dtype"). Nothing is
    done where torch is not imported (no default was set). Blocks running
    at once in several threads share the setting: the caller's default
    comes back when the last of them ends.
    """
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    users = _default_dtype_users
    with _DEFAULT_DTYPE_LOCK:
        if users["count"] == 0:
            users["saved"] = torch.get_default_dtype()
            if users["saved"] != torch.float32:
                torch.set_default_dtype(torch.float32)
        users["count"] += 1
    try:
        yield
    finally:
        with _DEFAULT_DTYPE_LOCK:
            users["count"] -= 1
            if users["count"] == 0 and users["saved"] != torch.float32:
                torch.set_default_dtype(users["saved"])


class KeepsMetaEstimatorContext:
    """Mixin for sktime objects: their ``reset`` (the first step of their
    ``fit``) keeps what a scikit-learn meta-estimator set on them for the
    duration of its own fit.

    scikit-learn >= 1.9's ``Pipeline`` and searches set
    ``_parent_callback_ctx`` (and callbacks) on a step before fitting it and
    delete it after; skbase's ``reset`` deletes every attribute but the
    parameters in between, so the step raised AttributeError.
    """

    _META_ESTIMATOR_CONTEXT = ("_parent_callback_ctx", "_skl_callbacks")

    def reset(self):
        """Reset to the state after ``__init__`` (skbase's ``reset``), keeping
        a scikit-learn meta-estimator's context.

        Returns
        -------
        self
        """
        kept = {name: self.__dict__[name] for name in self._META_ESTIMATOR_CONTEXT
                if name in self.__dict__}
        super().reset()
        self.__dict__.update(kept)
        return self


@contextlib.contextmanager
def outside_inference_mode():
    """Run a block (a fit) outside the caller's ``torch.inference_mode()``.

    Inside it, every network's fit failed deep in autograd ("element 0 of
    tensors does not require grad"), and a fitted network's failed
    ``partial_fit`` put its optimizer's state back as inference tensors,
    which refused every later step. A fit trains as it does under
    ``torch.no_grad()``. Nothing is done where torch is not imported.
    """
    torch = sys.modules.get("torch")
    if torch is None or not torch.is_inference_mode_enabled():
        yield
        return
    with torch.inference_mode(False):
        yield


def _fit_context(*, prefer_skip_nested_validation):
    """scikit-learn's ``_fit_context`` (parameter validation, nested
    validation skipped), and a failed call leaves the estimator as it was.

    When the decorated ``fit`` (``partial_fit``, ...) raises, the attributes
    it set or removed are put back, so that bad input given to a fitted
    estimator costs nothing but the error: without this, validation that
    records ``n_features_in_``, ``classes_`` or the input's layout before
    it fails left a fitted classifier predicting out of bounds (a refit on
    one class) or refusing its own data (a refit on 5-D input). Attributes
    are put back, not their contents: a network the failed call had already
    trained in place keeps that training (the torch estimators' ``partial_fit``
    puts back its weights itself). A ``KeyboardInterrupt`` that reaches
    this far is treated alike: training loops catch it themselves and keep
    the finished epochs (see :func:`skdeep.utils._training.warn_interrupted`),
    so one that escapes came from a step outside them (validation, a k-means
    start), which left a half-set estimator (new ``classes_`` beside the old
    network).

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from skdeep.utils._sklearn import _fit_context
    >>> class Counter(BaseEstimator):
    ...     _parameter_constraints = {}
    ...
    ...     @_fit_context(prefer_skip_nested_validation=True)
    ...     def fit(self, X):
    ...         self.n_rows_ = len(X)
    ...         if len(X) < 2:
    ...             raise ValueError("too few rows")
    ...         return self
    >>> est = Counter().fit([1, 2, 3])
    >>> try:
    ...     est.fit([1])
    ... except ValueError:
    ...     pass
    >>> est.n_rows_
    3
    """
    validated = _sklearn_fit_context(
        prefer_skip_nested_validation=prefer_skip_nested_validation
    )

    def decorator(fit_method):
        fit_validated = validated(fit_method)

        @functools.wraps(fit_method)
        def fit(estimator, *args, **kwargs):
            before = dict(vars(estimator))
            try:
                with float32_default_dtype(), outside_inference_mode():
                    return fit_validated(estimator, *args, **kwargs)
            except (Exception, KeyboardInterrupt):
                vars(estimator).clear()
                vars(estimator).update(before)
                raise

        return fit

    return decorator


def validate_prediction_params(estimator, *names):
    """Check the parameters ``names`` that prediction reads against the
    estimator's ``_parameter_constraints``: scikit-learn checks parameters
    in ``fit`` only, and one set with ``set_params`` afterwards (a number of
    Monte-Carlo passes, a beam width) failed deep inside torch. Skipped
    under scikit-learn's ``skip_parameter_validation``, as ``fit``'s check."""
    if get_config()["skip_parameter_validation"]:
        return
    validate_parameter_constraints(
        {name: estimator._parameter_constraints[name] for name in names},
        {name: getattr(estimator, name) for name in names},
        caller_name=type(estimator).__name__,
    )


def wrap_transform_output(estimator, data, original_input):
    """``data`` in the container that ``estimator.set_output`` (or the global
    ``transform_output``) asks for, as scikit-learn wraps ``transform``:
    column names from ``get_feature_names_out``, the index of
    ``original_input`` when it is a DataFrame (None: a fresh index).

    For methods scikit-learn cannot wrap itself (it would replace their
    ``available_if`` descriptors).
    """
    return _wrap_data_with_container("transform", data, original_input, estimator)


def check_sample_weight(sample_weight, X, dtype=None):
    """Validated non-negative ``sample_weight`` of shape ``(n_samples,)``,
    scikit-learn's checks and messages, a scalar expanded (None stays None:
    unweighted fits keep their unweighted road).

    All-zero weights are refused with scikit-learn's message on every
    supported release: scikit-learn 1.7's ``_check_sample_weight`` lets them
    through, and fits then failed with unrelated errors (or fitted nothing).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils._sklearn import check_sample_weight
    >>> check_sample_weight(2.0, np.zeros((3, 1)))
    array([2., 2., 2.])
    """
    if sample_weight is None:
        return None
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=dtype, ensure_non_negative=True
    )
    if not (sample_weight != 0).any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sample_weight


def clone_with_params(estimator, params):
    """``type(estimator)(**params)`` with the settings scikit-learn's clone
    carries besides the parameters: ``set_output``'s and the metadata
    requests (``set_fit_request``). For ``__sklearn_clone__`` overrides that
    pass some parameter on uncloned (a fitted source model)."""
    new = type(estimator)(**params)
    for name in ("_metadata_request", "_sklearn_output_config"):
        if name in estimator.__dict__:
            setattr(new, name, copy.deepcopy(estimator.__dict__[name]))
    return new
