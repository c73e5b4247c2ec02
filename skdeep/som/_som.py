"""Self-organizing maps (Kohonen maps) as a scikit-learn clusterer and transformer."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import functools
import inspect
import math
import threading
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from skdeep.som._grid import (
    DECAY_SCHEDULES,
    NEIGHBORHOODS,
    NON_NEGATIVE,
    check_schedule,
    neighbour_pairs,
    node_positions,
    quarter_squared_distances,
    schedule_value,
)
from skdeep.utils._lazy import LazyRows, check_lazy_array, column_sums, is_lazy_input
from skdeep.utils._sklearn import (
    Interval,
    StrOptions,
    _check_feature_names,
    _check_n_features,
    _fit_context,
    validate_parameter_constraints,
)
from skdeep.utils._torch import (
    as_float32_tensor,
    derive_seed,
    resolve_device,
    seeded,
    torch_threads,
    write_rows,
)
from skdeep.utils._training import keep_finished_epochs, raise_if_non_finite
from skdeep.utils.validation import (
    check_float32_range,
    distance_offset,
    subtract_offset,
)

# Largest distance block (rows x nodes) computed at once: 4M floats, 16 MB.
_BLOCK_ELEMENTS = 1 << 22
# Block (rows x nodes) of scores that BMU searches compute at once: 1 MiB of
# float32 stays in the L2 cache between the product and the minimum over the
# nodes (1.3-1.5 times as fast as 16 MB blocks on maps of 200 nodes or more).
_CACHE_BLOCK_ELEMENTS = 1 << 18
# Devices where index_add_ is deterministic; elsewhere (CUDA) per-node sums
# use a one-hot matrix product instead.
_INDEX_ADD_DEVICES = {"cpu"}
# Online batches larger than this many times the map are grouped by BMU.
_GROUP_BY_BMU_RATIO = 1.0
# Grouped online steps take the pull, the weights and the log of the kept
# share from one product with [A; log(1 - A)] where its wasted half
# (n_nodes^2 x n_features flops) costs less than a second small op.
_ONE_PRODUCT_FLOPS = 1 << 17
# Largest node tables of one epoch (n_batches x n_nodes x 2 n_nodes floats,
# 2 MiB) gathered at once; larger ones are gathered batch by batch.
_NODE_TABLE_ELEMENTS = 1 << 19
# Largest share of the way one sample's online step moves a node; below 1 so
# that log(1 - a) stays finite.
_MAX_STEP = 1.0 - 1e-6
# batch_size="auto" splits every epoch into this many mini-batches: enough
# updates for a good map in 1-3 epochs, few enough that the per-update
# n_nodes x n_nodes kernel work stays small (benchmarks/som.py).
_AUTO_BATCHES = 16
# sigma=None starts at this share of the map's longer side (at least 1): the
# PCA initialization is already ordered, so a wide first radius mostly wastes
# updates (benchmarks/som.py).
_AUTO_SIGMA_SHARE = 1.0 / 8.0
# The parameters that shape the map: fixed by the first (partial_)fit call.
_MAP_PARAMETERS = ("n_rows", "n_columns", "map_size", "topology", "toroidal")
# Fit attributes of the training rows' final labelling, deferred until read
# for inputs of up to _DEFERRED_LABELS_ELEMENTS values (a 16 MiB copy at most).
_LABEL_ATTRIBUTES = ("labels_", "quantization_error_", "topographic_error_")
# Held while deferred labels are computed: a thread reading labels_ while
# another computes them waits for them instead of finding none.
_labelling = threading.RLock()
_DEFERRED_LABELS_ELEMENTS = 1 << 22
# Above this many features, the PCA initialization finds its two components
# by block Krylov iteration on the data instead of forming the covariance
# matrix and decomposing it whole (on 784 features that took 3/4 of a 1-epoch
# fit).
_PCA_ITERATIVE_FEATURES = 256
# Row blocks of the PCA initialization's covariance (float32 products).
_PCA_BLOCK_ROWS = 8192
# Extra directions of each Krylov block (faster convergence of the two
# wanted ones) and its stopping rule (residual / largest variance; a
# starting plane needs no more: on Fashion-MNIST the components then agree
# with the exact ones to a cosine of 1 - 1e-8).
_PCA_OVERSAMPLE = 6
_PCA_TOL = 1e-4
# Rows of the evenly spaced sample whose leading directions start the
# iteration on many rows, and the sample's (looser) stopping rule.
_PCA_START_ROWS = 1024
_PCA_START_TOL = 1e-1
# Row blocks of the iteration's passes (elements).
_PCA_PASS_ELEMENTS = 1 << 20


class SOMClusterer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator
):
    """Self-organizing map: prototypes on a 2-D grid that keep the data's topology.

    Each node of an ``n_rows`` x ``n_columns`` grid holds a prototype (a point
    in feature space). Training pulls each sample's best-matching unit (BMU,
    the nearest prototype) and, more weakly, its grid neighbours towards the
    sample, with a neighbourhood radius ``sigma`` that shrinks over the
    epochs. The result is a clustering with as many clusters as nodes, in
    which neighbouring nodes hold similar prototypes: a map of the data that
    can be drawn (U-matrix, hit map, component planes; see
    :mod:`skdeep.som` ``plot_*`` functions).

    The estimator follows :class:`~sklearn.cluster.KMeans`: ``predict`` gives
    the BMU index (the cluster label), ``transform`` the distances to every
    node, ``cluster_centers_`` the prototypes, and ``score`` the negative
    quantization error, so the map can be tuned by
    :class:`~sklearn.model_selection.GridSearchCV`. ``score_samples`` (the
    negative distance to the BMU) makes it an anomaly detector.

    Training is vectorized torch on the CPU or a GPU (``device``): the online
    algorithm (the default) updates the map after each of 16 mini-batches per
    epoch, the batch algorithm once per epoch from one pass of matrix
    products; distances are computed in blocks, so memory stays bounded for
    any number of samples. The default schedule (a short radius from the
    ordered PCA start, shrinking to 0.3) reaches MiniSom's quantization error
    at equal epochs (2-3% lower on held-out data from one epoch on), and a
    fit is 22-77 times faster than MiniSom's on held-out sets from three
    epochs on, 15-66 times in one epoch, even as the first fit of its
    configuration (see Notes). Training computes in float32; data far from
    the origin compared with their spread (coordinates around 48 degrees
    that differ by 0.01, a 1e6 offset) are trained on shifted by their mean
    (subtracted in float64), so the map does not depend on where the data
    sit. Standardized data train as they are.

    Parameters
    ----------
    n_rows : int, default=10
        Number of rows of the map.

    n_columns : int, default=10
        Number of columns of the map (nodes per row).

    map_size : {"auto"} or None, default=None
        ``"auto"`` overrides ``n_rows`` and ``n_columns`` with
        ``5 * sqrt(n_samples)`` nodes (a variant of the SOM Toolbox's
        ``5 * n_samples ** 0.54321``, which gives larger maps: 214 nodes for
        1,000 rows where ``"auto"`` gives 156), with a side ratio equal to
        the square root of the ratio of the two largest principal variances
        (in lengths: hexagonal rows are sqrt(3)/2 apart, so such maps get
        more rows). The chosen size is in ``n_rows_`` and
        ``n_columns_``.

    topology : {"rectangular", "hexagonal"}, default="rectangular"
        Node lattice. Rectangular nodes have four neighbours at distance 1;
        hexagonal nodes (odd rows shifted by half a cell) have six.

    toroidal : bool, default=False
        Glue opposite edges of the map, so that every node has the same
        number of neighbours. A hexagonal toroidal map needs an even
        ``n_rows``.

    neighborhood : {"gaussian", "bubble", "mexican_hat"}, default="gaussian"
        Neighbourhood kernel ``h(d)`` of the grid distance ``d`` to the BMU:
        ``exp(-d^2 / (2 sigma^2))``; 1 within ``sigma`` and 0 outside; or the
        Mexican hat ``(1 - d^2 / sigma^2) exp(-d^2 / (2 sigma^2))``, whose
        negative ring pushes nodes beyond ``sigma`` away; with it, prototypes
        are kept inside the training data's bounding box (without that limit
        they can run off to infinity). It rarely lowers the quantization
        error; use a ``sigma_final`` above 1 so that direct neighbours still
        attract.

    sigma : float or None, default=None
        Initial neighbourhood radius, in grid units. ``None`` uses an eighth
        of the map's longer side (at least 1): the PCA initialization is
        already ordered, and a wide first radius spends the first updates
        pulling every prototype towards the data mean. Use a quarter of the
        side or more with ``initialization="random"`` or ``"sample"``, which
        start unordered.

    sigma_final : float, default=0.3
        Radius at the end of training (schedules other than "asymptotic" and
        "constant" end there). At 0.3 the last updates hardly move a node's
        neighbours (``h(1) = 0.004``), so the prototypes end near a k-means
        solution (low quantization error); a radius of 1 or more keeps the
        map smoother (lower topographic error).

    sigma_decay : {"linear", "exponential", "inverse", "asymptotic", \
"constant"} or callable, default="inverse"
        How the radius shrinks from ``sigma`` to ``sigma_final``. A callable
        is called as ``schedule(start, end, progress)`` with ``progress``
        going from 0 to 1, and must be picklable: a module-level function or
        an instance of a module-level class (lambdas are refused).
        "asymptotic" is MiniSom's ``start / (1 + 2 progress)``; "inverse"
        (``start / (1 + progress (start / end - 1))``) shrinks fast at first
        and spends most updates at small radii.

    learning_rate : float, default=0.5
        Initial step size of the online algorithm (``training="online"``); the
        batch algorithm has no step size and ignores it.

    learning_rate_final : float, default=0.05
        Step size at the end of online training.

    learning_rate_decay : {"linear", "exponential", "inverse", "asymptotic", \
"constant"} or callable, default="linear"
        How the step size goes from ``learning_rate`` to
        ``learning_rate_final``; same conventions as ``sigma_decay``.

    training : {"online", "batch"}, default="online"
        "online" shuffles the samples and moves the prototypes after each
        mini-batch of ``batch_size`` samples: each node moves towards the
        neighbourhood-weighted mean of the batch by
        ``1 - prod(1 - learning_rate * h_i)``, the share that the same
        samples taken one at a time would move it (with ``batch_size=1`` this
        is the classic online rule). "batch" sets, once per epoch, every
        prototype to the neighbourhood-weighted mean of all samples:
        deterministic given the initialization, and a little faster per
        epoch, but with one update per epoch it needs 10 or more epochs for a
        quantization error that online training reaches in one or two.

    max_epochs : int, default=10
        Number of passes over the training data.

    batch_size : int or "auto", default="auto"
        Mini-batch size of the online algorithm. "auto" splits every epoch
        (every ``partial_fit`` chunk) into mini-batches of
        ``ceil(n_samples / 16)`` samples: 16 updates per epoch from 226
        samples on (fewer below, down to 9: 17 samples make 9 batches of
        at most 2), while the per-update work on the ``n_nodes x n_nodes``
        neighbourhood stays small next to the distance computations. Batch
        training and inference use blocks sized to the map (about 4 million
        distances per block). On a memory map or Dask array, "auto" batches
        are at most one read block (16 MiB), so memory stays bounded.

    initialization : {"pca", "random", "sample"}, default="pca"
        Initial prototypes: a plane spanned by the first two principal
        components (the longer map side along the first), uniform draws in
        the data's bounding box, or randomly chosen training samples.

    device : str or torch.device, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA if present;
        opt-in because results then depend on the machine).

    random_state : int, RandomState instance or None, default=None
        Seeds the random initializations and the online shuffling. An int
        gives identical maps on repeated fits (on the CPU), without touching
        the global torch or numpy RNG. Batch training from the PCA
        initialization uses no randomness at all.

    verbose : int, default=0
        0 is silent; 1 or more shows a progress bar over the epochs with the
        quantization error.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_nodes, n_features)
        Prototypes of the nodes, in row-major order: node ``i`` is at row
        ``i // n_columns_`` and column ``i % n_columns_``.

    cluster_centers_grid_ : ndarray of shape (n_rows_, n_columns_, n_features)
        The same prototypes laid out as the map (a view).

    labels_ : ndarray of shape (n_samples,)
        BMU index of each training sample. For inputs of up to 4 million
        values, this and the two errors below are computed when first read
        (or when the map is pickled or saved): ``fit`` keeps the training
        rows (a copy if they are the caller's float32 array) until then.

    quantization_error_ : float
        Mean Euclidean distance from the training samples to their BMU.

    topographic_error_ : float
        Share of training samples whose first and second BMUs are not
        neighbours on the map (grid distance 1); NaN for a one-node map.

    quantization_error_curve_ : list of float
        Mean distance to the BMU during each epoch (measured before that
        epoch's update for batch training, on the fly for online training).

    n_rows_, n_columns_ : int
        Map size used (differs from the parameters when ``map_size="auto"``).

    node_positions_ : ndarray of shape (n_nodes, 2)
        Planar ``(x, y)`` coordinates of the nodes, for plotting.

    sigma_ : float
        Initial radius used (resolves ``sigma=None``).

    n_iter_ : int
        Number of epochs run.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, defined only when ``X`` has
        string column names.

    See Also
    --------
    sklearn.cluster.KMeans : Prototypes without a map (the ``sigma -> 0``
        limit of batch training).
    sklearn.cluster.MiniBatchKMeans : Mini-batch prototype learning.

    Notes
    -----
    Batch training (Kohonen's batch map) computes, per epoch, every sample's
    BMU ``b(i)``, the per-node sums ``S`` and counts ``N`` of the samples
    they win, and sets ``W = (H @ S) / (H @ N)`` with ``H`` the node-by-node
    kernel at the epoch's radius. (The Mexican hat's negative values can
    make ``H @ N`` negative, where that mean means nothing: each node moves
    instead by ``(H @ S - (H @ N) W) / (|H| @ N)``, the same formula for a
    non-negative kernel, within the data's bounding box.) Each epoch costs one
    ``n_samples x n_nodes x n_features`` product, plus ``n_nodes^2`` memory
    for ``H``. Nodes with (almost) no kernel-weighted data keep their
    prototype. Online training does the same distance work per epoch, plus,
    per mini-batch, products with the ``n_nodes x n_nodes`` step matrix,
    gathered from the kernel's values at the few distinct grid distances.

    The defaults were chosen on a selection set of data shapes (generated
    mixtures, a uniform cube, a swiss roll, seven small real sets) against
    MiniSom at its defaults with the same number of epochs, and then
    checked on held-out data (``benchmarks/som.py``, results in
    ``benchmarks/results/som.md``). Kohonen's batch map with the earlier
    defaults (radius from a quarter of the map down to 0.5, one update per
    epoch) needed many epochs: its quantization error was 2.1 times
    MiniSom's after 1 epoch and 1.3 times after 3 on the selection set.
    Three causes: one update per epoch; a wide first radius, which pulls the
    already ordered PCA start towards the data mean; and a final radius of
    0.5, whose neighbours still pull (``h(1) = 0.14``). The default schedule
    fixes all three: 16 mini-batch updates per epoch, a radius from an
    eighth of the map's side shrinking "inverse"-ly to 0.3, and a step size
    from 0.5 to 0.05. The price is a higher topographic error than the batch
    map's (still below MiniSom's at its defaults on most sets); for smoother
    maps raise ``sigma_final`` or ``sigma``.

    With 16 updates per epoch, fixed costs and the number of small torch
    operations count on small data. The PCA start uses block Krylov
    iteration above 256 features (no ``d x d`` covariance). The step tables
    of all epochs come from one computation per fit, over the distinct grid
    distances only, and are kept in a small cache like the map geometry
    (both depend on the parameters only; the geometry is built in numpy).
    Each epoch gathers its shuffled rows in cache-sized copies and, on small
    maps, every batch's step matrices in one lookup. Plain float arrays skip
    scikit-learn's input conversion, and the final labelling (``labels_``
    and the two errors) of inputs of up to 4 million values waits until it
    is read. The learned map is the same, to rounding. Against MiniSom at
    its defaults on the 16 held-out sets (``benchmarks/results/som.md``,
    skdeep best of 5 fits, MiniSom best of 3, one thread), a repeated fit is
    12-98 times faster (median 42) in one epoch, 15-108 (53) at 3 epochs and
    27-104 (66) at 10, CPU time alike; the first fit of a configuration
    (every cache emptied) is 11-104 times faster (median 40) in one epoch,
    14-108 (53) at 3 and 19-105 (65) at 10. The lowest are the sets of
    1,600-5,000 rows, fits of a few milliseconds where building the geometry
    and step tables costs about 0.5 ms (reading ``labels_`` costs 0.3-1 ms
    more there).

    Scale the features first (:class:`~sklearn.preprocessing.StandardScaler`
    or :class:`~sklearn.preprocessing.MinMaxScaler`): distances mix them.

    References
    ----------
    T. Kohonen, "Essentials of the self-organizing map", Neural Networks 37
    (2013), :doi:`10.1016/j.neunet.2012.09.018`.

    J. Vesanto, J. Himberg, E. Alhoniemi, J. Parhankangas, "SOM Toolbox for
    Matlab 5", Helsinki University of Technology, Report A57 (2000).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdeep.som import SOMClusterer
    >>> X, _ = load_digits(return_X_y=True)
    >>> som = SOMClusterer(8, n_columns=6, topology="hexagonal",
    ...                    max_epochs=5, random_state=0).fit(X / 16)
    >>> som.cluster_centers_.shape, som.cluster_centers_grid_.shape
    ((48, 64), (8, 6, 64))
    >>> som.predict(X[:4] / 16).shape, som.transform(X[:4] / 16).shape
    ((4,), (4, 48))
    >>> som.u_matrix().shape
    (8, 6)
    >>> bool(som.quantization_error_ < 2.0)
    True
    """

    _parameter_constraints: dict = {
        "n_rows": [Interval(Integral, 1, None, closed="left")],
        "n_columns": [Interval(Integral, 1, None, closed="left")],
        "map_size": [StrOptions({"auto"}), None],
        "topology": [StrOptions({"rectangular", "hexagonal"})],
        "toroidal": ["boolean"],
        "neighborhood": [StrOptions(set(NEIGHBORHOODS))],
        "sigma": [Interval(Real, 0, None, closed="neither"), None],
        "sigma_final": [Interval(Real, 0, None, closed="neither")],
        "sigma_decay": [StrOptions(set(DECAY_SCHEDULES)), callable],
        "learning_rate": [Interval(Real, 0, 1, closed="right")],
        "learning_rate_final": [Interval(Real, 0, 1, closed="right")],
        "learning_rate_decay": [StrOptions(set(DECAY_SCHEDULES)), callable],
        "training": [StrOptions({"batch", "online"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "initialization": [StrOptions({"pca", "random", "sample"})],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_rows=10,
        *,
        n_columns=10,
        map_size=None,
        topology="rectangular",
        toroidal=False,
        neighborhood="gaussian",
        sigma=None,
        sigma_final=0.3,
        sigma_decay="inverse",
        learning_rate=0.5,
        learning_rate_final=0.05,
        learning_rate_decay="linear",
        training="online",
        max_epochs=10,
        batch_size="auto",
        initialization="pca",
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.n_rows = n_rows
        self.n_columns = n_columns
        self.map_size = map_size
        self.topology = topology
        self.toroidal = toroidal
        self.neighborhood = neighborhood
        self.sigma = sigma
        self.sigma_final = sigma_final
        self.sigma_decay = sigma_decay
        self.learning_rate = learning_rate
        self.learning_rate_final = learning_rate_final
        self.learning_rate_decay = learning_rate_decay
        self.training = training
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.initialization = initialization
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- fit -------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the map on ``X``.

        A :class:`numpy.memmap` or a Dask array of 64 MiB or more is not
        loaded (smaller ones are): it is validated, its mean and covariance
        (for the PCA initialization) computed, and every epoch run, in
        streaming passes over contiguous blocks, so memory stays bounded
        whatever the number of rows (see :mod:`skdeep.utils._lazy`). Batch
        training gives the map of the loaded array up to the rounding of
        the per-block sums; online training shuffles blocks, not rows.
        ``labels_`` is then not stored (it would hold one integer per row):
        call ``predict`` on the blocks you need.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; scale the features first.

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return self._train(X, partial=False)

    def fit_predict(self, X, y=None):
        """Train the map on ``X`` and return each row's BMU index.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, as for :meth:`fit`.

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            ``labels_``; after an out-of-core fit, which keeps none,
            :meth:`predict` of ``X``.
        """
        self.fit(X)
        if "labels_" in self.__dict__ or "_unlabelled" in self.__dict__:
            return self.labels_
        return self.predict(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One training pass over ``X`` (incremental, out-of-core learning).

        The first call on an unfitted map initializes it from ``X`` (as
        ``fit`` does, including ``map_size="auto"``); every call then runs
        one epoch of the chosen algorithm over ``X``. Call ``k`` (counted
        from 0 over all calls, and over the epochs of a previous ``fit``)
        plays the part of epoch ``k`` of ``max_epochs``: the radius and the
        learning rate follow their schedules over the first ``max_epochs``
        calls and then stay at ``sigma_final`` and ``learning_rate_final``
        (a fitted map so continues at its final radius). Set ``max_epochs``
        to the number of chunks you plan to pass per sweep. ``labels_``,
        ``quantization_error_`` and ``topographic_error_`` describe the last
        chunk; ``quantization_error_curve_`` and ``n_iter_`` grow by one.
        With ``neighborhood="mexican_hat"`` the bounding box grows to hold
        every chunk seen. The map's shape (``n_rows``, ``n_columns``,
        ``map_size``, ``topology``, ``toroidal``) is the first call's: one
        changed with ``set_params`` since is an error (``fit`` starts anew).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data (a memory map or Dask array is read
            lazily), with the features of the first call: two rows or more
            on the first call, then as few as one.

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The map, trained one more pass.
        """
        return self._train(X, partial=True)

    def _train(self, X, *, partial):
        first = not (partial and hasattr(self, "cluster_centers_"))
        lazy = is_lazy_input(X)
        if lazy:
            X = check_lazy_array(
                self, X, reset=first, ensure_min_samples=2 if first else 1
            )
            out_dtype = (
                np.float32 if np.dtype(X.source.dtype) == np.float32 else np.float64
            )
        else:
            X = _validate_plain_array(self, X, reset=first)
            check_float32_range(X, estimator=self)
            out_dtype = X.dtype
        sigma_schedule = check_schedule(self.sigma_decay, "sigma_decay")
        lr_schedule = check_schedule(self.learning_rate_decay, "learning_rate_decay")
        if isinstance(self.device, str) and self.device == "cpu":
            device = _CPU  # (resolve_device's checks cost 10 us)
        else:
            device = resolve_device(self.device)
        if device.type == "mps":
            raise ValueError(
                "SOMClusterer does not support device='mps' (it accumulates in "
                "float64, which MPS lacks); use 'cpu' or 'cuda'."
            )
        seed = derive_seed(self.random_state)
        if not first:
            # partial_fit call k shuffles under its own seed
            seed = (seed + self.n_iter_) % (2**31 - 1)
        if first:
            self._offset = distance_offset(X, self)
        offset = getattr(self, "_offset", None)  # (maps saved before it: none)

        if lazy:
            X_t = (X if offset is None else X.shifted(offset)).to(device)
        elif offset is not None:
            X_t = torch.from_numpy(subtract_offset(X, offset, np.float32)).to(device)
        elif X.dtype == np.float32 and X.flags.c_contiguous and X.flags.writeable:
            X_t = torch.from_numpy(X).to(device)  # nothing to convert or check
        else:
            X_t = as_float32_tensor(X, device)
        if isinstance(self.batch_size, str):  # "auto"
            batch_size = max(1, math.ceil(len(X) / _AUTO_BATCHES))
            if lazy:  # a lazy epoch holds a few batches: keep them one block
                batch_size = min(batch_size, X.block_rows())
        else:
            batch_size = int(self.batch_size)  # (a numpy integer from a grid)
        if first:
            self.__dict__.pop("_bounds", None)  # (an earlier fit's data box)
            moments = None  # the PCA moments, only where they are used
            if self.initialization == "pca" or self.map_size == "auto":
                moments = _pca_moments(X_t)
            n_rows, n_columns = self._map_shape(
                len(X), None if moments is None else moments[1]
            )
            if self.topology == "hexagonal" and self.toroidal and n_rows % 2:
                raise ValueError(
                    f"A hexagonal toroidal map needs an even number of rows, got "
                    f"n_rows={n_rows}: odd rows would not tile when wrapped."
                )
            self.n_rows_, self.n_columns_ = n_rows, n_columns
            self.node_positions_ = _node_positions(
                self.n_rows_, self.n_columns_, self.topology
            ).copy()
            self._map_parameters = self._current_map_parameters()
        else:
            self._check_map_parameters()
        # every call: a sigma set since the first partial_fit call was
        # ignored, while sigma_final and the learning rates took effect
        self.sigma_ = float(
            self.sigma
            if self.sigma is not None
            else max(1.0, max(self.n_rows_, self.n_columns_) * _AUTO_SIGMA_SHARE)
        )
        n_nodes = self.n_rows_ * self.n_columns_
        geometry = (self.n_rows_, self.n_columns_, *self._fitted_lattice())
        grid_d2, codes = _map_geometry(*geometry, self.training == "online", device)

        generator = torch.Generator().manual_seed(seed)
        with (
            seeded(seed, device),
            _few_threads_if_small(len(X) * n_nodes, device),
            torch.inference_mode(),
        ):
            if first:
                W = self._initial_weights(X_t, moments, n_nodes, generator)
            else:
                centers = self.cluster_centers_
                if offset is not None:
                    centers = centers - offset  # in float64
                # a copy: the map of a model loaded with joblib's mmap_mode
                # is read-only (training updates its own tensor either way)
                W = torch.tensor(centers, dtype=torch.float32, device=device)
            schedules = _Schedules(
                sigma_schedule,
                self.sigma_,
                self.sigma_final,
                lr_schedule,
                self.learning_rate,
                self.learning_rate_final,
            )
            train = _batch_epoch if self.training == "batch" else _online_epoch
            kernel = NEIGHBORHOODS[self.neighborhood]
            # The Mexican hat's negative ring pushes prototypes away from data
            # with no limit; keep them inside the data's bounding box.
            bounds = None
            if self.neighborhood == "mexican_hat":
                bounds = _bounding_box(X_t)
                if not first and getattr(self, "_bounds", None) is not None:
                    old = [torch.as_tensor(b, device=device) for b in self._bounds]
                    bounds = (
                        torch.minimum(bounds[0], old[0]),
                        torch.maximum(bounds[1], old[1]),
                    )
                self._bounds = tuple(b.cpu().numpy() for b in bounds)
            if partial:
                # call k is epoch k of max_epochs, then the final values hold
                # (epoch k >= max_epochs runs at progress 1: replaying the
                # last epoch re-ran its part of the schedule at every call)
                epochs = [0 if first else self.n_iter_]
                curve = [] if first else list(self.quantization_error_curve_)
            else:
                epochs = _progress(self.max_epochs, self.verbose)
                curve = []
            steps = None
            if self.training == "online" and codes is not None and not partial:
                # every epoch's step tables at once (see _StepPlan)
                steps = _fit_step_plan(
                    codes, kernel, schedules, math.ceil(len(X) / batch_size),
                    self.max_epochs, geometry,
                )
            # Ctrl-C keeps the weights and curve of the last finished epoch.
            with keep_finished_epochs(
                self, lambda: len(curve), "quantization_error_curve_"
            ):
                for epoch in epochs:
                    W, qe = train(
                        X_t,
                        W,
                        grid_d2,
                        kernel,
                        schedules,
                        epoch,
                        self.max_epochs,
                        batch_size=batch_size,
                        generator=generator,
                        bounds=bounds,
                        codes=codes,
                        **({} if steps is None else {"steps": steps.epoch(epoch)}),
                    )
                    curve.append(qe)
                    # Distances that overflow float32 (unscaled X) leave NaN here.
                    raise_if_non_finite(
                        qe, len(curve), self, "quantization error",
                        "Scale X (for example with StandardScaler) or check the data "
                        "for extreme values.",
                    )
                    if self.verbose and not partial:
                        epochs.set_postfix(quantization_error=f"{qe:.4g}")

            if lazy:
                qe_sum, hits = 0.0, 0
                neighbours = _map_neighbours(*geometry, device)
                for _, block in X_t.blocks(X_t.block_rows()):
                    _, dist, adjacent = _bmus(block, W, neighbours)
                    qe_sum += float(dist.double().sum())
                    hits += int(adjacent.sum())
        centers = W.cpu().numpy()
        if offset is not None:
            centers = centers.astype(np.float64) + offset
        self.cluster_centers_ = centers.astype(out_dtype, copy=False)
        for name in _LABEL_ATTRIBUTES:
            self.__dict__.pop(name, None)
        self.__dict__.pop("_unlabelled", None)
        if lazy:  # labels_: one per row, not kept
            self.quantization_error_ = qe_sum / len(X)
            self.topographic_error_ = (
                float(1.0 - hits / len(X)) if n_nodes > 1 else float("nan")
            )
        else:
            # The final labelling (a full distance pass, up to a sixth of a
            # small fit) waits until labels_ or one of the errors is read:
            # keep the training rows (a copy if they are the caller's array),
            # the map's tensor and its geometry (the neighbour table for the
            # topographic error is built then). Large inputs are labelled now.
            if X_t.numel() > _DEFERRED_LABELS_ELEMENTS:
                self._unlabelled = (X_t, W, geometry)
                self._label_training_rows()
            else:
                if X_t.device.type == "cpu" and np.may_share_memory(X_t.numpy(), X):
                    X_t = X_t.clone()
                if self.cluster_centers_ is centers and W.device.type == "cpu":
                    # (float32 about the origin: cluster_centers_ is W's memory,
                    # and a user's edit of it changed labels_ read later)
                    W = W.clone()
                self._unlabelled = (X_t, W, geometry)
        self.quantization_error_curve_ = curve
        self.n_iter_ = len(curve)  # max_epochs unless interrupted
        self.__dict__.pop("_fit_interrupted", None)
        return self

    def _current_map_parameters(self):
        return {name: getattr(self, name) for name in _MAP_PARAMETERS}

    def _check_map_parameters(self):
        """A continuing ``partial_fit`` trains the map of the first call: a
        parameter that shapes it, changed with ``set_params`` since, is an
        error (as a changed layer is for the networks)."""
        fitted = getattr(self, "_map_parameters", None)  # (maps saved before it)
        if fitted is None:
            return
        changed = [
            name for name, value in self._current_map_parameters().items()
            if value != fitted[name]
        ]
        if changed:
            raise ValueError(
                f"{type(self).__name__}.partial_fit continues the map of its first "
                f"call, but {', '.join(changed)} changed with set_params since "
                f"(from {', '.join(repr(fitted[n]) for n in changed)}). Call fit "
                f"to start anew, or set them back."
            )

    def _fitted_lattice(self):
        """``(topology, toroidal)`` of the fitted map (not of a later
        ``set_params``)."""
        fitted = getattr(self, "_map_parameters", None)
        if fitted is None:  # (maps saved before it was kept)
            return self.topology, self.toroidal
        return fitted["topology"], fitted["toroidal"]

    def _validate_params(self):
        # sklearn's check (get_params and the constraint objects) costs about
        # 0.1 ms, a tenth of a fit on a thousand rows. Its verdict depends on
        # the values only: parameter sets of plain numbers and strings that
        # passed once are remembered (other values are checked every time).
        names = _param_names(type(self))
        values = tuple(getattr(self, name) for name in names)
        if all(type(v) in _PLAIN_TYPES for v in values):
            _validate_plain_params(type(self), names, tuple(map(type, values)), values)
        else:
            super()._validate_params()

    def _label_training_rows(self):
        """Set ``labels_``, ``quantization_error_`` and ``topographic_error_``
        from the training rows kept by ``fit`` (no-op when already set)."""
        with _labelling:
            self._label_pending_rows()

    def _label_pending_rows(self):
        pending = self.__dict__.pop("_unlabelled", None)
        if pending is None:
            return
        X_t, W, geometry = pending
        neighbours = _map_neighbours(*geometry, X_t.device)
        with (
            _few_threads_if_small(len(X_t) * len(W), X_t.device),
            torch.inference_mode(),
        ):
            labels, dist, adjacent = _bmus(X_t, W, neighbours)
            self.labels_ = labels.cpu().numpy().astype(np.int64)
            self.quantization_error_ = float(dist.double().mean())
            if len(W) > 1:
                self.topographic_error_ = float(1.0 - int(adjacent.sum()) / len(X_t))
            else:
                self.topographic_error_ = float("nan")

    def __getattr__(self, name):
        # only reached for attributes not set: the deferred training labels,
        # which another thread may be computing (it holds the lock until set)
        if name in _LABEL_ATTRIBUTES:
            with _labelling:
                self._label_pending_rows()
                if name in self.__dict__:
                    return self.__dict__[name]
            if name == "labels_" and "quantization_error_" in self.__dict__:
                raise AttributeError(
                    f"{type(self).__name__} fitted out of core keeps no labels_ "
                    f"(one integer per row): call predict on the rows you need."
                )
        # a property of the class that raised AttributeError lands here too:
        # its own message (scikit-learn's _repr_html_, cluster_centers_grid_
        # before fit naming cluster_centers_) rather than "no attribute".
        # (The class's own MRO, not the metaclass: type's __name__ is no
        # property of an instance, and pytest asks for it.)
        for klass in type(self).__mro__:
            if name in vars(klass):
                if isinstance(vars(klass)[name], property):
                    return vars(klass)[name].__get__(self, type(self))
                break
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def __getstate__(self):
        self._label_training_rows()  # pickle the labels, not the training rows
        return super().__getstate__()

    def _before_save(self):
        # skdeep.io.save calls this before reading the fitted attributes: it
        # saves the labels, not the training rows
        self._label_training_rows()

    # -- inference -------------------------------------------------------------

    def transform(self, X):
        """Euclidean distances from each sample to every node's prototype.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, with the features seen in ``fit``.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_nodes)
            In the input's floating dtype.
        """
        X, W, device = self._inference_inputs(X)
        blocks = _blocks(X, len(W), device)
        with torch.no_grad(), _few_threads_if_small(len(X) * len(W), device):
            if device.type != "cpu":
                chunks = ((start, _distances(Xb, W)) for start, Xb in blocks)
                return write_rows(chunks, len(X), X.dtype)
            # Each block's distances are computed in place in the output:
            # no temporary and no copy (200,000 rows x 2,500 nodes: 2.2 times as
            # fast as computing blocks and copying them out)
            out = np.empty((len(X), len(W)), dtype=X.dtype)
            for start, Xb in blocks:
                _distances(Xb, W, out=torch.from_numpy(out[start : start + len(Xb)]))
            return out

    def predict(self, X):
        """Index of each sample's best-matching unit (its cluster label).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, with the features seen in ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Node indices in row-major order (``row * n_columns_ + column``).
        """
        return self._bmu_and_distance(X)[0]

    def score_samples(self, X):
        """Negative distance of each sample to its best-matching unit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, with the features seen in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher is more typical: the lowest scores are the samples the map
            represents worst, candidates for anomalies.
        """
        return -self._bmu_and_distance(X)[1]

    def score(self, X, y=None):
        """Negative quantization error on ``X`` (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, with the features seen in ``fit``.

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        score : float
            Minus the mean distance from the samples to their BMU.
        """
        return float(np.mean(self.score_samples(X)))

    def bmu_coordinates(self, X):
        """Grid position (row, column) of each sample's best-matching unit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, with the features seen in ``fit``.

        Returns
        -------
        coordinates : ndarray of shape (n_samples, 2)
            Integer ``(row, column)`` pairs.
        """
        labels = self.predict(X)
        return np.column_stack(np.divmod(labels, self.n_columns_))

    def hit_map(self, X):
        """Activation response: how many samples each node wins.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, with the features seen in ``fit``.

        Returns
        -------
        hits : ndarray of shape (n_rows_, n_columns_)
            Integer counts, summing to ``n_samples``.
        """
        labels = self.predict(X)
        counts = np.bincount(labels, minlength=self.n_rows_ * self.n_columns_)
        return counts.reshape(self.n_rows_, self.n_columns_)

    def u_matrix(self):
        """Unified distance matrix: mean distance of each prototype to its neighbours.

        High values mark cluster borders, low values cluster interiors.

        Returns
        -------
        u_matrix : ndarray of shape (n_rows_, n_columns_)
        """
        check_is_fitted(self)
        W = self.cluster_centers_.astype(np.float64)
        nodes, neighbours = neighbour_pairs(
            self.n_rows_, self.n_columns_, *self._fitted_lattice()
        )
        # each node's distances added in neighbour order, then divided: the
        # mean of each node's (at most six) distances, bit for bit
        distances = np.linalg.norm(W[neighbours] - W[nodes], axis=1)
        counts = np.bincount(nodes, minlength=len(W))
        u = np.bincount(nodes, distances, minlength=len(W)).astype(np.float64)
        np.divide(u, counts, out=u, where=counts > 0)
        return u.reshape(self.n_rows_, self.n_columns_)

    @property
    def cluster_centers_grid_(self):
        return self.cluster_centers_.reshape(self.n_rows_, self.n_columns_, -1)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast parameter sets for the conformance checks."""
        return [
            {"n_rows": 1, "n_columns": 3, "max_epochs": 5, "sigma_final": 0.3},
            {"n_rows": 2, "n_columns": 2, "topology": "hexagonal", "toroidal": True,
             "neighborhood": "bubble", "training": "online", "max_epochs": 3,
             "batch_size": 8, "initialization": "sample", "sigma": 1.0,
             "sigma_final": 0.3},
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @property
    def _n_features_out(self):
        return self.cluster_centers_.shape[0]

    # -- private ---------------------------------------------------------------

    def _inference_inputs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        check_float32_range(X, estimator=self)
        try:
            device = resolve_device(self.device)
        except ValueError:  # e.g. a GPU-trained map loaded on a CPU-only machine
            device = torch.device("cpu")
        centers = self.cluster_centers_
        offset = getattr(self, "_offset", None)
        if offset is not None:  # distances of the shifted data, as in training
            X = subtract_offset(X, offset)
            centers = centers - offset
        W = torch.as_tensor(centers.astype(X.dtype), device=device)
        return X, W, device

    def _bmu_and_distance(self, X):
        X, W, device = self._inference_inputs(X)
        blocks = _blocks(X, len(W), device)
        with torch.no_grad(), _few_threads_if_small(len(X) * len(W), device):
            chunks = ((start, _bmus(Xb, W)) for start, Xb in blocks)
            labels, dists = write_rows(chunks, len(X))
        return labels.astype(np.int64, copy=False), dists.astype(X.dtype, copy=False)

    def _map_shape(self, n_samples, variances):
        if self.map_size != "auto":
            return self.n_rows, self.n_columns
        n_nodes = max(4.0, 5.0 * math.sqrt(n_samples))
        ratio = 1.0
        if len(variances) > 1 and variances[1] > 0:
            ratio = math.sqrt(variances[0] / variances[1])
        if self.topology == "hexagonal":
            # rows are sqrt(3)/2 apart: as many more rows for the same height
            ratio *= math.sqrt(0.75)
        ratio = min(ratio, n_nodes)
        n_rows = max(1, round(math.sqrt(n_nodes / ratio)))
        n_columns = max(1, round(n_nodes / n_rows))
        if self.topology == "hexagonal" and self.toroidal and n_rows % 2:
            n_rows += 1
        return int(n_rows), int(n_columns)

    def _initial_weights(self, X, moments, n_nodes, generator):
        n_samples, n_features = X.shape
        if self.initialization == "sample":
            if n_samples >= n_nodes:
                idx = torch.randperm(n_samples, generator=generator)[:n_nodes]
            else:
                idx = torch.randint(n_samples, (n_nodes,), generator=generator)
            if isinstance(X, LazyRows):  # n_nodes rows, read one by one
                return torch.cat([X.tensor(i, i + 1) for i in idx.tolist()])
            return X[idx.to(X.device)].clone()
        if self.initialization == "random":
            low, high = _bounding_box(X)
            u = torch.rand(n_nodes, n_features, generator=generator).to(X.device)
            return low + u * (high - low)
        mean, variances, components = moments
        pos, along = _pca_plane(self.n_rows_, self.n_columns_, self.topology)
        W = mean + np.outer(pos[:, along[0]], math.sqrt(variances[0]) * components[0])
        if len(variances) > 1:
            W += np.outer(pos[:, along[1]], math.sqrt(variances[1]) * components[1])
        return torch.as_tensor(W, dtype=torch.float32, device=X.device)


_CPU = torch.device("cpu")
_node_positions = functools.lru_cache(maxsize=8)(node_positions)


@functools.lru_cache(maxsize=8)
def _pca_plane(n_rows, n_columns, topology):
    """Node coordinates centred and scaled to unit variance, and the axes in
    order of decreasing spread (the longer side of the map spans the first
    principal component); cached, they are the same for every fit."""
    pos = node_positions(n_rows, n_columns, topology)  # (a new array)
    pos -= pos.mean(0)
    scale = pos.std(0)
    pos = np.divide(pos, scale, out=np.zeros_like(pos), where=scale > 0)
    pos.flags.writeable = False
    return pos, np.argsort(-scale, kind="stable")


_PLAIN_TYPES = frozenset({type(None), bool, int, float, str})


@functools.lru_cache(maxsize=8)
def _param_names(cls):
    # sklearn's _get_param_names reads inspect.signature (30 us); a plain
    # __init__ without *args gives the same sorted names from its code
    init = cls.__init__
    code = getattr(init, "__code__", None)
    if (code is None or hasattr(init, "__wrapped__")
            or hasattr(init, "deprecated_original")
            or code.co_flags & inspect.CO_VARARGS):
        return tuple(cls._get_param_names())
    n_args = code.co_argcount + code.co_kwonlyargcount
    return tuple(sorted(code.co_varnames[1:n_args]))


@functools.lru_cache(maxsize=64)
def _validate_plain_params(cls, names, types, values):
    """sklearn's parameter check, cached for valid sets of plain values (an
    invalid set raises, and nothing is cached); ``types`` is part of the key
    because ``True == 1``."""
    validate_parameter_constraints(
        cls._parameter_constraints, dict(zip(names, values)),
        caller_name=cls.__name__,
    )


def _validate_plain_array(estimator, X, *, reset):
    """``validate_data`` for SOMClusterer's fit, with a fast road for the
    common input: a 2-D float32 or float64 ndarray of finite values (no
    conversion, no column names). sklearn's full check costs 0.1-0.2 ms,
    a tenth of a fit on a thousand rows; anything else, and every error
    message, goes through it."""
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in (np.float32, np.float64)
        and X.shape[0] >= (2 if reset else 1)
        and X.shape[1] >= 1
        and math.isfinite(X.sum())  # an overflowing sum takes the full road
    ):
        if reset:  # a plain array has no column names
            estimator.__dict__.pop("feature_names_in_", None)
        else:
            _check_feature_names(estimator, X, reset=False)
        _check_n_features(estimator, X, reset=reset)
        return X
    return validate_data(
        estimator, X, dtype=[np.float64, np.float32],
        ensure_min_samples=2 if reset else 1, reset=reset,
    )


# Maps up to this many nodes keep their geometry in a small cache: building
# it costs 0.4 ms for a 15 x 15 map and 6 ms for 25 x 25 (a tenth of a small
# fit); keeping it, about 12 bytes per node pair (12 MB for 32 x 32 nodes).
_CACHED_GEOMETRY_NODES = 1024
# Maps up to this many nodes also keep the row layout of the online steps
# (16 bytes per node pair, 2.6 MB for 20 x 20 nodes); larger maps build it
# once per epoch, where that costs little next to the epoch.
_LAYOUT_NODES = 400


def _map_geometry(n_rows, n_columns, topology, toroidal, online, device):
    """Squared grid distances (a float32 tensor) and their
    :func:`_distance_codes` with its :func:`_row_layout` (None unless
    ``online``), on ``device``; cached for small maps."""
    if n_rows * n_columns <= _CACHED_GEOMETRY_NODES:
        d2, codes = _cached_geometry(n_rows, n_columns, topology, toroidal)
    else:
        d2, codes = _build_geometry(n_rows, n_columns, topology, toroidal)
    if online and codes is not None:
        codes = tuple(c.to(device) for c in codes)
    return d2.to(device), (codes if online else None)


def _map_neighbours(n_rows, n_columns, topology, toroidal, device):
    """:func:`_build_neighbours` of the map, on ``device``; cached for small
    maps. Only the topographic error uses it: fits whose labelling is
    deferred build it when the labels are first read."""
    if n_rows * n_columns <= _CACHED_GEOMETRY_NODES:
        table = _cached_neighbours(n_rows, n_columns, topology, toroidal)
    else:
        table = _build_neighbours(n_rows, n_columns, topology, toroidal)
    return table.to(device)


def _build_geometry(n_rows, n_columns, topology, toroidal):
    # in numpy, converted once at the end: on maps of 100 nodes, each torch
    # op here costs more than its work (this runs once per fit of a new
    # configuration)
    quarter = quarter_squared_distances(n_rows, n_columns, topology, toroidal)
    d2_t = torch.from_numpy(quarter.astype(np.float32) * np.float32(0.25))  # exact
    codes, values = _renumber(quarter)  # (the lattice codes, from exact integers)
    n_nodes = len(quarter)
    if n_nodes > _LAYOUT_NODES:
        return d2_t, (torch.from_numpy(codes), torch.from_numpy(values))
    # the row layout of _row_layout; the codes themselves are the first half
    # of each row
    row_codes = torch.from_numpy(np.concatenate([codes, codes + len(values)], 1))
    return d2_t, (row_codes[:, :n_nodes], torch.from_numpy(values), row_codes)


def _build_neighbours(n_rows, n_columns, topology, toroidal):
    """Each node's grid neighbours as a ``(n_nodes, max_degree)`` long tensor,
    rows padded with the node itself."""
    n_nodes = n_rows * n_columns
    rows, cols = neighbour_pairs(n_rows, n_columns, topology, toroidal)
    degree = np.bincount(rows, minlength=n_nodes)
    table = np.repeat(np.arange(n_nodes)[:, None], max(1, degree.max()), 1)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(degree) - degree, degree)
    table[rows, slot] = cols
    return torch.from_numpy(table)


_cached_geometry = functools.lru_cache(maxsize=4)(_build_geometry)
_cached_neighbours = functools.lru_cache(maxsize=4)(_build_neighbours)


class _Schedules:
    """Radius and step size at a given training progress."""

    def __init__(self, sigma_fn, sigma0, sigma1, lr_fn, lr0, lr1):
        self.sigma_fn, self.sigma0, self.sigma1 = sigma_fn, sigma0, sigma1
        self.lr_fn, self.lr0, self.lr1 = lr_fn, lr0, lr1

    def sigma(self, progress):
        value = schedule_value(
            self.sigma_fn, self.sigma0, self.sigma1, progress, "sigma_decay"
        )
        return max(value, 1e-6)

    def learning_rate(self, progress):
        value = schedule_value(
            self.lr_fn, self.lr0, self.lr1, progress, "learning_rate_decay"
        )
        return min(value, 1.0)

    def key(self):
        """A hashable identity of the two schedules, or None for callables
        other than the built-in ones (they may hold state)."""
        builtin = DECAY_SCHEDULES.values()
        if self.sigma_fn not in builtin or self.lr_fn not in builtin:
            return None
        return (self.sigma_fn, float(self.sigma0), float(self.sigma1),
                self.lr_fn, float(self.lr0), float(self.lr1))

    def sigmas(self, plan):
        """``[self.sigma(t) for t in plan]``, vectorized where possible."""
        values = _schedule_values(self.sigma_fn, self.sigma0, self.sigma1, plan)
        if values is None:
            return [self.sigma(t) for t in plan]
        return np.maximum(values, 1e-6).tolist()

    def learning_rates(self, plan):
        """``[self.learning_rate(t) for t in plan]``, vectorized where possible."""
        values = _schedule_values(self.lr_fn, self.lr0, self.lr1, plan)
        if values is None:
            return [self.learning_rate(t) for t in plan]
        return np.minimum(values, 1.0).tolist()


# Built-in schedules made of + - * / only: on a float64 array they give, value
# for value, the Python floats of schedule_value (IEEE operations are
# correctly rounded either way), for a fraction of the per-call cost.
_ARITHMETIC_SCHEDULES = (
    DECAY_SCHEDULES["linear"],
    DECAY_SCHEDULES["inverse"],
    DECAY_SCHEDULES["asymptotic"],
    DECAY_SCHEDULES["constant"],
)


def _schedule_values(fn, start, end, plan):
    """A built-in arithmetic schedule at every progress of ``plan`` (a float64
    array), or None (then each value goes through ``schedule_value``, which
    also raises on invalid ones)."""
    if fn not in _ARITHMETIC_SCHEDULES:
        return None
    progress = np.asarray(plan, dtype=np.float64)
    values = fn(float(start), float(end), progress)
    if np.ndim(values) == 0:  # "constant"
        values = np.full(progress.shape, values, dtype=np.float64)
    if not (values.min() >= 0 and math.isfinite(values.max())):  # (NaN fails)
        return None
    return values


def _progress(n_epochs, verbose):
    if not verbose:
        return _Silent(range(n_epochs))
    from tqdm.auto import tqdm

    return tqdm(range(n_epochs), desc="SOM", unit="epoch")


class _Silent:
    def __init__(self, iterable):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def set_postfix(self, **kwargs):
        pass


@contextlib.contextmanager
def _few_threads_if_small(n_distances, device):
    """Run small CPU problems on one torch thread, restoring the setting after.

    Below about 4 million sample-node distances per pass, torch's kernels are
    too short to gain from threads, and on a busy machine every threaded
    kernel can wait a scheduler time slice for a descheduled worker (a digits
    fit measured 0.1 s on one thread and 4 s on two). scikit-learn's KMeans
    limits its BLAS threads for the same reason.
    """
    if device.type != "cpu" or n_distances > _BLOCK_ELEMENTS:
        yield
        return
    with torch_threads(1):
        yield


def _block_rows(n_nodes, elements=None):
    return max(1, (elements or _BLOCK_ELEMENTS) // max(n_nodes, 1))


def _blocks(X, n_nodes, device):
    """Yield ``(start, block)``: row blocks of a numpy array as tensors on
    ``device`` (dtype kept), with their first row's index."""
    rows = _block_rows(n_nodes)
    for start in range(0, len(X), rows):
        block = X[start : start + rows]
        if not (block.flags.c_contiguous and block.flags.writeable):
            block = np.array(block, order="C")  # torch refuses read-only memory
        yield start, torch.from_numpy(block).to(device)


