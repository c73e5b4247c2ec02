"""Siamese metric learning: an embedding transformer, a pair classifier and a
prototype (few-shot) classifier."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    clone,
)
from sklearn.exceptions import NotFittedError
from sklearn.utils import assert_all_finite, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    check_consistent_length,
    column_or_1d,
    has_fit_parameter,
    validate_data,
)
from torch import nn

from skdeep.autoencoder._modules import ACTIVATIONS, mlp
from skdeep.cnn._modules import (
    ARCHITECTURES,
    CNNModule,
    build_feature_stack,
    min_input_size,
)
from skdeep.siamese._modules import (
    DISTANCES,
    LOSSES,
    MININGS,
    EmbeddingNet,
    MetricLoss,
    PairNet,
    paired_distances,
)
from skdeep.utils._input import conv_data_shape, warn_if_channels_last
from skdeep.utils._mixins import LogProbaMixin
from skdeep.utils._sklearn import (
    HasMethods,
    Interval,
    StrOptions,
    _check_feature_names,
    _check_n_features,
    _fit_context,
    check_sample_weight,
    clone_with_params,
    external_stacklevel,
)
from skdeep.utils._torch import (
    CONV_CPU_INFERENCE_ROWS,
    as_float32_tensor,
    global_rng_kept,
    write_rows,
)
from skdeep.utils._training import (
    SAMPLE_WEIGHT_CHECKS,
    BaseTorchEstimator,
    EarlyStoppingSplit,
    store_init_params,
    training_parameters_doc,
    validate_sample_weight,
)
from skdeep.utils.validation import check_float32_range

NETWORKS = ("auto", "mlp", "cnn")
DEFAULT_MARGINS = {"triplet": 0.2, "contrastive": 1.0}

SIAMESE_PARAMETERS_DOC = """\
    embedding_size : int, default=32
        Width of the learned embedding (the output of :meth:`transform`).

    network : {{"auto", "mlp", "cnn"}} or torch.nn.Module class, default="auto"
        The embedding network. ``"mlp"``: dense layers of
        ``hidden_layer_sizes`` for rows ``(n, n_features)``. ``"cnn"``: the
        CNN family's convolutional stack (``architecture``) with global
        average pooling and a linear layer to ``embedding_size``, for series
        ``(n, C, T)``, images ``(n, C, H, W)``, or flat rows with
        ``input_shape``. ``"auto"``: ``"cnn"`` for 3-D and 4-D input and
        with ``input_shape``, ``"mlp"`` otherwise. A module class is built as
        ``network(**network_params)`` and its output is the embedding.

    network_params : dict or None, default=None
        Extra arguments of the network: for ``"mlp"`` only ``dropout``
        (others are an error); for ``"cnn"`` those of the CNN family's stack
        (``conv_channels``, ``kernel_size``, ``pooling``, ``batch_norm``,
        ``dropout``... and ``head_hidden``); for a module class, its
        constructor's arguments.

    hidden_layer_sizes : tuple of int, default=(128,)
        Hidden widths of the ``"mlp"`` network.

    activation : {{"relu", "tanh", "sigmoid", "elu", "leaky_relu", "gelu", \
"identity"}}, default="relu"
        Activation of the ``"mlp"`` network and of the CNN stack.

    architecture : {{"plain", "fcn", "resnet", "inception", "tcn"}}, \
