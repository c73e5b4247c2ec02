"""The skdeep plugin contract: pluggy markers and hook specifications."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import pluggy

hookspec = pluggy.HookspecMarker("skdeep")
hookimpl = pluggy.HookimplMarker("skdeep")


@hookspec
def register_estimators(register):
    """Register estimator classes by calling ``register(EstimatorClass)``.

    ``register(estimator_cls, *, name=None)`` accepts a scikit-learn
    ``BaseEstimator`` subclass or a scikit-base object (an sktime forecaster,
    say); ``name`` defaults to the class name and must be unique across all
    installed plugins. ``register.unavailable(name, reason)`` records an
    estimator the plugin cannot offer here (an optional dependency is
    missing): asking for it then raises an error that gives ``reason``
    instead of "no estimator named ...", and ``skdeep list`` shows it.
    """