def _distances(X, W, out=None):
    d2 = torch.addmm((W * W).sum(1), X, W.T, alpha=-2.0, out=out)
    d2 += (X * X).sum(1, keepdim=True)
    return d2.clamp_min_(0).sqrt_()


def _row_min(scores, rows=None):
    """Each row's smallest score and the index of its first occurrence, the
    same numbers as ``scores.min(1)``. On the CPU through numpy's argmin:
    torch's indexed minimum is 1.5 to 4 times as slow on the score blocks
    of a SOM (a sixth of a small epoch). ``rows``: ``np.arange`` of at least
    the number of rows, if the caller has one."""
    if scores.device.type != "cpu":
        return scores.min(1)
    values = scores.numpy()
    index = values.argmin(1)
    rows = np.arange(len(values)) if rows is None else rows[: len(values)]
    return torch.from_numpy(values[rows, index]), torch.from_numpy(index)


def _bmus(X, W, neighbours=None):
    """BMU index and distance of each row of the tensor ``X`` (in blocks).

    With ``neighbours`` (:func:`_build_neighbours`), also whether each row's
    second-best unit is a grid neighbour of its BMU (for the topographic
    error): it is when the best score among the BMU's neighbours equals the
    best score among all nodes but the BMU. Two value-only minima and a
    small gather cost a quarter of a second indexed minimum (topk with
    ``k=2`` costs more still).
    """
    w2 = torch.linalg.vecdot(W, W)
    rows = _block_rows(len(W), min(_BLOCK_ELEMENTS, _CACHE_BLOCK_ELEMENTS))
    labels, dists, hits = [], [], []
    for start in range(0, len(X), rows):
        Xb = X[start : start + rows]
        scores = torch.addmm(w2, Xb, W.T, alpha=-2.0)
        best, idx = _row_min(scores)
        if neighbours is not None:
            scores.scatter_(1, idx[:, None], math.inf)
            runner_up = scores.amin(1)
            near = scores.gather(1, neighbours.index_select(0, idx)).amin(1)
            hits.append(near <= runner_up)
        d2 = (best + torch.linalg.vecdot(Xb, Xb)).clamp_min_(0)
        labels.append(idx)
        dists.append(d2.sqrt_())
    labels, dists = _cat(labels), _cat(dists)
    if neighbours is not None:
        return labels, dists, _cat(hits)
    return labels, dists


