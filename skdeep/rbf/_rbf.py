"""Radial basis function networks: a classifier and a regressor."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.linalg
import scipy.linalg.blas
import torch
from sklearn.base import (
    ClassifierMixin,
    RegressorMixin,
    TransformerMixin,
    is_classifier,
)
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from skdeep.rbf._modules import KERNELS, RBFLayer, RBFNetwork
from skdeep.utils._losses import ClassificationLoss, WeightedMSELoss
from skdeep.utils._mixins import LogProbaMixin
from skdeep.utils._sklearn import (
    Interval,
    StrOptions,
    _check_feature_names_in,
    _fit_context,
    external_stacklevel,
)
from skdeep.utils._torch import (
    as_float32_tensor,
    batched_numpy,
    inference_mode,
    inference_rows,
)
from skdeep.utils._training import (
    LR_SCHEDULE_CONSTRAINT,
    LR_SCHEDULE_DOC,
    SAMPLE_WEIGHT_EQUIVALENCE_XFAIL,
    BaseTorchEstimator,
    CPUPicklingMixin,
    encode_classes,
    store_init_params,
    training_parameters_doc,
    validate_sample_weight,
)
from skdeep.utils.validation import (
    check_float32_range,
    distance_offset,
    float_targets,
    subtract_offset,
)

CENTER_INITS = ("kmeans", "kmeans_per_class", "random")
SCALE_WIDTH_FACTOR = 2.0
TRAININGS = ("hybrid", "end_to_end")

RBF_PARAMETERS_DOC = """\
    n_centers : int, default=100
        Hidden units, one center each. More centers than training rows are
        clipped to the number of rows (with a ``UserWarning``); the fitted
        number is ``n_centers_``.

    centers : {centers_options}, default="kmeans"
        Where the centers start: the cluster centers of k-means on the
        training rows (one run, seeded by ``random_state``){per_class}, or
        training rows drawn at random (``"random"``).

    kernel : {{"gaussian", "multiquadric", "inverse_multiquadric"}}, \
