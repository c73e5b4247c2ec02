"""Softmax regression trained with torch through skdeep's shared training road."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from skdeep.utils import BaseTorchEstimator, LogProbaMixin, training_parameters_doc
from skdeep.utils._losses import ClassificationLoss
from skdeep.utils._sklearn import _fit_context
from skdeep.utils._torch import as_float32_tensor
from skdeep.utils._training import (
    SAMPLE_WEIGHT_EQUIVALENCE_XFAIL,
    validate_sample_weight,
)
from skdeep.utils.validation import check_layer_sizes


class SoftmaxRegressionClassifier(LogProbaMixin, ClassifierMixin, BaseTorchEstimator):
    """Multinomial logistic regression (optionally an MLP) trained with torch.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=()
        Hidden ReLU layers; ``()`` is plain softmax regression.

{training_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    net_ : skorch.NeuralNet
        The trained net.

    history_ : skorch.History
        Per-epoch training record (losses, durations).

    loss_curve_ : list of float
        Mean training loss of each epoch.

    validation_scores_ : list of float
        Validation loss of each epoch, defined only with
        ``early_stopping=True``.

    n_iter_ : int
        Number of epochs run.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdeep_plugin_template import SoftmaxRegressionClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SoftmaxRegressionClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "hidden_layer_sizes": ["array-like"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(),
        *,
        lr=0.01,
        max_epochs=100,
        batch_size=128,
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the cross-entropy; a zero
            weight removes the sample, an integer weight ``k`` acts like
            ``k`` copies of it in expectation.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        check_layer_sizes(self.hidden_layer_sizes)
        X, y = validate_data(
            self, X, y, dtype=[np.float64, np.float32], ensure_min_samples=2
        )
        check_classification_targets(y)
        # The shared road carries the weights next to the targets; the loss
        # takes (codes, weights) pairs.
        weights = validate_sample_weight(sample_weight, X)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        self._training_setup()
        y_t = torch.as_tensor(encoder.transform(y), dtype=torch.long)
        self._fit_module(
            as_float32_tensor(X), y_t, stratified=True, sample_weight=weights
        )
        return self

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        # the softmax in float64: in float32 rows summed to 1 within 1e-7 only,
        # and predict_log_proba was -inf from a logit gap of about 100
        return self._batched(
            lambda xb: torch.softmax(self.module_(xb).double(), dim=1), X,
            out_dtype=np.float64,
        )

    def predict(self, X):
        """Most probable class of each row."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameters for the conformance checks."""
        return [
            {"lr": 0.1, "max_epochs": 20, "batch_size": 32},
            {"hidden_layer_sizes": (8,), "lr": 0.05, "max_epochs": 20,
             "early_stopping": True, "validation_fraction": 0.2},
        ]

    def _build_module(self):
        sizes = [self.n_features_in_, *self.hidden_layer_sizes]
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], len(self.classes_)))
        return nn.Sequential(*layers)

    def _criterion(self):
        return ClassificationLoss()

    def _expected_failed_checks(self):
        # Minibatch training: weighted and repeated rows agree in
        # expectation, not to scikit-learn's rtol=1e-7.
        return dict(SAMPLE_WEIGHT_EQUIVALENCE_XFAIL)


SoftmaxRegressionClassifier.__doc__ = SoftmaxRegressionClassifier.__doc__.replace(
    "{training_parameters}", training_parameters_doc(lr=0.01)
)