def _cat(tensors):
    return tensors[0] if len(tensors) == 1 else torch.cat(tensors)


def _row_blocks(X, rows):
    """Consecutive blocks of ``rows`` rows of a tensor or of
    :class:`~skdeep.utils._lazy.LazyRows` (read as tensors)."""
    if isinstance(X, LazyRows):
        for _, block in X.blocks(rows):
            yield block
        return
    for start in range(0, len(X), rows):
        yield X[start : start + rows]


def _bounding_box(X):
    """Per-feature minimum and maximum of a tensor or of validated
    :class:`~skdeep.utils._lazy.LazyRows` (from its streaming statistics)."""
    if isinstance(X, LazyRows):
        return X.stats["min"].to(X.device), X.stats["max"].to(X.device)
    return X.min(0).values, X.max(0).values


def _batch_epoch(
    X, W, grid_d2, kernel, schedules, epoch, n_epochs, *, bounds=None, **_
):
    """One epoch of Kohonen's batch map; returns new weights and the epoch's QE."""
    n_nodes, n_features = W.shape
    sums = torch.zeros_like(W)
    counts = torch.zeros(n_nodes, dtype=W.dtype, device=W.device)
    w2 = (W * W).sum(1)
    rows = _block_rows(n_nodes)
    qe = torch.zeros((), dtype=torch.float64, device=W.device)
    for Xb in _row_blocks(X, rows):
        scores = torch.addmm(w2, Xb, W.T, alpha=-2.0)
        best, bmu = _row_min(scores)
        qe += (best + (Xb * Xb).sum(1)).clamp_min_(0).sqrt_().sum(dtype=torch.float64)
        sums += _node_sums(Xb, bmu, n_nodes)
        counts += torch.bincount(bmu, minlength=n_nodes).to(W.dtype)
    progress = min(epoch / max(n_epochs - 1, 1), 1.0)  # (partial_fit goes on)
    H = kernel(grid_d2, schedules.sigma(progress))
    weight = H @ counts
    norm = H.abs() @ counts
    step = (H @ sums - weight[:, None] * W) / norm.clamp_min(1e-12)[:, None]
    keep = (norm <= 1e-8 * counts.sum())[:, None]
    W = torch.where(keep, W, W + step)
    if bounds is not None:
        W = torch.clamp(W, *bounds)
    return W, float(qe) / len(X)