default="plain"
        The CNN family's stack preset for ``"cnn"``.

    input_shape : tuple of int or None, default=None
        ``(C, H, W)`` or ``(C, T)`` of flat rows, read as images or series by
        the ``"cnn"`` network.

    loss : {{"triplet", "contrastive"}}, default="triplet"
        ``"triplet"``: ``max(0, d(a, p) - d(a, n) + margin)`` over mined
        triplets (Schroff et al., 2015). ``"contrastive"``: ``d^2`` for
        similar pairs and ``max(0, margin - d)^2`` for dissimilar ones
        (Hadsell et al., 2006). Training from pairs always uses the
        contrastive loss.

    margin : float or None, default=None
        The loss's margin; None is 0.2 for ``"triplet"`` and 1.0 for
        ``"contrastive"`` (with normalised embeddings, distances lie in
        [0, 2]).

    mining : {{"random", "hard", "semihard"}}, default="semihard"
        How pairs and triplets are chosen inside each batch, vectorised over
        the batch's distance matrix: all of them with random negatives
        (``"random"``), the hardest positive and negative of each anchor
        (``"hard"``, batch-hard), or the negatives just beyond the positive
        (``"semihard"``); see :func:`~skdeep.siamese._modules.triplet_loss`.

    normalize : bool, default=True
        L2-normalise the embeddings (they lie on the unit sphere).

    distance : {{"euclidean", "cosine"}}, default="euclidean"
        The distance of the loss (and of the pair classifier)."""


class _BaseSiamese(BaseTorchEstimator):
    """The embedding network, its input handling and training, shared."""

    _parameter_constraints: dict = {
        **BaseTorchEstimator._parameter_constraints,
        "embedding_size": [Interval(Integral, 1, None, closed="left")],
        "network": [StrOptions(set(NETWORKS)), type],
        "network_params": [dict, None],
        "hidden_layer_sizes": [tuple, list],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "input_shape": ["array-like", None],
        "loss": [StrOptions(set(LOSSES))],
        "margin": [Interval(Real, 0, None, closed="neither"), None],
        "mining": [StrOptions(set(MININGS))],
        "normalize": ["boolean"],
        "distance": [StrOptions(set(DISTANCES))],
    }

    # -- input -----------------------------------------------------------------

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # images and series (the CNN family's stack), and the pair
        # classifier's (n_pairs, 2, ...) pairs
        tags.input_tags.three_d_array = True
        return tags

    def _network_kind(self, X_ndim):
        if isinstance(self.network, type):
            return "custom"
        if self.network != "auto":
            return self.network
        return "cnn" if X_ndim > 2 or self.input_shape is not None else "mlp"

    def _validate_samples(self, X, *, reset, pairs=False):
        """Validate samples; return them shaped as the network reads them.

        ``pairs``: ``X`` holds the members of validated pairs, stacked: no
        column names to check (a pairs array has none: the warning that X
        lacks the fit's names came with every call).
        """
        ndim = np.ndim(X) if hasattr(X, "shape") else None
        if not reset and ndim is not None and ndim >= 2 and ndim != self.input_ndim_:
            # (before validate_data, whose feature count of another layout
            # said "X has 8 features, but ... is expecting 1")
            raise ValueError(
                f"{type(self).__name__} was fitted on {self.input_ndim_}-D input "
                f"but X is {ndim}-D with shape {np.shape(X)}."
            )
        if pairs:
            if reset:
                _check_feature_names(self, X, reset=True)  # (drops a fit's names)
            _check_n_features(self, X, reset=reset)
        else:
            X = validate_data(
                self,
                X,
                dtype=[np.float32, np.float64],
                allow_nd=True,
                reset=reset,
                ensure_min_samples=2 if reset else 1,
            )
        if reset:
            warn_if_channels_last(X, type(self).__name__)
            self.network_kind_ = self._network_kind(X.ndim)
            self.input_ndim_ = X.ndim
            if self.network_kind_ == "cnn":
                self.conv_dims_, self.sample_shape_ = conv_data_shape(
                    X, self.input_shape
                )
                # the CNN family's bound: a stack that shrank an input to
                # nothing failed in training with torch's pooling error
                with global_rng_kept(), torch.device("meta"):
                    stack = self._cnn_stack()[0]
                self.min_input_size_ = min_input_size(stack, self.conv_dims_)
            else:
                for stale in ("conv_dims_", "min_input_size_"):  # of a "cnn" fit
                    self.__dict__.pop(stale, None)
                self.sample_shape_ = tuple(X.shape[1:])
        elif X.ndim != self.input_ndim_:
            raise ValueError(
                f"{type(self).__name__} was fitted on {self.input_ndim_}-D input "
                f"but X is {X.ndim}-D with shape {X.shape}."
            )
        if self.network_kind_ == "cnn" and X.ndim == 2:
            X = X.reshape(len(X), *self.sample_shape_)
        elif X.ndim > 2 and tuple(X.shape[1:]) != tuple(self.sample_shape_):
            if self.network_kind_ != "cnn" or X.shape[1] != self.sample_shape_[0]:
                raise ValueError(
                    f"X has samples of shape {X.shape[1:]}, but "
                    f"{type(self).__name__} was fitted on {self.sample_shape_}."
                )
        if self.network_kind_ == "cnn":  # (other sizes: the global pooling)
            self._check_size(X.shape[2:])
        return X

    def _validate_pairs(self, pairs, y, *, reset):
        """``(n, 2, ...)`` pairs -> samples ``(2n, ...)``; y -> 1 similar / 0 not."""
        pairs = check_array(
            pairs,
            dtype=[np.float32, np.float64],
            allow_nd=True,
            ensure_min_samples=1,
            input_name="pairs",
            estimator=self,
        )
        if pairs.ndim < 3 or pairs.shape[1] != 2:
            raise ValueError(
                f"pairs must have shape (n_pairs, 2, ...), the two members of "
                f"each pair side by side; got an array with shape {pairs.shape}."
            )
        if not reset and pairs.ndim != self.input_ndim_ + 1:
            raise ValueError(
                f"{type(self).__name__} was fitted on {self.input_ndim_}-D "
                f"samples, so pairs must be {self.input_ndim_ + 1}-D, (n_pairs, "
                f"2, ...); got an array with shape {pairs.shape}."
            )
        n = len(pairs)
        samples = self._validate_samples(
            pairs.reshape(2 * n, *pairs.shape[2:]), reset=reset, pairs=True
        )
        if y is None:
            return samples, None
        y = column_or_1d(y, warn=True)
        assert_all_finite(y, input_name="y")  # (NaN: not a sorting TypeError)
        # (object labels, read as "unknown": refused as by every classifier,
        # else fit took them and score failed in the metrics)
        check_classification_targets(y)
        if len(y) != n:
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{n}, {len(y)}]"
            )
        values = set(np.unique(y).tolist())
        if not (values <= {-1, 1} or values <= {0, 1}):
            raise ValueError(
                f"Pair labels must be in {{-1, 1}} or {{0, 1}} (1: similar); got "
                f"{sorted(values)}."
            )
        if reset and len(values) < 2:
            # (one kind of pair teaches nothing: similar pairs only collapse
            # every embedding onto one point, a threshold needs both kinds)
            raise ValueError(
                f"y holds only one class of pair ({sorted(values)[0]}); fitting "
                f"needs similar and dissimilar pairs (1 and 0, or 1 and -1)."
            )
        return samples, (y == 1).astype(np.int64)

    # -- the network -----------------------------------------------------------

    def _record_metric(self):
        # the distance and margin the network was trained with: inference
        # (pair distances, the pair classifier's threshold and probability
        # scale) reads these, not parameters set anew since fit
        self._fitted_distance, self._fitted_margin = self.distance, self._margin()

    def _check_one_dimension(self):
        """Refuse a one-number embedding that normalisation or the cosine
        distance reduce to its sign: every row was embedded as -1 or +1."""
        if self.embedding_size != 1:
            return
        culprits = [text for text, bad in (
            ("normalize=True", self.normalize),
            ("distance='cosine'", self.distance == "cosine"),
        ) if bad]
        if culprits:
            raise ValueError(
                f"{type(self).__name__}: with embedding_size=1, "
                f"{' and '.join(culprits)} reduce{'s' * (len(culprits) == 1)} "
                f"each row's embedding to its sign (every row becomes -1 or "
                f"+1). Use embedding_size >= 2, or normalize=False with "
                f"distance='euclidean'."
            )

    def _check_batch_holds_a_triplet(self):
        """Refuse batches too small to hold what the loss is mined from:
        every epoch's loss was 0 and fit returned the untrained network."""
        smallest, what = ((3, "a triplet (two rows of one class and one of "
                           "another)") if self.loss == "triplet"
                          else (2, "a pair"))
        if self.batch_size < smallest:
            raise ValueError(
                f"{type(self).__name__}(loss={self.loss!r}) mines its training "
                f"{'triplets' if smallest == 3 else 'pairs'} inside each "
                f"mini-batch, and a batch of batch_size={self.batch_size} rows "
                f"cannot hold {what}: nothing would be learned. Use batch_size "
                f">= {smallest} (larger batches give more of them)."
            )

    def _margin(self):
        loss = "contrastive" if getattr(self, "fitted_on_pairs_", False) else self.loss
        return DEFAULT_MARGINS[loss] if self.margin is None else float(self.margin)

    def _body(self):
        params = dict(self.network_params or {})
        kind = self.network_kind_
        if kind == "custom":
            return self.network(**params)
        if kind == "mlp":
            unknown = sorted(set(params) - {"dropout"})
            if unknown:
                raise ValueError(
                    f"network_params {unknown} do not apply to the 'mlp' network, "
                    f"which reads only 'dropout' (use hidden_layer_sizes and "
                    f"activation; for images or series pass 3-D/4-D X or "
                    f"input_shape, or network='cnn')."
                )
            sizes = (
                int(np.prod(self.sample_shape_)),
                *self.hidden_layer_sizes,
                self.embedding_size,
            )
            return nn.Sequential(
                nn.Flatten(),
                mlp(sizes, self.activation, dropout=params.get("dropout", 0.0)),
            )
        stack, head_hidden = self._cnn_stack()
        return CNNModule(
            stack,
            self.embedding_size,
            head_hidden=head_hidden,
            activation=self.activation,
        )

    def _cnn_stack(self):
        """The "cnn" network's feature stack (the CNN family's) and its
        ``head_hidden`` sizes, from ``network_params``."""
        params = dict(self.network_params or {})
        head_hidden = tuple(params.pop("head_hidden", ()))
        # (an unknown key surfaced as build_feature_stack's TypeError)
        known = set(inspect.signature(build_feature_stack).parameters) - {
            "architecture", "n_dims", "in_channels", "activation"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(
                f"network_params {unknown} do not apply to the 'cnn' network, "
                f"which reads {sorted(known | {'head_hidden'})}."
            )
        stack = build_feature_stack(
            self.architecture,
            n_dims=self.conv_dims_,
            in_channels=self.sample_shape_[0],
            activation=self.activation,
            **params,
        )
        return stack, head_hidden

    def _check_size(self, spatial):
        smallest = getattr(self, "min_input_size_", 1)  # (models saved before it)
        if min(spatial) < smallest:
            what = "time points" if self.conv_dims_ == 1 else "pixels per side"
            raise ValueError(
                f"Samples of size {tuple(spatial)} are smaller than the "
                f"{smallest} {what} that the 'cnn' network (architecture="
                f"{self.architecture!r}, network_params={self.network_params!r}) "
                f"needs: its pooling and kernels shrink them. Use larger inputs, "
                f"or a network that shrinks them less through network_params (fewer "
                f"conv_channels, a smaller kernel_size or pool_size, as "
                f"CNNClassifier takes them)."
            )

    def _build_module(self):
        embedding = EmbeddingNet(self._body(), self.normalize)
        return PairNet(embedding) if self.fitted_on_pairs_ else embedding

    def _criterion(self):
        return MetricLoss(self.loss, self._margin(), self.mining, self.distance)

    @property
    def embedding_net_(self):
        """The trained embedding network (:class:`EmbeddingNet`)."""
        module = self.module_
        return module.embedding if isinstance(module, PairNet) else module

    def _fit_labels(self, X, y):
        self._check_one_dimension()
        self._check_batch_holds_a_triplet()
        X = self._validate_samples(X, reset=True)
        check_classification_targets(y)
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{len(X)}, {len(y)}]"
            )
        self.classes_, codes = np.unique(y, return_inverse=True)
        counts = np.bincount(codes)
        if len(counts) < 2 or counts.max() < 2:
            # no pair of one class, or none of two: the triplet loss was 0
            # at every epoch and fit returned the untrained network
            raise ValueError(
                f"{type(self).__name__} learns from pairs and triplets of rows "
                f"drawn by class: it needs two rows of one class and a row of "
                f"another; y has {len(counts)} class(es) of at most "
                f"{counts.max()} row(s) each."
            )
        self.fitted_on_pairs_ = False
        self._training_setup()
        self._record_metric()
        if self.early_stopping:
            self._check_validation_rows(codes)
        self._fit_module(
            as_float32_tensor(X),
            torch.as_tensor(codes, dtype=torch.long),
            stratified=self.early_stopping,
        )
        return self

    def _check_validation_rows(self, codes):
        """Refuse an early-stopping split whose held-out rows hold no two rows
        of one class: their pair and triplet losses are 0 at every epoch, so
        early stopping kept the first epoch's network without a word."""
        fraction = self.validation_fraction
        advice = (
            f"Raise validation_fraction (now {fraction}) or set "
            f"early_stopping=False."
        )
        # the split _fit_module makes (same fraction, seed and labels; its
        # own clear error where there are fewer held-out rows than classes)
        split = EarlyStoppingSplit(
            fraction, type(self).__name__, stratified=True, random_state=self._seed
        )
        _, valid = split(codes, y=codes)
        counts = np.bincount(codes[valid.indices], minlength=len(self.classes_))
        if not ((counts >= 2).any() and (counts > 0).sum() >= 2):
            raise ValueError(
                f"early_stopping's held-out rows ({len(valid.indices)} of "
                f"{len(codes)}) hold no two rows of one class among two or more "
                f"classes: the validation loss, built from pairs of them, would "
                f"be 0 at every epoch and early stopping would keep the first "
                f"epoch's network. {advice}"
            )

    def _fit_pairs(self, pairs, y, sample_weight=None):
        self._check_one_dimension()
        samples, similar = self._validate_pairs(pairs, y, reset=True)
        weights = validate_sample_weight(sample_weight, similar)  # one per pair
        if weights is not None:
            kept = np.unique(similar[(weights > 0).cpu().numpy()])
            if len(kept) < 2:
                # (zero weights remove pairs: one kind left collapsed the
                # embedding, as one kind in y, which is refused above)
                left = {0: "dissimilar", 1: "similar"}.get(int(kept[0]) if len(kept)
                                                           else -1, "no")
                raise ValueError(
                    f"sample_weight leaves {left} pairs only with a positive "
                    f"weight; fitting needs similar and dissimilar pairs."
                )
        self.fitted_on_pairs_ = True
        self.__dict__.pop("classes_", None)  # of an earlier fit on labels
        self._training_setup()
        self._record_metric()
        pair_tensor = as_float32_tensor(samples).reshape(
            len(similar), 2, *samples.shape[1:]
        )
        self._fit_module(
            pair_tensor,
            torch.as_tensor(similar, dtype=torch.long),
            stratified=self.early_stopping,
            sample_weight=weights,
        )
        return self

    @property
    def _cpu_inference_rows(self):
        # the CNN family's stack embeds in small calls, as a CNN predicts
        if getattr(self, "network_kind_", None) == "cnn":
            return CONV_CPU_INFERENCE_ROWS
        return None

    def _embed(self, samples):
        return self._batched(self.embedding_net_, samples, out_dtype=np.float64)

    def _pair_distances(self, pairs):
        check_is_fitted(self, "net_")
        samples, _ = self._validate_pairs(pairs, None, reset=False)
        z = torch.as_tensor(self._embed(samples))
        distance = getattr(self, "_fitted_distance", self.distance)
        return paired_distances(z[0::2], z[1::2], distance, floor=0.0).numpy()

    def pair_distance(self, pairs):
        """Distance between the members of each pair in the learned embedding.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, ...)

        Returns
        -------
        distances : ndarray of shape (n_pairs,)
        """
        return self._pair_distances(pairs)

    def pair_score(self, pairs):
        """Similarity of each pair: minus :meth:`pair_distance` (higher is
        more similar), as metric-learn's ``pair_score``."""
        return -self._pair_distances(pairs)

    def score_pairs(self, pairs):
        """Distances of pairs, metric-learn's older name for :meth:`pair_distance`."""
        return self._pair_distances(pairs)


class SiameseTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseSiamese
):
    """Learn an embedding in which examples of one class lie close together.

    A Siamese network: one embedding network, trained so that same-class
    examples are near and different-class examples far apart (triplet or
    contrastive loss, pairs and triplets mined inside each batch).
    :meth:`transform` returns the embeddings, so the canonical use is
    ``make_pipeline(SiameseTransformer(), KNeighborsClassifier())``, and the
    embedding also recognises classes never seen in training from one
    example each (see :class:`PrototypeClassifier`).

    Parameters
    ----------
{siamese}

    pairs : bool, default=False
        ``fit(pairs, y)`` on explicit pairs ``(n_pairs, 2, ...)`` with ``y``
        in {{-1, 1}} or {{0, 1}} (1: similar), the metric-learn convention,
        instead of ``fit(X, y)`` on class labels. :meth:`transform` embeds
        single samples either way.

{training}

    Attributes
    ----------
    classes_ : ndarray
        The class labels seen at fit, defined only when training from labels
        (``pairs=False``).
    fitted_on_pairs_ : bool
        Whether ``fit`` took explicit pairs (``pairs=True``), which train
        with the contrastive loss.
    network_kind_ : {{"mlp", "cnn", "custom"}}
        The embedding network built (``network``, ``"auto"`` resolved).
    input_ndim_ : int
        The dimensionality of the samples seen in ``fit``: ``X.ndim``, or
        ``X.ndim - 1`` for pairs; :meth:`transform` takes samples alike.
    sample_shape_ : tuple of int
        The shape of one sample as the network reads it.
    conv_dims_ : int
        1 (series) or 2 (images), defined only for the ``"cnn"`` network.
    min_input_size_ : int
        The fewest time points or pixels per side the ``"cnn"`` network
        takes (its pooling and kernels shrink the input), defined only for
        it; smaller samples are refused.
    embedding_net_ : torch.nn.Module
        The trained embedding network.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.
    net_ : skorch.NeuralNet
    history_ : skorch History
    loss_curve_ : list of float
        Mean training loss of each epoch.
    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.
    n_iter_ : int
        Number of epochs run.

    See Also
    --------
    SiamesePairClassifier : "Same class?" decisions on pairs.
    PrototypeClassifier : Few-shot classification in an embedding.
    sklearn.neighbors.NeighborhoodComponentsAnalysis : A linear learned metric.

    References
    ----------
    R. Hadsell, S. Chopra and Y. LeCun, "Dimensionality reduction by learning
    an invariant mapping", CVPR 2006.

    F. Schroff, D. Kalenichenko and J. Philbin, "FaceNet: a unified embedding
    for face recognition and clustering", CVPR 2015.

    A. Hermans, L. Beyer and B. Leibe, "In defense of the triplet loss for
    person re-identification", arXiv:1703.07737, 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from skdeep.siamese import SiameseTransformer
    >>> X, y = load_digits(return_X_y=True)
    >>> pipe = make_pipeline(MinMaxScaler(), SiameseTransformer(random_state=0),
    ...                      KNeighborsClassifier())
    >>> pipe.fit(X[:1000], y[:1000]).score(X[1000:], y[1000:]) > 0.9
    True
    """

    def __init__(
        self,
        *,
        embedding_size=32,
        network="auto",
        network_params=None,
        hidden_layer_sizes=(128,),
        activation="relu",
        architecture="plain",
        input_shape=None,
        loss="triplet",
        margin=None,
        mining="semihard",
        normalize=True,
        distance="euclidean",
        pairs=False,
        lr=0.001,
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
    ):
        store_init_params(self, locals())

    _parameter_constraints: dict = {
        **_BaseSiamese._parameter_constraints,
        "pairs": ["boolean"],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the embedding.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or (n_pairs, 2, ...)
            Samples (rows, series or images), or pairs with ``pairs=True``.
        y : array-like of shape (n_samples,) or (n_pairs,)
            Class labels, or pair labels in {-1, 1} / {0, 1}.

        Returns
        -------
        self : SiameseTransformer
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                f"is None."
            )
        return self._fit_pairs(X, y) if self.pairs else self._fit_labels(X, y)

    def transform(self, X):
        """Embed samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        Z : ndarray of shape (n_samples, embedding_size)
        """
        check_is_fitted(self, "net_")
        return self._embed(self._validate_samples(X, reset=False))

    @property
    def _n_features_out(self):
        # network_kind_ is set by fit: before it, AttributeError, so that
        # get_feature_names_out raises NotFittedError. The fitted network's
        # output width: a user's module sets its own, and embedding_size may
        # have changed since.
        self.network_kind_  # (the fitted check)
        sample = np.zeros((1, *self.sample_shape_), dtype=np.float32)
        return self._embed(sample).shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return [
            {"embedding_size": 4, "hidden_layer_sizes": (8,), "max_epochs": 2},
            {
                "embedding_size": 4,
                "hidden_layer_sizes": (8,),
                "max_epochs": 2,
                "loss": "contrastive",
                "mining": "hard",
                "distance": "cosine",
                "normalize": False,
            },
        ]