default="gaussian"
        The basis function of the squared distance ``r^2`` to a center:
        ``exp(-gamma r^2)``, ``sqrt(1 + gamma r^2)`` or ``1 / sqrt(1 + gamma
        r^2)``.

    gamma : float or "scale", default="scale"
        Width of the basis functions. ``"scale"`` derives it from the
        spacing of the centers: ``1 / (2 s^2)`` with ``s`` twice the mean
        distance from a center to its nearest other center (after Moody &
        Darken, 1989; the factor 2 was chosen on data sets the benchmarks
        do not report, see the user guide).

    width_per_center : bool, default=False
        One width per center: with ``gamma="scale"`` each center's ``s`` is
        twice its own distance to its nearest other center (a float ``gamma``
        starts every center at that value), and ``"end_to_end"`` training
        learns each width.

    training : {{"hybrid", "end_to_end"}}, default="hybrid"
        ``"hybrid"``: the classic two stages, centers unsupervised and the
        output layer solved in closed form by regularised least squares
        (ridge with penalty ``alpha``{target}). ``"end_to_end"``: starting
        from the hybrid solution, centers, widths and output layer are
        trained together by gradient descent on the {loss} (the training
        parameters below apply to this stage only).

    alpha : float, default=1e-3
        Ridge penalty of the closed-form output layer (the bias is not
        penalised)."""


class _BaseRBF(CPUPicklingMixin, TransformerMixin, BaseTorchEstimator):
    """Centers, widths, the closed-form output layer and the shared torch road."""

    _module_attributes = ("module_hybrid_",)

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "centers": [StrOptions(set(CENTER_INITS))],
        "kernel": [StrOptions(set(KERNELS))],
        "gamma": [Interval(Real, 0, None, closed="neither"), StrOptions({"scale"})],
        "width_per_center": ["boolean"],
        "training": [StrOptions(set(TRAININGS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        **LR_SCHEDULE_CONSTRAINT,
    }

    # -- the hidden layer ------------------------------------------------------

    def _init_centers(self, X, codes=None, sample_weight=None):
        if sample_weight is not None:
            # Rows of weight zero are absent, as if removed; the others are
            # weighted in k-means, as if repeated.
            keep = sample_weight > 0
            X, sample_weight = X[keep], sample_weight[keep]
            codes = None if codes is None else codes[keep]
        n = len(X)
        k = self.n_centers
        if k > n:
            rows = "training rows"
            if sample_weight is not None:
                rows = "rows of non-zero weight"
            warnings.warn(
                f"n_centers={k} is more than the {n} {rows}; "
                f"{type(self).__name__} uses {n} centers.",
                UserWarning,
                stacklevel=external_stacklevel(),
            )
            k = n
        rng = check_random_state(self.random_state)
        if self.centers == "random":
            p = None
            if sample_weight is not None and np.ptp(sample_weight) > 0:
                p = sample_weight / sample_weight.sum()  # equal weights: as None
            return X[rng.choice(n, size=k, replace=False, p=p)]
        if self.centers == "kmeans_per_class":
            if codes is None:
                raise ValueError(
                    "centers='kmeans_per_class' needs class labels: it is for "
                    "RBFNetworkClassifier."
                )
            return self._per_class_centers(X, codes, k, rng, sample_weight)
        return self._kmeans(X, k, rng, sample_weight)

    @staticmethod
    def _kmeans(X, k, rng, sample_weight=None):
        if k == len(X):
            return X.copy()
        seed = rng.randint(np.iinfo(np.int32).max)
        with warnings.catch_warnings():
            # Duplicate rows can leave fewer distinct clusters than k; the
            # duplicated centers are harmless (the ridge shares their weight).
            warnings.filterwarnings("ignore", message="Number of distinct clusters")
            return (
                KMeans(n_clusters=k, n_init=1, random_state=seed)
                .fit(X, sample_weight=sample_weight)
                .cluster_centers_
            )

    def _per_class_centers(self, X, codes, k, rng, sample_weight=None):
        """k-means within each class, centers shared out by class size
        (the sum of the class's sample weights)."""
        classes, counts = np.unique(codes, return_counts=True)
        sizes = counts if sample_weight is None else np.bincount(
            np.searchsorted(classes, codes), weights=sample_weight
        )
        share = np.maximum(1, np.floor(k * sizes / sizes.sum())).astype(int)
        share = np.minimum(share, counts)
        # Hand out what rounding left over to the classes with the most rows.
        for c in np.argsort(-sizes):
            if share.sum() >= k:
                break
            share[c] += min(k - share.sum(), counts[c] - share[c])
        # Take back what raising small classes to one center added (3
        # classes of 6, 6 and 288 rows got 1 + 1 + 9 = 11 of n_centers=10),
        # from the classes with the most centers; every class keeps one.
        for c in np.argsort(-share, kind="stable"):
            surplus = share.sum() - max(k, len(classes))
            if surplus <= 0:
                break
            share[c] -= min(surplus, share[c] - 1)
        return np.vstack(
            [
                self._kmeans(
                    X[codes == c],
                    m,
                    rng,
                    None if sample_weight is None else sample_weight[codes == c],
                )
                for c, m in zip(classes, share)
            ]
        )

    def _init_gamma(self, centers, X, sample_weight=None):
        """Initial widths: ``gamma`` or the center-spacing heuristic."""
        k = len(centers)
        # Coincident centers (duplicate rows: k-means or k >= the rows give
        # them) are one center: the distance 0 between copies shrank the
        # spacing (every row given twice: gamma 1.0 instead of 0.067).
        distinct, copy_of = np.unique(centers, axis=0, return_inverse=True)
        if len(distinct) == k:
            distinct, copy_of = centers, None
        if len(distinct) > 1:
            d2 = squared_center_distances(distinct)
            np.fill_diagonal(d2, np.inf)
            nearest = np.sqrt(d2.min(axis=1))
            if copy_of is not None:
                nearest = nearest[copy_of.ravel()]
        elif sample_weight is None:
            nearest = np.full(1, np.sqrt(X.var(axis=0).sum()))
        else:
            mean = np.average(X, axis=0, weights=sample_weight)
            var = np.average((X - mean) ** 2, axis=0, weights=sample_weight)
            nearest = np.full(1, np.sqrt(var.sum()))
        if len(nearest) != k:  # (one distinct center: the data's spread)
            nearest = np.full(k, nearest[0])
        # Twice the nearest-center distance: units that overlap their
        # neighbours well (chosen on scikit-learn's diabetes and Friedman 1-3
        # data, none of them reported by the benchmarks).
        nearest = SCALE_WIDTH_FACTOR * nearest
        if self.gamma != "scale":
            gamma = np.full(k, float(self.gamma))
        elif self.width_per_center:
            s = np.where(
                nearest > 0,
                nearest,
                nearest[nearest > 0].mean() if (nearest > 0).any() else 1.0,
            )
            gamma = 1.0 / (2.0 * s**2)
        else:
            s = nearest.mean()
            gamma = np.full(k, 1.0 / (2.0 * s**2) if s > 0 else 1.0)
        return gamma if self.width_per_center else np.asarray(gamma[0])

    def _solve_output(self, hidden, X, Y, sample_weight=None):
        """Ridge solution ``(k + 1, m)`` of the output layer (bias last).

        The normal equations ``(H1' S H1 + alpha I') W = H1' S Y`` with ``H1 =
        [H, 1]``, ``H = hidden(X)`` the ``(n, k)`` activations, ``S`` the
        diagonal of the sample weights (the identity without them) and no
        penalty on the bias. ``H1' S H1`` and ``H1' S Y`` are summed over
        blocks of rows: the activations are never held at once (at 60,000
        rows and 1,000 centers they would be 480 MB in float64), so memory is
        ``O(k^2)`` and time ``O(n k^2)``, linear in the number of rows.

        The products are float64: the system is often ill-conditioned (wide,
        overlapping units and a small ``alpha``), and float32 products change
        the solution visibly. ``H' S H`` is one symmetric rank-k update per
        block (``syrk`` on ``sqrt(S) H``, half the work of a matrix product),
        accumulated in place; the bias row is a column sum, not a column of
        ones in the product.
        """
        block = max(self.batch_size, 1024)
        for start in range(0, len(X), block):
            rows = slice(start, start + block)
            activations = hidden(X[rows])
            if start == 0:
                k = activations.shape[1]
                G = np.zeros((k, k), order="F")  # H' S H, upper triangle
                hs = np.zeros(k)  # H' S 1
                b = np.zeros((k + 1, Y.shape[1]))  # H1' S Y
                buffer = np.empty((min(block, len(X)), k))
            H = buffer[: len(activations)]
            np.copyto(H, activations)  # float64, one buffer for all blocks
            SY = Y[rows]
            if sample_weight is not None:
                SY = sample_weight[rows, None] * SY
            b[:k] += H.T @ SY
            b[k] += SY.sum(axis=0)
            if sample_weight is None:
                hs += H.sum(axis=0)
            else:
                hs += sample_weight[rows] @ H
                H *= np.sqrt(sample_weight[rows])[:, None]  # syrk of it: H' S H
            # H.T is the Fortran-ordered (k, rows) view: no copy.
            G = scipy.linalg.blas.dsyrk(1.0, H.T, beta=1.0, c=G, overwrite_c=True)
        A = np.empty((k + 1, k + 1))
        A[:k, :k] = np.triu(G) + np.triu(G, 1).T
        A[:k, k] = A[k, :k] = hs
        A[k, k] = len(X) if sample_weight is None else sample_weight.sum()
        A[np.arange(k), np.arange(k)] += self.alpha
        try:
            return scipy.linalg.solve(A, b, assume_a="sym")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            return np.linalg.lstsq(A, b, rcond=None)[0]

    def _fit_network(self, X, Y, codes=None, y_tensor=None, sample_weight=None):
        """Centers, widths, closed-form output layer; then end-to-end training.

        ``sample_weight`` (a float tensor or None) weights every stage: the
        k-means of the centers, the ridge solution and the end-to-end loss.
        """
        self._training_setup()
        # Far from the origin, the network works on X minus its level (the
        # float32 distances of raw values would lose every digit; see
        # distance_offset); the centers are reported in X's units.
        self._offset = distance_offset(X, self)
        if self._offset is not None:
            X = X - self._offset
        w = None if sample_weight is None else sample_weight.double().numpy()
        Xs, Ys, codes_s, ws = X, Y, codes, w  # the rows the set-up is fitted on
        if self.training == "end_to_end" and self.early_stopping:
            # not the rows early stopping validates on: fitted to them, the
            # start scored in-sample (0.65 against 1.21 out of sample on
            # noise) and the first epoch was always kept
            train = self._early_stopping_training_rows(
                y_tensor, sample_weight, stratified=is_classifier(self)
            )
            Xs, Ys = X[train], Y[train]
            codes_s = None if codes is None else codes[train]
            ws = None if w is None else w[train]
        centers = self._init_centers(Xs, codes_s, ws)
        gamma = self._init_gamma(centers, Xs, ws)
        device = self._device
        layer = RBFLayer(centers, gamma, self.kernel).to(device)

        def hidden(rows):
            with torch.no_grad():
                return layer(as_float32_tensor(rows).to(device)).cpu().numpy()

        self._initial = (centers, gamma, self._solve_output(hidden, Xs, Ys, ws))
        self.n_centers_ = len(centers)
        for stale in ("net_", "history_", "loss_curve_", "n_iter_",
                      "validation_scores_", "module_hybrid_"):  # of an earlier fit
            self.__dict__.pop(stale, None)
        if self.training == "hybrid":
            # (in eval mode, as every trained module rests)
            self.module_hybrid_ = (
                RBFNetwork(*self._initial, kernel=self.kernel).to(device).eval()
            )
        else:
            # (classifiers hold out a stratified split, as the other
            # families' classifiers and scikit-learn's MLP do)
            self._fit_module(
                as_float32_tensor(X), y_tensor, sample_weight=sample_weight,
                stratified=self.early_stopping and is_classifier(self),
            )
        del self._initial
        return self

    def _build_module(self):
        initial = getattr(self, "_initial", None)
        if initial is None:  # skdeep.io.load: the weights come from the file
            k, m = self.n_centers_, self._n_outputs()
            gamma = np.ones(k) if self.width_per_center else np.ones(())
            initial = (np.zeros((k, self.n_features_in_)), gamma, np.zeros((k + 1, m)))
        return RBFNetwork(*initial, kernel=self.kernel)

    def _rebuild_module(self, name, device):
        """The empty network of a fitted attribute, for :func:`skdeep.io.load`
        (which moves it to ``device`` and sets its saved train/eval mode)."""
        return self._build_module()

    def _expected_failed_checks(self):
        if self.training == "end_to_end":
            return dict(SAMPLE_WEIGHT_EQUIVALENCE_XFAIL)
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "k-means runs once (n_init=1) and its k-means++ start draws "
                "rows by position, so a row weighted k and k copies of it lead "
                "to other centers (and the check's data keep fewer rows of "
                "non-zero weight than n_centers, which is clipped by rows); "
                "zero weights remove rows exactly and the ridge solution is "
                "exact for integer weights (tests/utils/test_sample_weight.py)"
            )
        }

    @property
    def network_(self):
        """The fitted :class:`~skdeep.rbf._modules.RBFNetwork`."""
        check_is_fitted(self, "n_centers_")
        if "net_" in self.__dict__:
            return self.net_.module_
        return self.module_hybrid_

    @property
    def module_(self):
        """The trained torch module, :attr:`network_` (the hybrid training
        has no skorch ``net_``, whose module the shared property read)."""
        return self.network_

    @property
    def centers_(self):
        """The centers, ``(n_centers_, n_features_in_)``."""
        check_is_fitted(self, "n_centers_")
        centers = self.network_.rbf.centers.detach().cpu().double().numpy()
        offset = getattr(self, "_offset", None)
        return centers if offset is None else centers + offset

    @property
    def gamma_(self):
        """The widths: a float, or one per center with ``width_per_center``."""
        check_is_fitted(self, "n_centers_")
        gamma = self.network_.rbf.gamma.detach().cpu().double().numpy()
        return float(gamma) if gamma.ndim == 0 else gamma

    def _outputs(self, X):
        network = self.network_
        device = next(network.parameters()).device
        with inference_mode(network):
            return batched_numpy(
                network,
                X,
                batch_size=inference_rows(self.batch_size, device),
                device=device,
                out_dtype=np.float64,
            )

    def _validate(self, X):
        check_is_fitted(self, "n_centers_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        offset = getattr(self, "_offset", None)  # (models saved before it: none)
        return X if offset is None else subtract_offset(X, offset)

    def transform(self, X):
        """The hidden activations: one basis function per center.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, n_centers_)
        """
        X = self._validate(X)
        layer = self.network_.rbf
        device = layer.centers.device
        with torch.no_grad():
            return batched_numpy(
                layer,
                X,
                batch_size=inference_rows(self.batch_size, device),
                device=device,
                out_dtype=np.float64,
            )

    def get_feature_names_out(self, input_features=None):
        """Names of the hidden units: the class name in lower case and the
        unit's index (``rbfnetworkregressor0``, ... or
        ``rbfnetworkclassifier0``, ...).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against ``feature_names_in_`` (as scikit-learn does);
            the names do not depend on it.

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (n_centers_,)
        """
        check_is_fitted(self, "n_centers_")
        _check_feature_names_in(self, input_features)
        prefix = type(self).__name__.lower()
        return np.asarray(
            [f"{prefix}{i}" for i in range(self.n_centers_)], dtype=object
        )


def squared_center_distances(centers):
    """Pairwise squared distances of the centers (float64)."""
    sq = (centers**2).sum(axis=1)
    return np.maximum(sq[:, None] - 2.0 * centers @ centers.T + sq[None], 0.0)


class RBFNetworkRegressor(RegressorMixin, _BaseRBF):
    """Radial basis function network for regression.

    Each hidden unit stores a center and fires by the input's distance to it;
    the output is a linear combination of the units. Trained the classic way
    (centers by k-means, output layer in closed form) or end to end.

    Parameters
    ----------
{rbf}

{training}

{lr_schedule}

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    y_mean_, y_scale_ : float or ndarray of shape (n_outputs_,)
        The targets' mean and standard deviation (floats for a 1-D ``y``):
        the network is trained on ``(y - y_mean_) / y_scale_``, so the
        units of ``y`` do not change the fit.
    n_centers_ : int
        Hidden units used (``n_centers`` clipped to the training rows).
    centers_ : ndarray of shape (n_centers_, n_features_in_)
    gamma_ : float or ndarray of shape (n_centers_,)
    network_ : torch.nn.Module
        The fitted network (:class:`~skdeep.rbf._modules.RBFNetwork`).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.
    module_hybrid_ : torch.nn.Module
        The network of ``"hybrid"`` training, which ``network_`` returns
        (``"hybrid"`` only).
    net_ : skorch.NeuralNet
        The end-to-end training's net (``"end_to_end"`` only).
    history_ : skorch History
        Per-epoch losses of end-to-end training (``"end_to_end"`` only).
    loss_curve_ : list of float
        Mean training loss of each epoch (``"end_to_end"`` only).
    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True`` (``"end_to_end"`` only).
    n_iter_ : int
        Number of epochs run (``"end_to_end"`` only).

    See Also
    --------
    RBFNetworkClassifier : The classifier.
    sklearn.kernel_approximation.Nystroem : Kernel features at sampled rows.
    sklearn.svm.SVR : Support vector regression with an RBF kernel.

    Notes
    -----
    The kernel acts on distances, so scale the features first (for example
    ``make_pipeline(StandardScaler(), RBFNetworkRegressor())``). The closed
    form costs ``O(n k^2 + k^3)`` for ``n`` rows and ``k`` centers, k-means
    ``O(n k d)`` per iteration: linear in ``n``.

    References
    ----------
    J. Moody and C. J. Darken, "Fast learning in networks of locally-tuned
    processing units", Neural Computation 1(2), 1989.

    D. S. Broomhead and D. Lowe, "Multivariable functional interpolation and
    adaptive networks", Complex Systems 2, 1988.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.rbf import RBFNetworkRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-3, 3, size=(200, 1))
    >>> y = np.sin(X[:, 0])
    >>> model = RBFNetworkRegressor(n_centers=20, random_state=0).fit(X, y)
    >>> round(model.score(X, y), 3)
    1.0
    """

    def __init__(
        self,
        *,
        n_centers=100,
        centers="kmeans",
        kernel="gaussian",
        gamma="scale",
        width_per_center=False,
        training="hybrid",
        alpha=1e-3,
        lr=0.005,
        max_epochs=30,
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
        lr_schedule="cosine",
    ):
        store_init_params(self, locals())

    _parameter_constraints: dict = {
        **_BaseRBF._parameter_constraints,
        "centers": [StrOptions({"kmeans", "random"})],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample: in the k-means of the
            centers, the ridge solution of the output layer and the
            end-to-end squared error. A zero weight removes the sample, an integer
            weight ``k`` acts like ``k`` copies of it (exactly so for the
            ridge solution; the k-means start and the end-to-end batches
            depend on the number of rows).

        Returns
        -------
        self : RBFNetworkRegressor
        """
        X, y = validate_data(
            self,
            X,
            y,
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
        )
        check_float32_range(X, estimator=self)  # before k-means, not after it
        X = X.astype(np.float64, copy=False)
        y = float_targets(y)
        self._y_ndim = y.ndim
        Y = y.reshape(len(y), -1)
        self.n_outputs_ = Y.shape[1]
        weights = validate_sample_weight(sample_weight, X)
        # standardized, as every regressor's: in y's units, targets of spread
        # 1e-8 were lost to float32 and Adam's steps (R^2 -5e8 end to end),
        # and an offset of 1e7 left float32 outputs steps of 1 (R^2 0.83)
        Y = self._standardize_targets(Y, weights, as_floats=y.ndim == 1)
        # A contiguous copy: y may be read-only memory or a view with
        # negative strides (y[::-1]), neither of which torch wraps.
        y_tensor = torch.from_numpy(np.array(Y, dtype=np.float32, order="C"))
        return self._fit_network(X, Y, y_tensor=y_tensor, sample_weight=weights)

    def _n_outputs(self):
        return self.n_outputs_

    def _criterion(self):
        return WeightedMSELoss()

    def predict(self, X):
        """Predicted values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        out = self._in_target_units(self._outputs(self._validate(X)))
        return out[:, 0] if getattr(self, "_y_ndim", 1) == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return [
            {"n_centers": 10},
            {
                "n_centers": 10,
                "training": "end_to_end",
                "max_epochs": 2,
                "kernel": "inverse_multiquadric",
                "width_per_center": True,
            },
        ]


class RBFNetworkClassifier(LogProbaMixin, ClassifierMixin, _BaseRBF):
    """Radial basis function network for classification.

    Each hidden unit stores a center and fires by the input's distance to it;
    a linear layer turns the units into class scores. Trained the classic way
    (centers by k-means, output layer in closed form on one-hot targets) or
    end to end with the cross-entropy.

    Parameters
    ----------
{rbf}

{training}

{lr_schedule}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_weight_ : ndarray of shape (n_classes,)
        Ones: the classes weigh equally (there is no ``class_weight``
        parameter).
    n_centers_ : int
        Hidden units used (``n_centers`` clipped to the training rows).
    centers_ : ndarray of shape (n_centers_, n_features_in_)
    gamma_ : float or ndarray of shape (n_centers_,)
    network_ : torch.nn.Module
        The fitted network (:class:`~skdeep.rbf._modules.RBFNetwork`).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.
    module_hybrid_ : torch.nn.Module
        The network of ``"hybrid"`` training, which ``network_`` returns
        (``"hybrid"`` only).
    net_ : skorch.NeuralNet
        The end-to-end training's net (``"end_to_end"`` only).
    history_ : skorch History
        Per-epoch losses of end-to-end training (``"end_to_end"`` only).
    loss_curve_ : list of float
        Mean training loss of each epoch (``"end_to_end"`` only).
    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True`` (``"end_to_end"`` only).
    n_iter_ : int
        Number of epochs run (``"end_to_end"`` only).

    See Also
    --------
    RBFNetworkRegressor : The regressor.
    sklearn.svm.SVC : Support vector classification with an RBF kernel.

    Notes
    -----
    :meth:`predict_proba`: after ``"end_to_end"`` training, the softmax of
    the class scores. After ``"hybrid"`` training the scores are least-squares
    estimates of the class probabilities (regression on one-hot targets),
    which can leave [0, 1]; they are clipped at 0 and normalised to sum to
    one. They are not calibrated (digits: accuracy 0.98, mean top
    probability 0.73, expected calibration error 0.26; end to end 0.03) and
    may be exactly 0 (``predict_log_proba`` then gives ``-inf``): wrap the
    classifier in :class:`~sklearn.calibration.CalibratedClassifierCV` or
    train end to end where probabilities matter. Scale the features first:
    the kernel acts on distances.

    References
    ----------
    J. Moody and C. J. Darken, "Fast learning in networks of locally-tuned
    processing units", Neural Computation 1(2), 1989.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from skdeep.rbf import RBFNetworkClassifier
    >>> X, y = make_moons(200, noise=0.1, random_state=0)
    >>> clf = RBFNetworkClassifier(n_centers=20, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
    """

    def __init__(
        self,
        *,
        n_centers=100,
        centers="kmeans",
        kernel="gaussian",
        gamma="scale",
        width_per_center=False,
        training="hybrid",
        alpha=1e-3,
        lr=0.005,
        max_epochs=30,
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
        lr_schedule="constant",
    ):
        store_init_params(self, locals())

    class_weight = None  # encode_classes reads it; RBF networks weigh classes equally

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample: in the k-means of the
            centers, the ridge solution of the output layer and the
            end-to-end cross-entropy. A zero weight removes the sample, an integer
            weight ``k`` acts like ``k`` copies of it (exactly so for the
            ridge solution; the k-means start and the end-to-end batches
            depend on the number of rows).

        Returns
        -------
        self : RBFNetworkClassifier
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_float32_range(X, estimator=self)  # before k-means, not after it
        X = X.astype(np.float64, copy=False)
        weights = validate_sample_weight(sample_weight, X)
        codes = encode_classes(self, y, weights)
        Y = np.eye(len(self.classes_))[codes]
        return self._fit_network(
            X,
            Y,
            codes=codes,
            y_tensor=torch.as_tensor(codes, dtype=torch.long),
            sample_weight=weights,
        )

    def _n_outputs(self):
        return len(self.classes_)

    def _criterion(self):
        return ClassificationLoss()

    def decision_function(self, X):
        """Class scores (least-squares estimates, or logits end to end).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,)
            for two classes (the second class's score minus the first's).
        """
        out = self._outputs(self._validate(X))
        return out[:, 1] - out[:, 0] if out.shape[1] == 2 else out

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        out = self._outputs(self._validate(X))
        if "net_" in self.__dict__:  # trained end to end: the outputs are logits
            out = out - out.max(axis=1, keepdims=True)
            proba = np.exp(out)
        else:
            proba = np.clip(out, 0.0, None)
            empty = proba.sum(axis=1) == 0
            proba[empty] = 1.0  # no positive score: no preference
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        out = self._outputs(self._validate(X))
        return self.classes_[out.argmax(axis=1)]

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return [
            {"n_centers": 10},
            {
                "n_centers": 10,
                "centers": "kmeans_per_class",
                "training": "end_to_end",
                "max_epochs": 2,
                "kernel": "multiquadric",
                "lr_schedule": "cosine",
            },
        ]


def _fill_docs(cls, per_class, centers_options, target, loss, schedule):
    rbf = RBF_PARAMETERS_DOC.format(
        centers_options=centers_options, per_class=per_class, target=target, loss=loss
    )
    cls.__doc__ = cls.__doc__.format(
        rbf=rbf,
        training=training_parameters_doc(lr=0.005, max_epochs=30).replace(
            "1 shows a progress bar and a per-epoch table.",
            "1 shows a progress bar and a per-epoch table in\n"
            '        ``training="end_to_end"`` (the hybrid training, k-means and one\n'
            "        linear solve, has no epochs and prints nothing).",
        ),
        lr_schedule=LR_SCHEDULE_DOC.format(default=schedule)
        + "\n        Used by end-to-end training only. The defaults differ: in a\n"
        "        selection round on data the benchmarks do not report (see the user\n"
        "        guide), annealing helped the regressor on every data set and cost\n"
        "        the classifier about a point of accuracy.",
    )


_fill_docs(
    RBFNetworkRegressor, "", '{"kmeans", "random"}', "", "mean squared error", "cosine"
)
_fill_docs(
    RBFNetworkClassifier,
    ", k-means within each class with centers shared out by class size "
    '(``"kmeans_per_class"``: at least one per class, so ``n_centers_`` is '
    "the number of classes where ``n_centers`` is fewer)",
    '{"kmeans", "kmeans_per_class", "random"}',
    " on one-hot class targets",
    "cross-entropy",
    "constant",
)