def _online_epoch(
    X, W, grid_d2, kernel, schedules, epoch, n_epochs, *, batch_size, generator,
    bounds=None, codes=None, steps=None,
):
    """One epoch of mini-batch online training; returns weights and running QE.

    ``codes`` is :func:`_distance_codes` of ``grid_d2`` (computed if None),
    optionally followed by its row layout (:func:`_row_layout`); ``steps`` is
    this epoch's :meth:`_StepPlan.epoch` (computed if None).
    """
    n_samples, n_nodes = len(X), len(W)
    n_batches = math.ceil(n_samples / batch_size)
    total = n_batches * n_epochs
    W = W.clone()
    WT = W.T  # a view: it follows the in-place updates of W
    if codes is None:
        codes = _distance_codes(grid_d2)
    if codes is not None and len(codes) == 2:
        codes = (*codes, _row_layout(codes))

    def progress(b):  # (out-of-core epochs may have a few more, shorter batches)
        return min((epoch * n_batches + b) / max(total - 1, 1), 1.0)

    tables = fused = node_tables = None
    if codes is not None:  # every batch's steps at once: a few small ops
        if steps is None:
            plan = [progress(b) for b in range(n_batches)]
            steps = _StepPlan(
                codes[1], kernel, schedules, n_batches, 1, plan, row_codes=codes[2]
            ).epoch(0)
        tables, fused, node_tables = steps
        if fused is not None:
            row_codes = codes[2]
    # Each sample's best score is kept, and the QE summed from them once per
    # epoch: no per-batch reductions or host syncs. Per-batch views are taken
    # a whole epoch at a time (split, unbind): one call instead of one
    # indexing op per batch, which counts at 16 updates. On small data an
    # epoch is 16 batches of about fifteen ops of a few microseconds each:
    # every op fewer per batch shows (benchmarks/som.py).
    lazy = isinstance(X, LazyRows)
    n_features = W.shape[1]
    # With the fused tables, batches grouped by BMU (larger than the map;
    # batches never exceed batch_size) carry a column of ones: one
    # index_add_ then gives the per-node sums of their rows and the per-node
    # counts together.
    ones_column = fused is not None and batch_size > _GROUP_BY_BMU_RATIO * n_nodes
    # The rows' squared norms, in the epoch's order: of each batch as it
    # comes (in cache) on large data, else of all rows in one op
    norms_per_batch = lazy or X.numel() > _CACHE_BLOCK_ELEMENTS
    if lazy:
        batches = _shuffled_batches(X, batch_size, generator, ones_column=ones_column)
    else:
        order = torch.randperm(n_samples, generator=generator).to(X.device)
        batches = _shuffled_batches(X, batch_size, generator, order=order,
                                    ones_column=ones_column)
    if norms_per_batch:
        sq_norms = torch.empty(n_samples, dtype=W.dtype, device=W.device)
    else:
        sq_norms = torch.linalg.vecdot(X, X).index_select(0, order)
    if fused is not None:
        fused_rows = fused.unbind(0)
        if node_tables is not None:
            node_rows = node_tables.unbind(0)
        # one product [A; L] @ [sums, counts] gives the pull, the weights and
        # log of the kept share (L @ sums is wasted), where that waste costs
        # less than the second op it saves
        one_product = n_nodes * n_nodes * n_features <= _ONE_PRODUCT_FLOPS
    if ones_column:
        sums_buffer = torch.empty(n_nodes, n_features + 1, dtype=W.dtype,
                                  device=W.device)
    ones = torch.ones(batch_size, dtype=W.dtype, device=W.device)
    row_index = np.arange(batch_size)  # (for _row_min on the CPU)
    chunk = _block_rows(n_nodes, min(_BLOCK_ELEMENTS, _CACHE_BLOCK_ELEMENTS))
    bests = []
    start = 0
    for b, Xb in enumerate(batches):
        if ones_column:
            Xb1, Xb = Xb, Xb[:, :n_features]
        size = Xb.shape[0]
        w2 = torch.linalg.vecdot(W, W)
        if size <= chunk:
            best_b, bmu = _row_min(torch.addmm(w2, Xb, WT, alpha=-2.0), row_index)
        else:  # in cache-sized chunks (see _CACHE_BLOCK_ELEMENTS)
            found = [_row_min(torch.addmm(w2, Xb[s : s + chunk], WT, alpha=-2.0),
                              row_index)
                     for s in range(0, size, chunk)]
            best_b, bmu = (torch.cat(parts) for parts in zip(*found))
        bests.append(best_b)
        if norms_per_batch:
            torch.linalg.vecdot(Xb, Xb, out=sq_norms[start : start + size])
        start += size
        # Sequential steps w += a_i (x_i - w), a_i = lr * h(node, bmu_i), would
        # keep prod(1 - a_i) of w: move that far towards the a-weighted mean
        # of the batch. The per-sample sums are grouped by BMU when the batch
        # is larger than the map (same result, n_nodes^2 instead of
        # n_nodes * batch_size work).
        grouped = size > _GROUP_BY_BMU_RATIO * n_nodes
        if fused is not None and b < n_batches:
            # S = [A^T, L^T], one row per BMU: A = lr * h and L = log(1 - A)
            # of every node for a sample with that BMU (its row of the
            # batch's node table, else gathered from the distance codes)
            if grouped:  # per BMU: [sums of its rows, count]
                if node_tables is not None:
                    S = node_rows[b]
                else:
                    S = fused_rows[b].index_select(0, row_codes.view(-1))
                    S = S.view(n_nodes, 2 * n_nodes)
                sums = _node_sums(Xb1, bmu, n_nodes, out=sums_buffer)
                if one_product:
                    both = S.T @ sums
                    pull, weight = both[:n_nodes, :n_features], both[:n_nodes, -1:]
                    log_kept = both[n_nodes:, -1:]
                else:
                    both = S[:, :n_nodes].T @ sums
                    pull, weight = both[:, :n_features], both[:, -1:]
                    log_kept = (S[:, n_nodes:].T @ sums[:, -1]).unsqueeze(1)
            else:  # sample by node
                if node_tables is not None:
                    AL = node_rows[b].index_select(0, bmu)
                else:
                    # grid distances are symmetric: gathering the BMUs' rows
                    # (contiguous) is 7 times as fast as gathering their columns
                    index = row_codes.index_select(0, bmu).view(-1)
                    AL = fused_rows[b].index_select(0, index)
                    AL = AL.view(size, 2 * n_nodes)
                pull = AL[:, :n_nodes].T @ Xb
                # both sums as (n_nodes, 1) columns, ready to broadcast
                weight, log_kept = AL.sum(0).view(2, n_nodes, 1).unbind(0)
            norm = weight
        else:
            if codes is not None and b < n_batches:
                index = codes[0] if grouped else codes[0].index_select(1, bmu)
                A, absA, log_kept_each = _gather_steps(tables, b, index)
            else:
                sigma = schedules.sigma(progress(b))
                lr = schedules.learning_rate(progress(b))
                if codes is None:
                    pairs, pair_codes = grid_d2 if grouped else grid_d2[:, bmu], None
                else:
                    index = codes[0] if grouped else codes[0].index_select(1, bmu)
                    pairs, pair_codes = None, (index, codes[1])
                A, absA, log_kept_each = _step_matrices(
                    pairs, pair_codes, kernel, sigma, lr
                )
            if grouped:
                counts = _counts(bmu, ones, n_nodes)
                log_kept = log_kept_each @ counts
                norm = absA @ counts
                weight = norm if A is absA else A @ counts
                pull = A @ _node_sums(Xb, bmu, n_nodes)
            else:
                log_kept = log_kept_each.sum(1)
                norm = absA.sum(1)
                weight = norm if A is absA else A.sum(1)
                pull = A @ Xb
            log_kept, norm, weight = (v.unsqueeze(1) for v in (log_kept, norm, weight))
        pull.addcmul_(weight, W, value=-1.0)
        # move by the share 1 - exp(log_kept) along pull / norm (nodes out of
        # every sample's reach have pull = 0 and stay)
        scale = torch.expm1(log_kept).div_(norm.clamp_min(1e-30))
        W.addcmul_(pull, scale, value=-1.0)
        if bounds is not None:
            W.clamp_(*bounds)
    qe = (_cat(bests) + sq_norms[:start]).clamp_min_(0).sqrt_()
    return W, float(qe.sum(dtype=torch.float64)) / n_samples