class SiamesePairClassifier(LogProbaMixin, ClassifierMixin, _BaseSiamese):
    """Verification: decide whether the two members of a pair are alike.

    Learns an embedding from pairs labelled similar or dissimilar (the
    contrastive loss of a Siamese network), then calls a pair similar when
    its distance is below a threshold calibrated on the training pairs (the
    distance that classifies most of them right).

    Parameters
    ----------
{siamese}

{training}

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The pair labels, ``[-1, 1]`` or ``[0, 1]`` (the second: similar).
    threshold_ : float
        Pairs closer than this are predicted similar.
    fitted_on_pairs_ : bool
        Always True: the embedding is trained on pairs.
    network_kind_ : {{"mlp", "cnn", "custom"}}
        The embedding network built (``network``, ``"auto"`` resolved).
    input_ndim_ : int
        ``X.ndim - 1``, the dimensionality of the pair members stacked as
        samples (2 for pairs of rows).
    sample_shape_ : tuple of int
        The shape of one pair member as the network reads it.
    conv_dims_ : int
        1 (series) or 2 (images), defined only for the ``"cnn"`` network.
    min_input_size_ : int
        The fewest time points or pixels per side the ``"cnn"`` network
        takes (its pooling and kernels shrink the input), defined only for
        it; smaller samples are refused.
    embedding_net_ : torch.nn.Module
    n_features_in_ : int
        ``X.shape[2]``: the features of pairs of rows, the channels of pairs
        of series or images.
    net_ : skorch.NeuralNet
    history_ : skorch History
    loss_curve_ : list of float
        Mean training loss of each epoch.
    validation_scores_ : list of float
        Validation loss of each epoch (lower is better, unlike the
        accuracy or R^2 of scikit-learn's MLP), defined only with
        ``early_stopping=True``.
    n_iter_ : int
        Number of epochs run.

    See Also
    --------
    SiameseTransformer : The embedding as a transformer.

    Notes
    -----
    ``X`` is always pairs ``(n_pairs, 2, ...)``, so scikit-learn's checks,
    which feed plain rows, mostly do not apply; see
    ``_expected_failed_checks``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.siamese import SiamesePairClassifier
    >>> rng = np.random.RandomState(0)
    >>> a = rng.randn(200, 5)
    >>> b = np.where(rng.rand(200, 1) < 0.5, a + 0.1 * rng.randn(200, 5),
    ...              rng.randn(200, 5))
    >>> y = (np.abs(a - b).mean(axis=1) < 0.5).astype(int)
    >>> pairs = np.stack([a, b], axis=1)
    >>> clf = SiamesePairClassifier(max_epochs=20, random_state=0).fit(pairs, y)
    >>> clf.score(pairs, y) > 0.9
    True
    """

    def __init__(
        self,
        *,
        embedding_size=32,
        network="auto",
        network_params=None,
        hidden_layer_sizes=(128,),
        activation="relu",
        architecture="plain",
        input_shape=None,
        margin=None,
        normalize=True,
        distance="euclidean",
        lr=0.001,
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
    ):
        store_init_params(self, locals())

    # Explicit pairs are scored with the contrastive loss; nothing is mined.
    loss, mining = "contrastive", "random"
    # skdeep's own conformance checks feed it pairs (estimator_checks._check_data).
    _takes_pairs = True
    _parameter_constraints: dict = {
        k: v
        for k, v in _BaseSiamese._parameter_constraints.items()
        if k not in ("loss", "mining")
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Learn the embedding and the threshold from labelled pairs.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2, ...)
        y : array-like of shape (n_pairs,)
            In {-1, 1} or {0, 1}; 1 means similar.
        sample_weight : array-like of shape (n_pairs,), default=None
            Non-negative weight of each pair, in the contrastive loss (the
            weighted mean over the similar pairs plus that over the
            dissimilar ones) and in the accuracy the threshold maximises. A
            zero weight removes the pair; an integer weight ``k`` acts like
            ``k`` copies of it (in expectation for the network's training).

        Returns
        -------
        self : SiamesePairClassifier
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                f"is None."
            )
        self._fit_pairs(X, y, sample_weight)
        y = np.asarray(y).ravel()
        if y.dtype == bool:  # (predicted as 0/1 before, unlike scikit-learn)
            self.classes_ = np.array([False, True])
        else:
            # in y's dtype, as np.unique(y) would give them (float labels
            # came back as int64)
            self.classes_ = np.array(
                [-1, 1] if (y == -1).any() else [0, 1],
                dtype=y.dtype if y.dtype.kind in "iuf" else None,
            )
        # (the weights in float64, as given: in training's float32 copy,
        # 1 + 1e-8 was 1, and ties went to the split classifying less weight)
        self.threshold_ = _best_threshold(
            self._pair_distances(X),
            y == 1,
            check_sample_weight(sample_weight, y, dtype=np.float64),
        )
        return self

    def decision_function(self, X):
        """``threshold_ - distance``: positive for pairs predicted similar.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2, ...)

        Returns
        -------
        scores : ndarray of shape (n_pairs,)
        """
        distances = self._pair_distances(X)  # first: it raises NotFittedError
        return self.threshold_ - distances

    def predict(self, X):
        """``classes_[1]`` (similar) or ``classes_[0]`` for each pair.

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2, ...)

        Returns
        -------
        y_pred : ndarray of shape (n_pairs,)
            Similar where the pair's distance is below ``threshold_``.
        """
        similar = self.decision_function(X) > 0
        return self.classes_[similar.astype(int)]

    def predict_proba(self, X):
        """Probabilities ``[dissimilar, similar]``: a logistic function of
        ``decision_function`` scaled by the margin (not calibrated).

        Parameters
        ----------
        X : array-like of shape (n_pairs, 2, ...)

        Returns
        -------
        proba : ndarray of shape (n_pairs, 2)
            In the order of ``classes_``.
        """
        margin = getattr(self, "_fitted_margin", None) or self._margin()
        exponent = -self.decision_function(X) * 10.0 / margin
        with np.errstate(over="ignore"):  # (exp overflows to inf: p is 0)
            p = 1.0 / (1.0 + np.exp(exponent))
        return np.column_stack([1.0 - p, p])

    def _expected_failed_checks(self):
        reason = (
            "X is pairs (n_pairs, 2, ...) and y is pair labels in {-1, 1} or "
            "{0, 1}; scikit-learn's check feeds plain rows or multiclass labels"
        )
        return {name: reason for name in _PAIR_XFAILS}

    @classmethod
    def get_test_params(cls):
        """Small, fast parameter sets for the conformance tests."""
        return {"embedding_size": 4, "hidden_layer_sizes": (8,), "max_epochs": 2}


