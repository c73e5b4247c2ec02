"""Small mixins shared by skdeep's estimators."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils.metaestimators import available_if


def _has_predict_proba(estimator):
    return hasattr(estimator, "predict_proba")


class LogProbaMixin:
    """``predict_log_proba`` as the logarithm of ``predict_proba``.

    scikit-learn's classifiers have both, and its meta-estimators look for
    the second: a pipeline ending in a classifier, ``SelfTrainingClassifier``
    or a soft vote offer ``predict_log_proba`` only when the classifier has
    it. Available exactly when ``predict_proba`` is. Put it first among a
    classifier's bases.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.rbf import RBFNetworkClassifier
    >>> X = np.random.RandomState(0).randn(60, 2)
    >>> clf = RBFNetworkClassifier(n_centers=8, random_state=0).fit(X, X[:, 0] > 0)
    >>> np.allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X))
    True
    """

    @available_if(_has_predict_proba)
    def predict_log_proba(self, X, **params):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like
            As for :meth:`predict_proba`.

        **params : dict
            Keyword arguments of :meth:`predict_proba` (a node classifier's
            ``graph`` and ``node_features``).

        Returns
        -------
        log_proba : ndarray
            Of :meth:`predict_proba`'s shape; ``-inf`` where a probability
            is 0.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, **params))