# Step plans of built-in schedules with up to this many table entries
# (batches x distinct grid distances; 4 MiB of tables) are kept in a small
# cache, like the map geometry: they depend on the parameters and the number
# of batches only, and building one costs about 0.1 ms (7% of a fit on 1,600
# rows), rebuilt by every fit of the same configuration otherwise.
_CACHED_PLAN_ELEMENTS = 1 << 18
_CACHED_PLANS = 8
_plan_cache = {}


def _clear_caches():
    """Empty every module-level cache of this module (map geometry, node
    positions, PCA plane, parameter checks, step plans): the next fit is a
    "cold" one, as the first fit of a configuration in a new process (used by
    benchmarks/som.py and the tests)."""
    for cached in (_node_positions, _pca_plane, _param_names,
                   _validate_plain_params, _cached_geometry, _cached_neighbours):
        cached.cache_clear()
    _plan_cache.clear()


def _fit_step_plan(codes, kernel, schedules, n_batches, n_epochs, geometry):
    """The :class:`_StepPlan` of a fit, from the cache where it may be
    (``geometry`` identifies the map, hence ``codes``)."""
    values = codes[1]
    row_codes = codes[2] if len(codes) > 2 else None  # (large maps: none kept)
    key = schedules.key()
    if key is None or n_batches * n_epochs * len(values) > _CACHED_PLAN_ELEMENTS:
        return _StepPlan(values, kernel, schedules, n_batches, n_epochs,
                         row_codes=row_codes)
    key = (geometry, values.device, kernel, key, n_batches, n_epochs)
    plan = _plan_cache.pop(key, None)  # (re-inserted: the newest last)
    if plan is None:
        plan = _StepPlan(values, kernel, schedules, n_batches, n_epochs,
                         row_codes=row_codes)
        while len(_plan_cache) >= _CACHED_PLANS:
            del _plan_cache[next(iter(_plan_cache))]  # the oldest
    _plan_cache[key] = plan
    return plan