def _best_threshold(distances, similar, sample_weight=None):
    """The distance threshold that classifies the most pairs (the largest
    weight of pairs) right."""
    if sample_weight is None:
        sample_weight = np.ones(len(distances))
    else:
        # Pairs of weight zero are absent: no threshold falls next to them.
        keep = sample_weight > 0
        distances, similar = distances[keep], similar[keep]
        sample_weight = sample_weight[keep]
    order = np.argsort(distances)
    d, s, w = distances[order], similar[order].astype(int), sample_weight[order]
    # Predict similar for the first k pairs: right = similar among them plus
    # dissimilar after them.
    right = np.concatenate([[0], np.cumsum(s * w)]) + (
        ((1 - s) * w).sum() - np.concatenate([[0], np.cumsum((1 - s) * w)])
    )
    # No threshold between equal distances: pairs at one distance get one
    # prediction (a split inside a group of ties put the threshold on their
    # distance, and predict's strict d < threshold called all of them
    # dissimilar: 0.125 accuracy where all similar scored 0.875).
    right[1:-1][d[1:] == d[:-1]] = -np.inf
    k = int(np.argmax(right))
    # all dissimilar or all similar: the float next to the extreme distance
    # (offsets of 1e-9 vanished past distances of 1e7)
    if k == 0:
        return float(np.nextafter(d[0], -np.inf))
    if k == len(d):
        return float(np.nextafter(d[-1], np.inf))
    middle = float((d[k - 1] + d[k]) / 2)
    return middle if middle > d[k - 1] else float(d[k])  # (neighbouring floats)