class _StepPlan:
    """The step tables (:func:`_step_tables`) of every batch of a fit,
    computed at once and handed out per epoch: the kernel's dozen small ops
    run once per fit instead of once per epoch (a tenth of a small epoch).
    Each batch's row equals the one computed epoch by epoch, bit for bit
    (elementwise ops).

    With no steps negative or capped (see :func:`_step_tables`), an epoch
    also gets its ``fused`` table: the steps and their logs side by side, so
    that one gather gives both matrices stacked, and one reduction both sums.
    Given the map's ``row_codes`` (:func:`_row_layout`), and where the map
    is small, the epoch also gets every batch's node table ``[A^T, log(1 -
    A)^T]`` (one row per BMU) from one gather: 16 batches of two small
    gathers each cost more. Kept for later epochs and fits when small.
    """

    def __init__(self, values, kernel, schedules, n_batches, n_epochs, plan=None,
                 row_codes=None):
        if plan is None:  # the training progress at each batch of the fit
            total = n_batches * n_epochs
            plan = [min(i / max(total - 1, 1), 1.0) for i in range(total)]
        self.n_batches = n_batches
        self.lrs = schedules.learning_rates(plan)
        sigmas = schedules.sigmas(plan)
        if kernel in NON_NEGATIVE and max(self.lrs) <= _MAX_STEP:
            # no step negative or capped: the absolute values are the steps
            # (the same numbers as a.abs().clamp_max_(), two ops fewer)
            sigma = torch.as_tensor(sigmas, dtype=values.dtype, device=values.device)
            lr = torch.as_tensor(self.lrs, dtype=values.dtype, device=values.device)
            a = lr[:, None] * kernel(values[None, :], sigma[:, None])
            self.tables = (a, a, torch.log1p(-a))
            self.row_min = None
        else:
            self.tables = _step_values(values, kernel, sigmas, self.lrs)
            self.row_min = self.tables[0].amin(1).tolist()  # one sync per fit
        self.fused = torch.cat([self.tables[0], self.tables[2]], 1)
        self.row_codes, self.keep_node_tables, self.node_tables = None, False, {}
        if row_codes is not None and (
            n_batches * row_codes.numel() <= _NODE_TABLE_ELEMENTS
        ):
            self.row_codes = row_codes
            self.keep_node_tables = n_epochs * n_batches * row_codes.numel() <= (
                _CACHED_PLAN_ELEMENTS * 4)

    def epoch(self, epoch):
        """``(tables, fused, node_tables)`` of the batches of ``epoch``
        (``fused`` None where a step is negative or capped, ``node_tables``
        None unless the map is small, see above)."""
        rows = slice(epoch * self.n_batches, (epoch + 1) * self.n_batches)
        a, abs_a, log_a = (t[rows] for t in self.tables)
        signed = self.row_min is not None and (
            max(self.lrs[rows]) > _MAX_STEP or min(self.row_min[rows]) < 0
        )
        if signed:
            return (a, abs_a, log_a, signed), None, None
        fused = self.fused[rows]
        node_tables = self.node_tables.get(epoch)
        if node_tables is None and self.row_codes is not None:
            n_nodes = len(self.row_codes)
            node_tables = fused.index_select(1, self.row_codes.view(-1))
            node_tables = node_tables.view(self.n_batches, n_nodes, 2 * n_nodes)
            if self.keep_node_tables:
                self.node_tables[epoch] = node_tables
        return (a, abs_a, log_a, signed), fused, node_tables


def _row_layout(codes):
    """The distance codes laid out for the fused ``[A, log(1 - A)]`` table of
    :func:`_online_epoch`: per BMU row ``[codes, codes + n_values]``."""
    return torch.cat([codes[0], codes[0] + len(codes[1])], 1)


def _distance_codes(grid_d2):
    """Small integer codes of the squared grid distances, or None.

    On both lattices ``4 d^2`` is an integer (hexagonal rows are
    ``sqrt(3) / 2`` apart and shifted by half a cell), so every per-batch
    kernel takes a handful of distinct values: computing them once per batch
    and gathering them replaces a dozen ``n_nodes^2`` elementwise passes by
    one or two gathers. Returns ``(codes, d2_of_code)``: the codes number the
    distinct distances that occur, in increasing order (on a 10 x 10
    rectangular map, 51 of the 649 multiples of 1/4 up to the largest).
    """
    found = _lattice_codes(grid_d2.detach().cpu().numpy())
    if found is None:
        return None
    return tuple(torch.from_numpy(a).to(grid_d2.device) for a in found)


def _lattice_codes(d2):
    """:func:`_distance_codes` of a float32 ndarray, as ndarrays (int64 codes,
    float32 distances), or None."""
    scaled = np.float32(4.0) * d2
    rounded = np.rint(scaled)
    if not d2.size or (np.abs(rounded - scaled) > 1e-3 + 1e-6 * scaled).any():
        return None  # not a lattice (a hand-made distance matrix)
    return _renumber(rounded.astype(np.int64))


def _renumber(rounded):
    """Codes and float32 squared distances of the multiples of 1/4
    ``rounded / 4`` (an int64 array): one code per distinct value that
    occurs, in increasing order (the kernel's tables are computed for each),
    by counting, not sorting."""
    present = np.zeros(int(rounded.max()) + 1, dtype=bool)
    present[rounded] = True
    keys = np.flatnonzero(present)
    renumber = np.cumsum(present) - 1
    # (k / 4 is exact in float32: the same values as before, in fewer codes)
    return renumber[rounded], keys.astype(np.float32) / np.float32(4.0)


def _step_tables(values, kernel, sigmas, lrs):
    """Step sizes ``lr * h`` at the distinct squared grid distances
    ``values``, one row per (radius, rate) pair: the steps, their absolute
    values (capped below 1), ``log(1 - |step|)``, and whether any step is
    negative or capped (only then do the absolute values differ)."""
    a, abs_a, log_a = _step_values(values, kernel, sigmas, lrs)
    signed = max(lrs) > _MAX_STEP or float(a.min()) < 0
    return a, abs_a, log_a, signed


def _step_values(values, kernel, sigmas, lrs):
    """The first three tables of :func:`_step_tables`."""
    sigma = torch.as_tensor(sigmas, dtype=values.dtype, device=values.device)
    lr = torch.as_tensor(lrs, dtype=values.dtype, device=values.device)
    a = lr[:, None] * kernel(values[None, :], sigma[:, None])
    abs_a = a.abs().clamp_max_(_MAX_STEP)
    return a, abs_a, torch.log1p(-abs_a)


def _gather_steps(tables, row, index):
    """The node-by-BMU matrices of row ``row`` of :func:`_step_tables`."""
    a, abs_a, log_a, signed = tables
    flat = index.reshape(-1)
    A = a[row].index_select(0, flat).view(index.shape)
    absA = abs_a[row].index_select(0, flat).view(index.shape) if signed else A
    return A, absA, log_a[row].index_select(0, flat).view(index.shape)


def _step_matrices(d2, codes, kernel, sigma, lr):
    """Per-sample step sizes ``lr * h``, their absolute values (capped below
    1) and ``log(1 - |lr * h|)`` for the node-by-BMU pairs of ``d2``.

    The absolute values are the same tensor as the steps when no step is
    negative or too large (every kernel but the Mexican hat, for
    ``learning_rate < 1``). With lattice ``codes`` the values are computed
    on the few distinct distances and gathered.
    """
    if codes is None:  # log1p here is slow for tiny entries, but rare
        A = lr * kernel(d2, sigma)
        absA = A.abs().clamp_max_(_MAX_STEP)
        return A, absA, torch.log1p(-absA)
    index, values = codes
    return _gather_steps(_step_tables(values, kernel, [sigma], [lr]), 0, index)