# Scores (rows x classes) a PrototypeClassifier computes at once: 32 MB of
# float64 per block, however many rows.
_SCORE_BLOCK_ELEMENTS = 1 << 22


def _dense_rows(Z):
    """Rows of an embedding as a C-ordered float64 array (sums over a
    Fortran-ordered one, a DataFrame's values, rounded otherwise, and the
    same values gave other scores; a vectorizer's tf-idf is sparse)."""
    if sp.issparse(Z):
        return Z.toarray().astype(np.float64, copy=False)
    return np.asarray(Z, dtype=np.float64, order="C")


def _is_fitted(estimator):
    """Whether ``estimator`` is a fitted estimator (False for an unfitted
    one, for what is not an estimator, such as a class, and for one that
    needs no fit: scikit-learn's check passes those, which then were kept
    as given, shared by clones, and their parameters could not be set).

    A pipeline is fitted when each of its steps that needs a fit is (and one
    does): scikit-learn's check reads the last step alone, which passed an
    unfitted scaler followed by a Normalizer.
    """
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        fitted = [_is_fitted(step) for step in _steps(estimator) if _needs_fit(step)]
        return bool(fitted) and all(fitted)
    try:
        if not get_tags(estimator).requires_fit:
            return False
        check_is_fitted(estimator)
    except (NotFittedError, TypeError, AttributeError):
        return False
    return True


def _steps(pipeline):
    """The steps of ``pipeline`` that are estimators (not None or
    "passthrough")."""
    return [step for _, step in pipeline.steps
            if step is not None and not (isinstance(step, str)
                                         and step == "passthrough")]


def _needs_fit(estimator):
    """Whether ``estimator`` (a pipeline: one of its steps) needs a fit."""
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        return any(_needs_fit(step) for step in _steps(estimator))
    try:
        return get_tags(estimator).requires_fit
    except (TypeError, AttributeError):
        return False


def _transformer_weights(model, transformer, sample_weight):
    """The fit parameters that give ``transformer`` the sample weights: its
    own ``sample_weight`` (unless, where metadata routing is on, it asked
    not to get them), or a pipeline's (routed by the steps' requests where
    metadata routing is on, else to its last step). A transformer that
    takes none learns from every row alike, with a warning (the weights
    reached a pipeline's steps nowhere, silently)."""
    from sklearn import get_config
    from sklearn.pipeline import Pipeline
    from sklearn.utils.metadata_routing import get_routing_for_object

    routing = get_config().get("enable_metadata_routing", False)
    if has_fit_parameter(transformer, "sample_weight"):
        if routing and get_routing_for_object(transformer).fit.requests.get(
                "sample_weight") is False:
            return {}  # (set_fit_request(sample_weight=False): its own choice)
        return {"sample_weight": sample_weight}
    if isinstance(transformer, Pipeline):
        if routing:
            # only where a step asks for them: the pipeline refuses metadata
            # that none of its steps consumes (a TypeError, even where each
            # step had declined them)
            if get_routing_for_object(transformer).consumes("fit", ["sample_weight"]):
                return {"sample_weight": sample_weight}
        else:
            name, last = transformer.steps[-1]
            if last not in (None, "passthrough") and has_fit_parameter(
                    last, "sample_weight"):
                return {f"{name}__sample_weight": sample_weight}
    warnings.warn(
        f"{type(model).__name__}: the transformer's fit takes no sample_weight, "
        f"so it learns from every row alike; the weights weigh the prototypes "
        f"only.",
        UserWarning, stacklevel=external_stacklevel(),
    )
    return {}