def _shuffled_batches(X, batch_size, generator, order=None, ones_column=False):
    """One epoch's shuffled batches of a tensor (in the row ``order`` given,
    else drawn from ``generator``) or of
    :class:`~skdeep.utils._lazy.LazyRows` (shuffled blocks, see there), each
    with a last column of ones if ``ones_column``."""
    if isinstance(X, LazyRows):
        for _, Xb in X.batches(batch_size, shuffle=True, generator=generator):
            yield _with_ones(Xb) if ones_column else Xb
        return
    if order is None:
        order = torch.randperm(len(X), generator=generator).to(X.device)
    # Gather a block of whole batches at once and hand out views: one copy
    # per block instead of one small op per batch (the same rows, bit for
    # bit). A block stays in the cache for the batches' products (a batch
    # per block on wide data: gathering 16 MB blocks and reading them back
    # from memory cost a third of a Fashion-MNIST epoch), and the ones
    # column comes with the gather, in a reused buffer: each block's views
    # are valid until the next block is asked for.
    # (The buffer on the CPU only: the GPU keeps the checked copy road.)
    n_features = X.shape[1]
    rows = max(1, _CACHE_BLOCK_ELEMENTS // max(n_features, 1) // batch_size)
    rows = min(rows * batch_size, len(X))
    buffered = ones_column and X.device.type == "cpu"
    if buffered:
        buffer = X.new_ones(rows, n_features + 1)
    for begin in range(0, len(X), rows):
        index = order[begin : begin + rows]
        if buffered:
            block = buffer[: len(index)]
            torch.index_select(X, 0, index, out=block[:, :n_features])
        else:
            block = X.index_select(0, index)
            if ones_column:
                block = _with_ones(block)
        yield from block.split(batch_size)


def _with_ones(X):
    return torch.cat([X, X.new_ones(len(X), 1)], 1)


def _counts(bmu, ones, n_nodes):
    """How many rows each node wins, as floats: a bincount weighted by
    ``ones`` (at least ``len(bmu)`` of them) gives them in one op (on the CPU;
    weighted bincounts are not deterministic on CUDA)."""
    if bmu.device.type != "cpu":
        return torch.bincount(bmu, minlength=n_nodes).to(ones.dtype)
    if len(ones) != len(bmu):
        ones = ones[: len(bmu)] if len(ones) > len(bmu) else ones.new_ones(len(bmu))
    return torch.bincount(bmu, weights=ones, minlength=n_nodes)


def _node_sums(Xb, bmu, n_nodes, out=None):
    """Per-node sums of the rows of ``Xb`` grouped by ``bmu``,
    deterministically (into ``out``, of shape ``(n_nodes, Xb.shape[1])``,
    if given)."""
    if Xb.device.type in _INDEX_ADD_DEVICES:
        if out is None:
            out = torch.zeros(n_nodes, Xb.shape[1], dtype=Xb.dtype, device=Xb.device)
        else:
            out.zero_()
        return out.index_add_(0, bmu, Xb)
    # index_add_ is non-deterministic on CUDA; a one-hot product is not
    onehot = torch.zeros(len(Xb), n_nodes, dtype=Xb.dtype, device=Xb.device)
    onehot.scatter_(1, bmu[:, None], 1.0)
    return torch.mm(onehot.T, Xb, out=out)


def _pca_moments(X):
    """Mean, principal variances (descending) and components of a tensor ``X``
    or of validated :class:`~skdeep.utils._lazy.LazyRows` (one more pass).

    Only the two leading variances and components are returned (all that
    the initialization and ``map_size="auto"`` use); on wide in-memory data
    (more than ``_PCA_ITERATIVE_FEATURES`` features) they are found by block
    Krylov iteration.
    """
    if isinstance(X, LazyRows):  # the sum of check_lazy_array's pass
        mean = X.stats["sum"].to(X.device) / len(X)
    else:
        mean = column_sums(X) / len(X)
    # (lazy inputs too: their covariance took 1.1 GB and a minute at 2,800
    # rows of 6,000 features, 64 MB of data)
    if X.shape[1] > _PCA_ITERATIVE_FEATURES:
        found = _leading_components(X, mean, 2)
        if found is not None:
            evals, components = found
            return mean.cpu().numpy(), evals, _fix_signs(components)
    if len(X) < X.shape[1]:
        if isinstance(X, LazyRows):  # (fewer values than the covariance has)
            X = X.tensor(0, len(X))
        return (mean.cpu().numpy(), *_gram_components(X, mean))
    # float32 products of row blocks, added in float64: each block's sums
    # carry float32 rounding (about 1e-6 relative on standardized data),
    # plenty for a starting plane, at a third to a sixth of the time of
    # float64 products (whose float64 copy of the data cost more still);
    # those where squares pass float32's range
    cov = _covariance(X, mean, torch.float32)
    if not bool(torch.isfinite(cov).all()):
        cov = _covariance(X, mean, torch.float64)
    # torch's eigh, not numpy's: a threaded LAPACK call on a tiny matrix can
    # stall for a scheduler time slice on a busy machine
    evals, evecs = (t.numpy() for t in torch.linalg.eigh(cov.cpu()))
    order = np.argsort(evals)[::-1][:2]  # all that is used (see above)
    evals = np.clip(evals[order], 0, None)
    components = evecs[:, order].T
    return mean.cpu().numpy(), evals, _fix_signs(components)


def _gram_components(X, mean):
    """The two leading principal variances and components of a tensor of
    fewer rows than features, from the rows' n x n Gram matrix (the same
    non-zero spectrum): the d x d covariance and its eigendecomposition
    took 30 s at 60 rows of 4,000 features, and 3 GB at 20,000."""
    centred = X.float() - mean.to(X.device, torch.float32)
    gram = (centred @ centred.T).double().cpu() / max(len(X) - 1, 1)
    evals, u = torch.linalg.eigh(gram)
    order = torch.argsort(evals, descending=True)[:2]
    evals = evals[order].clamp_min(0).numpy()
    components = (centred.T @ u[:, order].to(centred)).T.double().cpu()
    norms = torch.linalg.vector_norm(components, dim=1, keepdim=True)
    components = (components / norms.clamp_min(1e-300)).numpy()
    # no variance (fewer than 3 distinct rows): unit vectors, as eigh of a
    # zero covariance gives
    for k in np.flatnonzero(norms.numpy().ravel() == 0):
        components[k] = np.eye(1, X.shape[1], X.shape[1] - 1 - k)
    if len(components) < 2:  # one row: no second direction
        components = np.vstack([components, np.eye(1, X.shape[1], X.shape[1] - 2)])
        evals = np.append(evals, 0.0)
    return evals, _fix_signs(components)


def _covariance(X, mean, dtype):
    """Covariance matrix (float64) of a tensor or validated
    :class:`~skdeep.utils._lazy.LazyRows`, from ``dtype`` products of its
    centred row blocks added in float64."""
    rows = max(1, min(_PCA_BLOCK_ROWS, _BLOCK_ELEMENTS // max(X.shape[1], 1)))
    shift = mean.to(dtype)
    cov = None
    for block in _row_blocks(X, rows):
        centred = block.to(dtype) - shift
        product = centred.T @ centred
        cov = product.double() if cov is None else cov.add_(product)
    return cov.div_(max(len(X) - 1, 1))


def _fix_signs(components):
    """Deterministic signs: the largest entry of each component is positive."""
    largest = np.abs(components).argmax(1)
    signs = np.sign(components[np.arange(len(components)), largest])
    return components * np.where(signs == 0, 1, signs)[:, None]


def _leading_components(X, mean, k):
    """The ``k`` leading eigenpairs of the covariance ``C`` of the rows of the
    tensor ``X``, by block Krylov iteration with Rayleigh-Ritz, or None when
    that does not converge (then the caller decomposes the covariance).

    Each pass over ``X`` (in row blocks, the centring folded into the
    products) multiplies one block of ``p = k + _PCA_OVERSAMPLE`` directions
    by ``C``: about ``4 n d p`` flops, against the ``2 n d^2`` of forming the
    ``d x d`` covariance and the ``d^3`` of its full eigendecomposition. The
    Ritz pairs come from the whole basis built so far (``Q, C Q, C^2 Q, ...``
    orthonormalized), which converges in fewer passes than subspace
    iteration (5 instead of 7 on Fashion-MNIST). It stops when the residual
    ``||C v - theta v||`` of every wanted pair is below ``_PCA_TOL`` times the
    largest variance (the exact eigenvector is then within ``residual / gap``
    of ``v``), and gives up when the residual stalls (close eigenvalues, or
    data far from the origin, whose centring in float32 loses digits) or
    the basis reaches half the features.

    On many rows, the first block is not random but the leading Ritz
    directions of an evenly spaced sample of ``_PCA_START_ROWS`` rows
    (iterated to ``_PCA_START_TOL``, a fraction of a pass over ``X``): the
    passes over all rows then start near the answer and stop sooner. With
    the 4 MiB row blocks and the tolerance of 1e-4, the start takes 26 ms
    on Fashion-MNIST's 10,000 x 784 images (48 ms from a random block, to
    1e-6, in 16 MiB blocks). The result is the same leading pair, to the
    same tolerance.
    """
    n, d = X.shape
    p = min(d, k + _PCA_OVERSAMPLE)
    # a fixed start: the PCA initialization uses no randomness
    start = torch.randn(d, p, generator=torch.Generator().manual_seed(0),
                        dtype=torch.float64)
    V = torch.linalg.qr(start)[0].to(X.device)
    if n >= 2 * _PCA_START_ROWS:
        step = n // _PCA_START_ROWS  # (a strided view, no copy; read lazily)
        sample = X.every(step) if isinstance(X, LazyRows) else X[::step]
        found = _block_krylov(sample, mean, k, V, _PCA_START_TOL)
        if found is not None:
            V = found[2]
    found = _block_krylov(X, mean, k, V, _PCA_TOL)
    return None if found is None else found[:2]


def _block_krylov(X, mean, k, V, tol):
    """:func:`_leading_components`' iteration from the orthonormal block
    ``V`` (``d x p``, float64): the ``k`` leading variances and components
    (numpy), and the ``p`` leading Ritz directions (a tensor like ``V``),
    or None if it does not converge to ``tol``."""
    n, d = X.shape
    p = V.shape[1]
    # 4 MiB row blocks: the second product reads a block from the cache, not
    # from memory (1.2 times as fast as 16 MiB blocks on Fashion-MNIST)
    rows = max(1, _PCA_PASS_ELEMENTS // max(d, 1))
    dtype = torch.float32 if isinstance(X, LazyRows) else X.dtype  # (read as float32)
    mean32 = mean.to(dtype)
    basis = products = None
    previous = math.inf
    while True:
        # The products in "wide" form, V^T X^T and (V^T X^T) X: skinny ones
        # like X^T (X V) run at a fraction of the speed on some BLAS (MKL on
        # AMD CPUs: a pass took 2.5 times as long on Fashion-MNIST)
        Vt32 = V.T.to(dtype)
        shift = Vt32 @ mean32
        Zt = torch.zeros(V.shape[1], d, dtype=torch.float64, device=X.device)
        for Xb in _row_blocks(X, rows):
            Yt = Vt32 @ Xb.T - shift[:, None]  # V^T (Xb - mean)^T, no centred copy
            Zt += (Yt @ Xb).double()
            Zt -= Yt.sum(1, dtype=torch.float64)[:, None] * mean
        Z = Zt.T / max(n - 1, 1)  # C V
        basis = V if basis is None else torch.cat([basis, V], 1)
        products = Z if products is None else torch.cat([products, Z], 1)
        # Rayleigh-Ritz: the best approximations from span(basis)
        H = basis.T @ products
        theta, S = torch.linalg.eigh((H + H.T) / 2)
        theta, S = theta.flip(0), S.flip(1)
        ritz, c_ritz = basis @ S[:, :k], products @ S[:, :k]
        top = float(theta[0])
        if not top > 0:
            return None  # constant data
        residual = float(
            torch.linalg.vector_norm(c_ritz - ritz * theta[:k], dim=0).max()
        ) / top
        if residual <= tol:
            return (theta[:k].clamp_min(0).cpu().numpy(), ritz.T.cpu().numpy(),
                    basis @ S[:, :p])
        if residual > 0.5 * previous or basis.shape[1] + p > d // 2:
            return None  # stalled, or no cheaper than the covariance
        previous = residual
        # the next block: C V, orthogonalized against the basis (twice)
        Z = Z - basis @ (basis.T @ Z)
        V = torch.linalg.qr(Z - basis @ (basis.T @ Z))[0]