class PrototypeClassifier(LogProbaMixin, ClassifierMixin, BaseEstimator):
    """Classify by the nearest class prototype in an embedding (few-shot).

    ``fit(X, y)`` takes the *support set*, one or a few labelled examples per
    class, embeds them with ``transformer`` and keeps each class's mean
    embedding (its prototype); :meth:`predict` gives the class of the
    nearest prototype (Snell et al., 2017). With a ``transformer`` fitted on
    other classes (a :class:`SiameseTransformer`), this recognises classes
    never seen in training from one example each.

    Parameters
    ----------
    transformer : transformer or None, default=None
        The embedding. A fitted transformer is used as it is (not refitted,
        not cloned, also when this classifier is cloned, as by
        ``cross_val_score``): the few-shot use. (A search over a parameter
        grid clones the grid's values, a fitted transformer among them into
        an unfitted one: wrap it in :class:`sklearn.frozen.FrozenEstimator`
        there.) An unfitted one is cloned and fitted on the support set.
        None uses the raw features (``X`` then of shape ``(n_samples,
        n_features)``: flatten images first). As in a
        pipeline, the transformer gets ``X`` as given and checks it (so ``X``
        may be anything it reads: a DataFrame with string columns for a
        ``ColumnTransformer``, texts for a vectorizer); its output is checked
        here (NaN, infinity; sparse output is made dense).

    metric : {"euclidean", "cosine"}, default="euclidean"
        The distance to the prototypes. Read at each call (the prototypes
        do not depend on it): set on a fitted model, it applies without a
        refit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    prototypes_ : ndarray of shape (n_classes, n_embedding)
    transformer_ : transformer or None
        The transformer used.
    n_features_in_ : int
        With a transformer, its own (or the columns of a 2-D ``X``);
        undefined when neither has one (texts).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names (and ``transformer`` is None).

    References
    ----------
    J. Snell, K. Swersky and R. Zemel, "Prototypical networks for few-shot
    learning", NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.siamese import PrototypeClassifier
    >>> X = np.array([[0.0, 0.0], [4.0, 4.0]])
    >>> PrototypeClassifier().fit(X, ["a", "b"]).predict([[1.0, 0.5], [3.0, 5.0]])
    array(['a', 'b'], dtype='<U1')
    """

    _parameter_constraints: dict = {
        "transformer": [HasMethods(["transform"]), None],
        "metric": [StrOptions({"euclidean", "cosine"})],
    }

    def __init__(self, transformer=None, metric="euclidean"):
        self.transformer = transformer
        self.metric = metric

    def __sklearn_clone__(self):
        # A fitted transformer is passed on as it is: scikit-learn's clone
        # (in cross_val_score, GridSearchCV) made it an unfitted copy, which
        # fit then trained on the small support set, silently.
        if self.transformer is None or not _is_fitted(self.transformer):
            return super().__sklearn_clone__()
        return clone_with_params(
            self, {"transformer": self.transformer,
                   "metric": clone(self.metric, safe=False)})

    def get_params(self, deep=True):
        """Get the parameters (see :meth:`sklearn.base.BaseEstimator.get_params`).

        A fitted ``transformer``'s own parameters are left out, as
        :meth:`set_params` refuses them (``set_params(**get_params())`` then
        round-trips, as with scikit-learn's ``FrozenEstimator``).

        Parameters
        ----------
        deep : bool, default=True
            Also those of an unfitted ``transformer`` and of ``metric``.

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=deep)
        if deep and self.transformer is not None and _is_fitted(self.transformer):
            params = {k: v for k, v in params.items()
                      if not k.startswith("transformer__")}
        return params

    def set_params(self, **params):
        """Set the parameters (see :meth:`sklearn.base.BaseEstimator.set_params`).

        A fitted ``transformer`` is used as it is, so its own parameters
        (``transformer__...``) cannot be set through this classifier, as
        with scikit-learn's ``FrozenEstimator``: a search over them scored
        every candidate alike and set them on the caller's transformer.

        Parameters
        ----------
        **params : dict
            Estimator parameters, and those of an unfitted ``transformer``.

        Returns
        -------
        self : PrototypeClassifier
        """
        nested = sorted(k for k in params if k.startswith("transformer__"))
        transformer = params.get("transformer", self.transformer)
        if nested and transformer is not None and _is_fitted(transformer):
            raise ValueError(
                f"Cannot set {nested} of a fitted transformer: "
                f"{type(self).__name__} uses it as it is (never refitted), and "
                f"it is the caller's own object. Search an unfitted transformer's "
                f"parameters (it is then fitted on each support set), or set them "
                f"on the transformer and refit it."
            )
        return super().set_params(**params)

    def _embed(self, X, dense=True):
        """``X``'s embedding as a float64 array, checked (NaN, inf, float32's
        range) where a transformer made it. ``dense=False``: as it comes (a
        transformer's sparse output, float32 input), for :func:`_dense_rows`
        to convert block by block."""
        if self.transformer_ is None:
            Z = X
        else:
            Z = check_array(self.transformer_.transform(X), accept_sparse="csr",
                            dtype=(np.float64, np.float32),
                            input_name="the transformer's output")
            check_float32_range(Z, input_name="the transformer's output",
                                estimator=self)
        return _dense_rows(Z) if dense else Z

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Keep the mean embedding of each class of the support set.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The support set: one or more examples per class.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each example: the prototypes are weighted
            means, so a zero weight removes the example (a class whose
            examples all weigh zero is not in ``classes_``) and an integer
            weight ``k`` acts exactly like ``k`` copies. An unfitted
            ``transformer`` is fitted with the weights when its ``fit``
            takes ``sample_weight`` (a pipeline: its last step's, or the
            steps that request them where metadata routing is on), else
            without them, with a warning.

        Returns
        -------
        self : PrototypeClassifier
        """
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
        transformer = self.transformer
        if transformer is None:
            # (floats: a list holding None stayed an object array, passed
            # the NaN check, and became a NaN prototype in the cast)
            X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
            check_float32_range(X, estimator=self)
        else:
            # As in a pipeline, the transformer gets X as given and checks
            # it (a DataFrame of strings for a ColumnTransformer, a list of
            # texts for a vectorizer); its output is checked below.
            check_consistent_length(X, y)
            y = column_or_1d(y, warn=True)
            check_array(y, ensure_2d=False, dtype=None, input_name="y")  # NaN, inf
        if transformer is not None and not _is_fitted(transformer):
            fit_params = (_transformer_weights(self, transformer, sample_weight)
                          if sample_weight is not None else {})
            transformer = clone(transformer).fit(X, y, **fit_params)
        self.transformer_ = transformer
        check_classification_targets(y)
        Z = self._embed(X)
        if transformer is not None:
            self.__dict__.pop("feature_names_in_", None)  # of an earlier fit
            width = getattr(transformer, "n_features_in_", None)
            if width is None and getattr(X, "ndim", None) == 2:
                width = X.shape[1]
            if width is None:
                self.__dict__.pop("n_features_in_", None)
            else:
                self.n_features_in_ = int(width)
        if sample_weight is not None:
            keep = sample_weight > 0  # as if the rows of weight zero were removed
            Z, y, sample_weight = Z[keep], np.asarray(y)[keep], sample_weight[keep]
        self.classes_, codes = np.unique(y, return_inverse=True)
        # each class's rows, in their order, as one slice of the sorted rows
        # (a mask of all rows per class cost n_samples x n_classes)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(self.classes_) + 1))
        Z = Z[order]
        w = None if sample_weight is None else sample_weight[order]
        self.prototypes_ = np.vstack(
            [
                np.average(Z[a:b], axis=0, weights=None if w is None else w[a:b])
                for a, b in zip(bounds[:-1], bounds[1:])
            ]
        )
        return self

    def decision_function(self, X):
        """Minus the (squared Euclidean or cosine) distance to each prototype.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,) for
            two classes (the second class's score minus the first's).
        """
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def _scores(self, X, reduce=None):
        """Minus the distances to the prototypes, ``(n_samples, n_classes)``,
        or ``reduce`` of them, computed in blocks of rows: ``predict`` of 1e5
        rows among 500 classes held two full float64 matrices (780 MB for an
        answer of 0.8 MB)."""
        check_is_fitted(self)
        if self.transformer_ is None:
            X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
            check_float32_range(X, estimator=self)
        Z = self._embed(X, dense=False)  # (a transformer checks X, see fit)
        P = self.prototypes_
        if self.metric == "cosine":
            P = P / np.maximum(np.linalg.norm(P, axis=1, keepdims=True), 1e-12)
        else:
            # about the prototypes' centre: the same distances, but the
            # expanded square keeps its precision under a large common
            # offset (at 1e8 every score rounded to one value, and
            # separable classes were predicted at chance)
            centre = P.mean(axis=0)
            P = P - centre
            squared = (P**2).sum(1)[None]
        reduce = (lambda s: s) if reduce is None else reduce

        def block_scores(start):
            block = _dense_rows(Z[start : start + rows])
            if self.metric == "cosine":
                norms = np.linalg.norm(block, axis=1, keepdims=True)
                return reduce((block / np.maximum(norms, 1e-12)) @ P.T - 1.0)
            block = block - centre
            scores = block @ P.T
            scores *= -2.0
            scores += (block**2).sum(1)[:, None]
            scores += squared
            np.maximum(scores, 0.0, out=scores)
            np.negative(scores, out=scores)
            return reduce(scores)

        # (blocks of both the scores and the float64 embedding rows: a wide
        # or sparse embedding was converted whole, 3x its dense size)
        rows = max(1, _SCORE_BLOCK_ELEMENTS // max(1, len(P), Z.shape[1]))
        n = Z.shape[0]
        if n <= rows:
            return block_scores(0)
        return write_rows(((start, block_scores(start))
                           for start in range(0, n, rows)), n)

    def predict_proba(self, X):
        """Softmax over the classes of minus the distances to the prototypes.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples as ``fit`` took them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        def softmax(s):
            s = np.exp(s - s.max(axis=1, keepdims=True))
            return s / s.sum(axis=1, keepdims=True)

        return self._scores(X, softmax)

    def predict(self, X):
        """The class of the nearest prototype.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples as ``fit`` took them.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        nearest = self._scores(X, lambda s: s.argmax(axis=1))  # (checks fitted)
        return self.classes_[nearest]

    def _expected_failed_checks(self):
        if self.transformer is None:
            return {}
        return {
            "check_io_roundtrip": (
                "skdeep.io stores parameters as JSON; a transformer object "
                "parameter needs pickle or joblib"
            )
        }

    @classmethod
    def get_test_params(cls):
        """Parameter sets for the conformance tests (no transformer, and an
        unfitted one that is fitted on the support set)."""
        from sklearn.preprocessing import StandardScaler

        return [{}, {"transformer": StandardScaler(), "metric": "cosine"}]


# scikit-learn's checks that feed plain rows (n_samples, n_features) or
# multiclass labels: a pair classifier refuses both. The pair-specific
# behaviour is tested in tests/siamese, and skdeep's own checks (seeding,
# global RNG, io round trip) run on pairs.
_PAIR_XFAILS = (
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_classifier_data_not_an_array",
    "check_classifiers_one_label",
    "check_classifiers_classes",
    "check_classifiers_train",
    "check_classifiers_regression_target",
    "check_supervised_y_2d",
    "check_decision_proba_consistency",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
    # the sample_weight checks fit on plain rows too (pair weights are tested
    # in tests/utils/test_sample_weight.py)
    *SAMPLE_WEIGHT_CHECKS,
)


_PAIR_MARGIN_DOC = """\
    margin : float or None, default=None
        The contrastive loss's margin: dissimilar pairs closer than it are
        pushed apart. None is 1.0 (with normalised embeddings, distances lie
        in [0, 2]).

"""


def _fill_docs():
    siamese = SIAMESE_PARAMETERS_DOC.format()
    training = training_parameters_doc(lr=0.001, max_epochs=30)
    SiameseTransformer.__doc__ = SiameseTransformer.__doc__.format(
        siamese=siamese, training=training
    )
    # The pair classifier has no loss or mining: pairs take the contrastive
    # loss, whose margin it keeps.
    start, end = siamese.index("    loss : "), siamese.index("    normalize : ")
    pair_doc = siamese[:start] + _PAIR_MARGIN_DOC + siamese[end:]
    SiamesePairClassifier.__doc__ = SiamesePairClassifier.__doc__.format(
        siamese=pair_doc, training=training
    )


_fill_docs()
__all__ = ["PrototypeClassifier", "SiamesePairClassifier", "SiameseTransformer"]
