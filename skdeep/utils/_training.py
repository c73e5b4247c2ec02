"""The shared training road for torch estimators: a skorch net built in ``fit``.

Estimators compose skorch; they do not subclass it. :class:`BaseTorchEstimator`
holds the parameters every torch estimator shares and ``_fit_module``, which
builds the skorch ``NeuralNet`` as ``net_`` once the data shape is known and
trains it with:

* a pre-tensorized batch iterator (:class:`TensorBatchIterator`) instead of a
  per-sample ``DataLoader``: the data are moved to the device once and sliced
  per batch, which removes most of skorch's per-batch overhead;
* seeding from ``random_state`` inside a forked torch RNG, so fits are
  reproducible and the global RNG is left as it was;
* early stopping on a validation fraction, user callbacks passed through,
  ``verbose`` mapped onto skorch's progress bar and epoch table, and a clear
  error when the loss stops being finite;
* per-sample weights carried next to the targets, and class-balanced
  resampling of the training batches, for every classifier alike (with
  :class:`~skdeep.utils._losses.ClassificationLoss`, :data:`CLASS_WEIGHT_DOC`,
  :func:`class_weight_array` and :func:`validate_sample_weight`).
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import copy
import inspect
import io
import math
import re
import sys
import textwrap
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import assert_all_finite
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    GradientNormClipping,
    LRScheduler,
    PrintLog,
    ProgressBar,
)
from skorch.dataset import Dataset, ValidSplit
from skorch.helper import predefined_split

from skdeep.utils._lazy import LazyRows
from skdeep.utils._sklearn import (
    Interval,
    StrOptions,
    _check_feature_names,
    _fit_context,
    check_sample_weight,
    external_stacklevel,
    float32_default_dtype,
)
from skdeep.utils._torch import (
    batched_numpy,
    derive_seed,
    inference_mode,
    inference_rows,
    resolve_device,
    seeded,
)
from skdeep.utils.validation import column_standardization, plain_numbers

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


def _without_weight_decay_where_refused(optimizer, params, name):
    """``params`` (skdeep's optimizer keyword arguments, ``param_groups``
    included) without ``weight_decay`` for a torch optimizer class that takes
    none (``Rprop``, ``LBFGS``: "unexpected keyword argument" at the default
    ``weight_decay=0``); a nonzero decay for one is an error."""
    try:
        signature = inspect.signature(optimizer)
    except (TypeError, ValueError):  # (a builtin or odd callable: as it is)
        return params
    if "weight_decay" in signature.parameters or any(
        p.kind is p.VAR_KEYWORD for p in signature.parameters.values()
    ):
        return params
    groups = params.get("param_groups", [])
    decays = [params.get("weight_decay", 0.0)]
    decays += [options.get("weight_decay", 0.0) for _, options in groups]
    if any(decays):
        raise ValueError(
            f"{name}: the optimizer {getattr(optimizer, '__name__', optimizer)!r} "
            f"takes no weight_decay, but the fit asks for a decay of "
            f"{max(decays)!r} (weight_decay, or a penalty such as l2): set it to "
            f"0 or choose an optimizer that takes it."
        )
    params = {k: v for k, v in params.items() if k != "weight_decay"}
    if groups:
        kept = [(pattern, {k: v for k, v in options.items() if k != "weight_decay"})
                for pattern, options in groups]
        params["param_groups"] = [(p, o) for p, o in kept if o]
        if not params["param_groups"]:
            del params["param_groups"]
    return params


TRAINING_PARAMETERS_DOC = """\
    lr : float, default={lr}
        Learning rate of the optimizer.

    max_epochs : int, default={max_epochs}
        Number of passes over the training data (fewer with early stopping).

    batch_size : int, default={batch_size}
        Rows per training step; inference runs in batches of the same size
        (of at most 16 rows on the CPU for the CNN family's stacks: CNNs,
        capsule networks, convolutional Siamese embeddings).

    optimizer : {{"adam", "adamw", "sgd", "rmsprop"}} or torch optimizer class, \
default="adam"
        The optimizer.

    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and stop when
        the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the weights of the epoch with the lowest
        validation loss are restored.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping (of an
        out-of-core input, its last rows: see the scaling guide).

    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.

    tol : float, default=1e-4
        Relative improvement of the validation loss that counts as progress.

    device : str or torch.device, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA if present;
        opt-in because results then depend on the machine).

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and noise. An int makes fits
        reproducible (bitwise on the CPU) and leaves the global torch and
        numpy random states untouched.

    verbose : int, default=0
        0 is silent; 1 shows a progress bar and a per-epoch table.

    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (or ``(name, callback)`` tuples); they are
        copied at ``fit`` so the parameter itself is never modified. They
        run after skdeep's own callbacks and before early stopping, whose
        names they may not take. Where the estimator schedules the learning
        rate itself, an ``LRScheduler`` among them is refused. The net they
        see is a plain skorch ``NeuralNet``: its ``predict`` gives the
        network's raw outputs (logits, standardized targets), so an
        ``EpochScoring`` needs a callable ``scoring(net, X, y)``, not a
        scikit-learn scorer name."""


def training_parameters_doc(auto_epochs=None, **defaults):
    """The shared parameter text, with this estimator's defaults filled in.

    Parameters
    ----------
    auto_epochs : str, default=None
        The indented description of the estimator's ``max_epochs="auto"``,
        for the estimators that accept it.
    **defaults
        The estimator's defaults of the shared parameters (``lr``,
        ``max_epochs``, ``batch_size``, ...).

    Returns
    -------
    text : str
        The numpydoc entries, indented for a class docstring.
    """
    values = {"lr": 0.001, "max_epochs": 100, "batch_size": 128, **defaults}
    epochs = values["max_epochs"]
    if isinstance(epochs, str) and not epochs.startswith('"'):
        values["max_epochs"] = f'"{epochs}"'  # "auto"
    text = TRAINING_PARAMETERS_DOC.format(**values)
    if auto_epochs is None:
        return text
    entry = (
        "    max_epochs : int, default={max_epochs}\n"
        "        Number of passes over the training data (fewer with early stopping)."
    ).format(**values)
    assert entry in text
    return text.replace(
        entry,
        entry.replace(": int,", ': int or "auto",') + "\n" + auto_epochs.rstrip(),
    )


def auto_epochs_doc(estimator_class, *, note="", batch_size=128):
    """The ``auto_epochs`` text of :func:`training_parameters_doc`, from the
    class's ``_auto_steps`` and ``_auto_epoch_range``; ``note`` follows the
    number of epochs of large data sets (capped ranges only)."""
    steps = estimator_class._auto_steps
    low, high = estimator_class._auto_epoch_range
    rows = ("``n`` training rows (less early stopping's validation rows, "
            "``ceil(validation_fraction * n)``)")
    if high is None:
        text = (
            f'``"auto"``: at least {steps} gradient steps and at least {low} '
            f"passes, ``max({low}, ceil({steps} / ceil(n / batch_size)))`` for "
            f"{rows}: small data sets get as many steps as large ones."
        )
    else:
        big = batch_size * math.ceil(steps / low)
        text = (
            f'``"auto"``: at least {steps} gradient steps, within {low} to {high} '
            f"passes: ``max({low}, min({high}, ceil({steps} / ceil(n / "
            f"batch_size))))`` for {rows}. From {big:,} rows on that is {low}"
            f"{note}; a few hundred rows get up to {high}, which costs time on "
            f"long series."
        )
    text += " The number used is ``max_epochs_``."
    # no line break inside a ``literal``: its spaces are kept while wrapping
    text = re.sub(r"``.*?``", lambda m: m.group(0).replace(" ", "\0"), text)
    text = textwrap.fill(text, 78, initial_indent=" " * 8, subsequent_indent=" " * 8,
                         break_long_words=False, break_on_hyphens=False)
    return text.replace("\0", " ")


def auto_epochs(n_rows, batch_size, steps, *, min_epochs=1, max_epochs=None):
    """Epochs giving at least ``steps`` gradient steps on ``n_rows`` rows in
    batches of ``batch_size``, at least ``min_epochs`` and at most
    ``max_epochs`` (``None``: no cap): what ``max_epochs="auto"`` resolves
    to (see :meth:`BaseTorchEstimator._resolve_max_epochs`)."""
    epochs = max(min_epochs, math.ceil(steps / math.ceil(n_rows / batch_size)))
    return epochs if max_epochs is None else min(epochs, max_epochs)


# -- what classifiers share: class weights and sample weights ------------------

CLASS_WEIGHT_DOC = """\
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in
        :class:`~sklearn.linear_model.LogisticRegression`: a dict maps class
        labels to weights (missing classes weigh one), ``"balanced"`` uses
        ``n_samples / (n_classes * np.bincount(y))`` (counts weighted by
        ``sample_weight`` when it is given), ``None`` weighs every class one.
        Each element's weight is its class weight times its sample weight,
        and the loss is the weighted mean ``sum(w_i l_i) / sum(w_i)``."""

SAMPLE_WEIGHT_FIT_DOC = """\
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss, times its class
            weight. An integer weight ``k`` acts like ``k`` copies of the
            sample in expectation (exactly so when one batch holds all the
            data and nothing else is random); a zero weight removes it from
            training."""

LR_SCHEDULE_DOC = """\
    lr_schedule : {{"cosine", "constant"}}, default="{default}"
        ``"cosine"`` anneals the learning rate of every parameter group from
        its initial value to zero over ``max_epochs`` (Loshchilov & Hutter,
        2017), stepped once per epoch; ``"constant"`` keeps it."""

CLASS_WEIGHT_CONSTRAINT = {"class_weight": [dict, StrOptions({"balanced"}), None]}
# The parameter constraints of the estimators that take max_epochs="auto"
# (see BaseTorchEstimator._resolve_max_epochs) or an lr_schedule.
AUTO_EPOCHS_CONSTRAINT = {
    "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})]
}
LR_SCHEDULE_CONSTRAINT = {"lr_schedule": [StrOptions({"cosine", "constant"})]}

# The estimators with a gradient_clipping parameter (the recurrent ones):
# _make_net adds skorch's GradientNormClipping when it is set.
GRADIENT_CLIPPING_CONSTRAINT = {
    "gradient_clipping": [Interval(Real, 0, None, closed="neither"), None]
}
GRADIENT_CLIPPING_DOC = """\
    gradient_clipping : float or None, default={default}
        Clip the gradient norm of each step to this value (recurrent nets'
        standard guard against exploding gradients, Pascanu et al. 2013);
        None does not clip.{note}"""

# For the ``_expected_failed_checks`` of estimators whose ``fit`` takes
# ``sample_weight``: scikit-learn's check compares predictions to rtol=1e-7.
SAMPLE_WEIGHT_EQUIVALENCE_XFAIL = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch training in float32: a weight-k row gives the same "
        "expected gradient as k copies of it, but the shuffling, the number of "
        "steps per epoch and the dropout masks depend on the number of rows, "
        "and even one full batch without dropout agrees only to float32 "
        "rounding (about 1e-7), so the two fits are close, not equal to "
        "rtol=1e-7"
    ),
}


# scikit-learn's sample_weight checks. They fit on rows of floats, so
# estimators whose X is something else (node ids, pairs) list them among
# their expected failures and test their weights in their own tests.
SAMPLE_WEIGHT_CHECKS = (
    "check_sample_weights_pandas_series",
    "check_sample_weights_not_an_array",
    "check_sample_weights_list",
    "check_all_zero_sample_weights_error",
    "check_sample_weights_shape",
    "check_sample_weights_not_overwritten",
    "check_sample_weight_equivalence_on_dense_data",
    "check_classifiers_one_label_sample_weights",
)

def class_weight_array(class_weight, classes, codes, sample_weight=None):
    """The ``class_weight_`` of a classifier, one weight per class.

    Parameters
    ----------
    class_weight : dict, "balanced" or None
        The estimator's parameter (:data:`CLASS_WEIGHT_DOC`).

    classes : ndarray of shape (n_classes,)
        The estimator's ``classes_``; dict keys are looked up among them.

    codes : ndarray of shape (n_samples,) or (n_samples, n_timepoints)
        The encoded labels (indices into ``classes``). Codes below 0 (the
        ``-100`` label of padding steps) are not counted.

    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Weights the class counts of ``"balanced"`` (each sample's weight
        counts for every one of its time steps).

    Returns
    -------
    class_weight_ : ndarray of shape (n_classes,)
        Ones when ``class_weight`` is None. Under ``"balanced"``, a class
        whose samples all weigh zero gets weight 0 (it has nothing to
        balance).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.utils._training import class_weight_array
    >>> class_weight_array("balanced", np.array(["a", "b"]), np.array([0, 0, 0, 1]))
    array([0.66666667, 2.        ])
    """
    n_classes = len(classes)
    if class_weight is None:
        return np.ones(n_classes)
    codes = np.asarray(codes)
    if sample_weight is not None:
        shape = (-1,) + (1,) * (codes.ndim - 1)
        sample_weight = np.broadcast_to(
            np.asarray(sample_weight, dtype=np.float64).reshape(shape), codes.shape
        )
    labelled = codes >= 0
    codes = codes[labelled]
    if sample_weight is not None and isinstance(class_weight, str):
        # "balanced" with weighted counts; rows of weight zero are absent
        # (as repeating each row sample_weight times would make them), so a
        # class with no weight left is left out instead of dividing by zero.
        sample_weight = sample_weight[labelled]
        keep = sample_weight > 0
        present = np.unique(codes[keep])
        weights = np.zeros(n_classes)
        weights[present] = compute_class_weight(
            class_weight,
            classes=classes[present],
            y=classes[codes[keep]],
            sample_weight=sample_weight[keep],
        )
        return weights
    weights = np.asarray(
        compute_class_weight(class_weight, classes=classes, y=classes[codes]),
        dtype=np.float64,
    )
    # (a negative weight trained the classifier to miss that class, all
    # zero trained nothing, NaN ended in advice to lower lr)
    if not np.all(np.isfinite(weights)) or (weights < 0).any():
        raise ValueError(
            f"class_weight values must be finite and non-negative; got "
            f"{class_weight!r}."
        )
    if not weights.any():
        raise ValueError(
            f"class_weight {class_weight!r} weighs every class 0: nothing "
            f"would be trained."
        )
    return weights


def encode_classes(estimator, y, sample_weight=None, valid=None):
    """The fit-time label bookkeeping every skdeep classifier shares.

    Checks that ``y`` holds classification targets, sets ``classes_`` and
    ``class_weight_`` (from ``estimator.class_weight`` and the sample
    weights, see :func:`class_weight_array`) and returns the integer code of
    each label.

    Parameters
    ----------
    estimator : classifier with a ``class_weight`` parameter
    y : array-like of shape (n_labels,)
        The labels (with ``valid``: those of the valid steps, in order).
    sample_weight : ndarray, torch.Tensor of shape (n_samples,) or None
    valid : ndarray of bool of shape (n_samples, n_timepoints) or None
        Many-to-many targets: the codes come back in this shape, ``-100``
        (ignored by the loss) at the steps that are not valid.

    Returns
    -------
    codes : ndarray of int64
    """
    # NaN among labels (a pandas Categorical with a missing value): the
    # NaN error, not "'<' not supported between 'float' and 'str'"
    assert_all_finite(y, input_name="y")
    check_classification_targets(y)
    mode = getattr(estimator, "_partial_fit_mode", None)
    if mode is None:
        encoder = LabelEncoder().fit(y)
    else:
        # partial_fit: the classes given on the first call, kept after it
        encoder = LabelEncoder()
        encoder.classes_ = (
            estimator._partial_classes if mode == "first" else estimator.classes_
        )
        unseen = np.setdiff1d(np.unique(y), encoder.classes_)
        if len(unseen):
            raise ValueError(
                f"y has labels {unseen.tolist()} that are not in classes="
                f"{encoder.classes_.tolist()} (fixed by the first call of "
                f"partial_fit, or by the fit it continues)."
            )
    estimator.classes_ = encoder.classes_
    codes = encoder.transform(y).astype(np.int64)
    if mode == "continue":
        if valid is not None:
            full = np.full(valid.shape, -100, dtype=np.int64)
            full[valid] = codes
            codes = full
        return codes  # class_weight_ stays the first call's (the loss holds it)
    if valid is not None:
        full = np.full(valid.shape, -100, dtype=np.int64)
        full[valid] = codes
        codes = full
    if mode == "first" and isinstance(estimator.class_weight, str):
        labelled = codes >= 0
        if sample_weight is not None:  # (rows weighing 0 are absent too)
            weights = np.asarray(
                sample_weight.cpu() if isinstance(sample_weight, torch.Tensor)
                else sample_weight, dtype=np.float64)
            labelled &= weights.reshape((-1,) + (1,) * (codes.ndim - 1)) > 0
        absent = np.setdiff1d(np.arange(len(estimator.classes_)), codes[labelled])
        if len(absent):
            raise ValueError(
                f"class_weight='balanced' is computed from the first call of "
                f"partial_fit, whose labels have no sample (of non-zero "
                f"weight) of class(es) "
                f"{estimator.classes_[absent].tolist()}. Give a first chunk with "
                f"every class, or class_weight as a dict (for example from "
                f"sklearn.utils.class_weight.compute_class_weight on a sample of "
                f"the labels)."
            )
    if isinstance(sample_weight, torch.Tensor):
        sample_weight = sample_weight.double().cpu().numpy()
    estimator.class_weight_ = class_weight_array(
        estimator.class_weight, estimator.classes_, codes, sample_weight
    )
    return codes


def validate_sample_weight(sample_weight, X):
    """Check ``sample_weight`` for ``fit`` and return it as a tensor.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), scalar or None
        Per-sample weights, non-negative and finite, not all zero.

    X : array-like
        The training input; only its number of samples is used.

    Returns
    -------
    sample_weight : torch.Tensor of shape (n_samples,), dtype float32, or None
        None stays None, so unweighted training takes the unweighted road.

    Raises
    ------
    ValueError
        For negative, non-finite or all-zero weights, or a length other than
        ``n_samples`` (scikit-learn's messages); for weights that are all 0
        in float32, or whose sum exceeds ``MAX_WEIGHT_TOTAL``.
    """
    sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
    if sample_weight is None:
        return None
    weights = torch.as_tensor(sample_weight, dtype=torch.float32)
    if not bool(weights.any()):  # (all nonzero ones underflowed)
        raise ValueError(
            f"sample_weight's values are too small for float32, which training "
            f"uses (largest {sample_weight.max():.3g}); multiply them by a "
            f"constant."
        )
    total = float(sample_weight.sum())
    if total > MAX_WEIGHT_TOTAL:
        # (float32 sums of w * loss overflowed: "the train loss became nan
        # at epoch 1 ... Lower lr, scale X", or KMeans blaming float64)
        raise ValueError(
            f"sample_weight's values are too large for float32, which training "
            f"uses (their sum is {total:.3g}, above {MAX_WEIGHT_TOTAL:.0e}); "
            f"divide them by a constant."
        )
    return weights


# Largest sum of sample weights: the weighted losses' float32 sums stay finite
# for losses up to about 3e4 per sample.
MAX_WEIGHT_TOTAL = 1e34


BALANCE_OPTIONS = ("oversample", "undersample")


class TensorBatchIterator:
    """Yield ``(X, y)`` slices of a skorch dataset holding tensors.

    skorch builds one iterator per epoch with ``iterator(dataset, **kwargs)``.
    The default ``DataLoader`` collates one sample at a time; this one slices
    whole batches from tensors that already live on the training device.
    Shuffling and resampling draw from torch's (forked, seeded) global RNG.

    Parameters
    ----------
    dataset : skorch Dataset or torch Subset of one
        Holds the ``X`` and ``y`` tensors given to ``net.partial_fit``; a
        ``Subset`` is skorch's training or validation split.

    batch_size : int, default=128
        Rows per batch.

    shuffle : bool, default=False
        Draw a new order each epoch. A balanced set (see ``balance``) is
        always shuffled.

    sample_weight : torch.Tensor of shape (n_samples,) or None, default=None
        Weight of each row of the *full* tensors given to ``partial_fit``;
        for a ``Subset`` the weights at its indices are used. With weights,
        each batch is ``(Xb, (yb, wb))``, the pair the loss
        (:class:`~skdeep.utils._losses.ClassificationLoss`) unpacks.

    balance : {"oversample", "undersample"} or None, default=None
        Draw a class-balanced set of rows each epoch from the integer class
        codes in ``y`` (codes below 0, such as the ``-100`` padding label,
        belong to no class and are left out). ``"oversample"``: every class
        up to the size of the largest, keeping each of its rows once and
        drawing the rest with replacement (Buda et al., 2018).
        ``"undersample"``: every class down to the size of the smallest,
        without replacement, a new draw each epoch. skdeep passes it to the
        training iterator only; validation batches are never resampled.

    streams : bool, default=False
        Stateful (truncated back-propagation) order, see
        :func:`stream_batches`: the rows are consecutive windows of one
        series, split into ``batch_size`` streams read side by side, never
        shuffled.

    **_
        Other arguments skorch may pass to an iterator (those of a
        ``DataLoader``), ignored: the batches are slices of tensors already
        in memory.

    References
    ----------
    M. Buda, A. Maki and M. A. Mazurowski, "A systematic study of the class
    imbalance problem in convolutional neural networks", Neural Networks
    106, 2018, arXiv:1710.05381.
    """

    def __init__(
        self,
        dataset,
        batch_size=128,
        shuffle=False,
        sample_weight=None,
        balance=None,
        streams=False,
        **_,
    ):
        self.X, self.y = _dataset_tensors(dataset)
        self.streams = streams
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.sample_weight = _dataset_weights(dataset, sample_weight)
        if self.sample_weight is not None and len(self.sample_weight) != n_rows(self.X):
            raise ValueError(
                f"sample_weight has {len(self.sample_weight)} entries for "
                f"{n_rows(self.X)} rows."
            )
        if balance is not None and balance not in BALANCE_OPTIONS:
            raise ValueError(
                f"balance must be one of {BALANCE_OPTIONS} or None; got {balance!r}."
            )
        self.balance = balance
        if isinstance(self.X, LazyRows) and (balance is not None or streams):
            raise ValueError(
                "Out-of-core input (a memory map or Dask array) cannot be "
                "trained with class-balanced sampling or stateful streams; "
                "load it into memory with np.asarray(X) first."
            )
        self._class_rows = None if balance is None else self._rows_by_class()

    def _rows_by_class(self):
        """The row indices of each class present, from the codes in ``y``."""
        y = self.y
        if y is None or y is self.X or y.ndim != 1 or y.is_floating_point():
            raise ValueError(
                "balance needs y to hold one integer class code per sample."
            )
        codes = y[y >= 0].unique()
        if len(codes) == 0:
            raise ValueError("balance found no labelled sample (all codes < 0).")
        return [torch.nonzero(y == c).flatten() for c in codes]

    def _balanced_order(self):
        """One epoch's class-balanced, shuffled row indices."""
        sizes = [len(rows) for rows in self._class_rows]
        parts = []
        if self.balance == "oversample":
            target = max(sizes)
            for rows in self._class_rows:
                extra = torch.randint(
                    len(rows), (target - len(rows),), device=rows.device
                )
                parts += [rows, rows[extra]]
        else:  # undersample
            target = min(sizes)
            for rows in self._class_rows:
                keep = torch.randperm(len(rows), device=rows.device)[:target]
                parts.append(rows[keep])
        order = torch.cat(parts)
        # Shuffle always: the classes come in blocks otherwise.
        return order[torch.randperm(len(order), device=order.device)]

    def _n_rows(self):
        if self._class_rows is None:
            return n_rows(self.X)
        sizes = [len(rows) for rows in self._class_rows]
        pick = max if self.balance == "oversample" else min
        return len(sizes) * pick(sizes)

    def __len__(self):
        if self.streams:
            return math.ceil(n_rows(self.X) / self.batch_size)
        return math.ceil(self._n_rows() / self.batch_size)

    def __iter__(self):
        if isinstance(self.X, LazyRows):
            yield from self._lazy_batches()
            return
        if self.streams:
            for index in stream_batches(n_rows(self.X), self.batch_size, self.X.device):
                yb = None if self.y is None else self.y[index]
                if self.sample_weight is None:
                    yield self.X[index], yb
                else:
                    yield self.X[index], (yb, self.sample_weight[index])
            return
        if self._class_rows is not None:
            order = self._balanced_order()
        elif self.shuffle:
            order = torch.randperm(n_rows(self.X), device=tensor_device(self.X))
        else:
            order = None
        n = n_rows(self.X) if order is None else len(order)
        same_target = self.y is self.X  # autoencoders: gather each batch once
        for start in range(0, n, self.batch_size):
            if order is None:
                index = slice(start, start + self.batch_size)
            else:
                index = order[start : start + self.batch_size]
            Xb = take_rows(self.X, index)
            if same_target:
                yb = Xb
            else:
                yb = None if self.y is None else self.y[index]
            if self.sample_weight is None:
                yield Xb, yb
            else:
                yield Xb, (yb, self.sample_weight[index])

    def _lazy_batches(self):
        """Batches of out-of-core ``X`` (:class:`~skdeep.utils._lazy.LazyRows`),
        read block by block; ``y`` is ``X`` itself (autoencoders), None, or a
        tensor indexed by the batch's rows."""
        same_target = self.y is self.X or self.X.same_rows(self.y)
        for rows, Xb in self.X.batches(self.batch_size, shuffle=self.shuffle):
            if same_target:
                yb = Xb
            else:
                yb = None if self.y is None else self.y[rows.to(self.y.device)]
            if self.sample_weight is None:
                yield Xb, yb
            else:
                yield Xb, (yb, self.sample_weight[rows.to(self.sample_weight.device)])


# Training inputs are one tensor, or a dict of tensors with one row per
# sample (seq2seq models take ``source`` and ``target``; skorch passes a
# dict's entries to ``module.forward`` as keyword arguments).


def n_rows(X):
    """Rows of a tensor or of a dict of tensors."""
    return len(next(iter(X.values()))) if isinstance(X, dict) else len(X)


def take_rows(X, index):
    """``X[index]`` for a tensor or for each tensor of a dict."""
    if isinstance(X, dict):
        return {key: value[index] for key, value in X.items()}
    return X[index]


def tensor_device(X):
    """The device of a tensor or of a dict's tensors."""
    return next(iter(X.values())).device if isinstance(X, dict) else X.device


def to_device(X, device):
    """A tensor, or a dict of tensors, moved to ``device``."""
    if isinstance(X, dict):
        return {key: value.to(device) for key, value in X.items()}
    return X.to(device)


def stream_batches(n_rows, n_streams, device=None):
    """Row indices of the batches of stateful training, in order.

    The rows ``0..n_rows-1`` (consecutive windows of one series) are cut into
    ``n_streams`` contiguous streams of ``m = ceil(n_rows / n_streams)`` rows
    (the last ones shorter or empty); batch ``k`` holds row ``k`` of every
    stream still running. Row ``i`` of batch ``k + 1`` thus continues row
    ``i`` of batch ``k``, and the streams still running are always the first
    ones, so a carried state is cut to the batch by keeping its first rows.
    """
    m = math.ceil(n_rows / n_streams)
    starts = torch.arange(0, n_rows, m, device=device)
    for k in range(m):
        rows = starts + k
        yield rows[rows < torch.minimum(starts + m, torch.tensor(n_rows))]


class ResetState(Callback):
    """Call the module's ``reset_state()`` before every epoch (stateful training)."""

    def on_epoch_begin(self, net, **kwargs):
        net.module_.reset_state()


def _dataset_tensors(dataset):
    """The (X, y) tensors of a skorch Dataset or a torch Subset of one."""
    if isinstance(dataset, torch.utils.data.Subset):
        cached = getattr(dataset, "_skdeep_tensors", None)
        if cached is None:
            X, y = _dataset_tensors(dataset.dataset)
            index = torch.as_tensor(np.asarray(dataset.indices), device=tensor_device(X))
            rows = take_rows(X, index)
            # y is X (autoencoders): one copy of the rows, and the batch
            # iterator then gathers each batch once (two copies before)
            cached = (rows, rows if y is X else None if y is None else y[index])
            dataset._skdeep_tensors = cached  # skorch asks again every epoch
        return cached
    return dataset.X, dataset.y


def _subset_index(dataset):
    """Row indices of a (nested) torch Subset into the full tensors, or None."""
    if not isinstance(dataset, torch.utils.data.Subset):
        return None
    index = torch.as_tensor(np.asarray(dataset.indices), dtype=torch.long)
    parent = _subset_index(dataset.dataset)
    return index if parent is None else parent[index]


def _dataset_weights(dataset, sample_weight):
    """``sample_weight`` (aligned with the full tensors) at a Subset's rows."""
    if sample_weight is None or not isinstance(dataset, torch.utils.data.Subset):
        return sample_weight
    cached = getattr(dataset, "_skdeep_weights", None)
    if cached is None or cached[0] is not sample_weight:
        index = _subset_index(dataset).to(sample_weight.device)
        cached = (sample_weight, sample_weight[index])
        dataset._skdeep_weights = cached  # skorch asks again every epoch
    return cached[1]


_BATCH_HOOKS = ("on_batch_begin", "on_batch_end")


def _overrides(obj, method_name, base):
    """Whether ``obj``'s class defines ``method_name`` other than ``base``'s."""
    return getattr(type(obj), method_name, None) is not getattr(base, method_name)


class _Net(NeuralNet):
    """skorch's NeuralNet minus per-batch costs that add up on small nets
    (about 60 us a batch, a tenth of a small autoencoder's step), with the
    same updates and the same history (but for the per-batch records of
    epochs before the newest, emptied when an epoch ends: see
    :func:`_drop_older_batch_records`):

    * skorch switches every module to train mode before each batch, walking
      the whole module tree; here the walk happens only when the mode changes.
    * Batch hooks go only to the callbacks that define them (none, by default).
    * A training step with an optimizer of ``OPTIMIZERS`` (none calls a
      closure) and no callback on ``on_grad_computed`` zeroes, computes and
      steps directly; skorch wraps each step in a closure and tells every
      callback about the gradients. Otherwise (LBFGS, gradient clipping, a
      user's callback) skorch's own step runs.
    * Tensors already on the net's device go straight to the module and the
      criterion (skorch converts them first, which changes nothing for them).
    """

    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)

    # skorch's partial_fit swallows a KeyboardInterrupt (a Ctrl-C, or a
    # callback stopping training) and keeps the history row of the epoch it
    # cut short. Counting the epochs whose on_epoch_end ran lets _fit_module
    # drop that row and warn (see trim_interrupted_history).

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._finished_epochs = len(self.history)
        # Who listens, read once per fit (callbacks are set up before this).
        callbacks = [cb for _, cb in self.callbacks_]
        # (the net's own on_batch_begin opens the batch's history row)
        self._batch_listeners = {
            hook: [cb for cb in callbacks if _overrides(cb, hook, Callback)]
            for hook in _BATCH_HOOKS
        }
        for hook in _BATCH_HOOKS:
            if hook == "on_batch_begin" or _overrides(self, hook, NeuralNet):
                self._batch_listeners[hook].insert(0, self)
        self._direct_step = (
            len(self._optimizers) == 1
            and type(self.optimizer_) in OPTIMIZERS.values()  # (not subclasses)
            and not _overrides(self, "on_grad_computed", NeuralNet)
            and not any(_overrides(cb, "on_grad_computed", Callback)
                        for cb in callbacks)
        )
        # where the weights are ("cuda" names no index; the tensors do)
        parameter = next(self.module_.parameters(), None)
        self._tensor_device = None if parameter is None else parameter.device

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self._rest()

    def _rest(self):
        """The net at rest after training (also after a failed partial_fit)."""
        # A trained net rests in eval mode. Predictions switch it to eval and
        # back to the mode they found: left in train mode, one thread's
        # prediction ending would put the module back in train mode while
        # another's ran (dropout on, batch norm statistics overwritten).
        self._set_training(False)
        # The listener lists hold the net itself: a cycle that kept a dropped
        # model's network (weights, gradients, Adam state) alive until a full
        # garbage collection, GPU memory included.
        self.__dict__.pop("_batch_listeners", None)
        # The last step's gradients are never read again (each step sets them
        # anew): a copy of every weight kept for nothing.
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_", None)
            if isinstance(module, torch.nn.Module):
                for parameter in module.parameters():
                    parameter.grad = None

    def train_step(self, batch, **fit_params):
        if not self.__dict__.get("_direct_step"):
            # (an optimizer may evaluate the closure several times: a
            # module that carries state between batches starts each from
            # the same state)
            begin_step = getattr(self.module_, "begin_step", None)
            if begin_step is not None:
                begin_step()
            return super().train_step(batch, **fit_params)
        with torch.enable_grad():  # as inside skorch's closure
            self.optimizer_.zero_grad()
            step = self.train_step_single(batch, **fit_params)
        self.optimizer_.step()
        return step

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        # skorch's epoch loss is the mean of the batch losses weighted by
        # their row counts; a weighted loss (sample or class weights, padding
        # steps) is a mean over its batch's total weight: weighed by that,
        # the epoch's loss is the weighted mean over all its elements (it
        # moved with batch_size: 1.36 against 1.15 for 60 or 4 rows)
        total = getattr(self.criterion_, "last_total_", None)
        if total is not None:
            key = "train_batch_size" if training else "valid_batch_size"
            self.history.record_batch(key, max(float(total), _TINY_BATCH_WEIGHT))

    def infer(self, x, **fit_params):
        if isinstance(x, torch.Tensor) and x.device == self.__dict__.get(
            "_tensor_device"
        ):
            return self.module_(x, **fit_params)
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, torch.Tensor) and y_true.device == self.__dict__.get(
            "_tensor_device"
        ):
            return self.criterion_(y_pred, y_true)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def notify(self, method_name, **cb_kwargs):
        listeners = self.__dict__.get("_batch_listeners")
        if listeners is not None and method_name in listeners:
            for listener in listeners[method_name]:
                getattr(listener, method_name)(self, **cb_kwargs)
            return None
        if method_name != "on_epoch_end":
            return super().notify(method_name, **cb_kwargs)
        try:
            super().notify(method_name, **cb_kwargs)
        finally:
            # A KeyboardInterrupt from an epoch-end callback is skorch's way
            # to stop training (EarlyStopping raises one): the epoch is done.
            self._finished_epochs = len(self.history)
            _drop_older_batch_records(self.history)


def _drop_older_batch_records(history):
    """Empty the per-batch records of every epoch but the newest.

    skorch keeps a record per batch (about 200 bytes): a fit of 100 epochs on
    500,000 rows kept 390,000 of them, 18 MB in each pickle of a model of
    70 kB, and an out-of-core epoch over 50 million rows about 80 MB of
    memory. The epoch's own entries (losses, durations) are computed from
    them when it ends (skorch's scoring callbacks) and stay; the newest
    epoch keeps its batches for inspection.
    """
    for epoch in range(len(history) - 2, -1, -1):
        row = list.__getitem__(history, epoch)  # the row itself (a dict)
        if not row.get("batches"):
            break  # emptied already, and so is every older one
        row["batches"] = []


def raise_if_non_finite(value, epoch, estimator, what="training loss", advice=None):
    """Stop training with a clear error when a loss is NaN or infinite.

    Every skdeep training loop calls this once per epoch: the skorch road
    through :class:`StopOnNonFiniteLoss`, the estimators with loops of their
    own directly.

    Parameters
    ----------
    value : float or None
        The epoch's loss (None is skipped).

    epoch : int
        The epoch, counted from 1.

    estimator : estimator or str
        Named in the message (its class name).

    what : str, default="training loss"
        What ``value`` is, for the message.

    advice : str or None, default=None
        What to try, ending the message; None suggests lowering ``lr`` and
        scaling ``X``.

    Raises
    ------
    FloatingPointError
        If ``value`` is NaN or infinite.

    Examples
    --------
    >>> from skdeep.utils._training import raise_if_non_finite
    >>> raise_if_non_finite(0.5, 1, "MyEstimator")
    >>> raise_if_non_finite(float("nan"), 3, "MyEstimator")
    Traceback (most recent call last):
    ...
    FloatingPointError: MyEstimator: the training loss became nan at epoch 3; ...
    """
    if value is None or math.isfinite(value):
        return
    name = estimator if isinstance(estimator, str) else type(estimator).__name__
    if advice is None:
        advice = _DIVERGENCE_ADVICE.format(lower="Lower lr")
    raise FloatingPointError(
        f"{name}: the {what} became {value} at epoch {epoch}; training was "
        f"stopped. {advice}"
    )


class EarlyStoppingSplit(ValidSplit):
    """skorch's ``ValidSplit`` whose failures name the estimator and say what
    to change (scikit-learn's stratified split says only "The test_size = 1
    should be greater or equal to the number of classes = 3").

    Parameters
    ----------
    fraction : float
        ``validation_fraction``.
    estimator_name : str
        Named in the message.
    **kwargs
        ``ValidSplit``'s ``stratified`` and ``random_state``.
    """

    def __init__(self, fraction, estimator_name, **kwargs):
        super().__init__(fraction, **kwargs)
        self.estimator_name = estimator_name

    def __call__(self, dataset, y=None, groups=None):
        """Split ``dataset`` as ``ValidSplit`` does.

        Parameters
        ----------
        dataset : torch Dataset
        y : array-like or None
        groups : array-like or None

        Returns
        -------
        train, valid : Subset
        """
        try:
            return super().__call__(dataset, y=y, groups=groups)
        except ValueError as exc:
            kind = "stratified by class, " if self.stratified else ""
            raise ValueError(
                f"{self.estimator_name}(early_stopping=True) holds out "
                f"validation_fraction={self.cv} of the {len(dataset)} training "
                f"rows ({kind}as its validation split), which fails here: "
                f"{str(exc).rstrip('.')}. Raise validation_fraction, pass more "
                f"rows, or set early_stopping=False."
            ) from exc


# Names of skdeep's own callbacks on the training road (reserved whether or
# not a fit uses them, so that a name's validity does not depend on settings).
_OWN_CALLBACKS = ("stop_on_non_finite_loss", "gradient_clipping", "lr_scheduler",
                  "reset_state", "progress_bar", "early_stopping")
# and skorch's defaults (a user's one was "a duplicate user-set callback name")
_SKORCH_CALLBACKS = ("epoch_timer", "train_loss", "valid_loss", "valid_acc",
                     "print_log")


def _user_callbacks(estimator, scheduled, validating=True, incremental=False):
    """``(name, callback)`` pairs of a copy of ``estimator.callbacks``
    (unnamed ones ``user_0``, ``user_1``, ... where free), refusing names of
    skdeep's own callbacks; where the estimator schedules the learning rate
    itself (``scheduled``), an ``LRScheduler`` (the two compounded, or the
    built-in one overrode it at every step, silently); and, without a
    validation split (``validating``), one that monitors a validation score
    (skorch's bare ``KeyError: 'valid_loss'``)."""
    from skorch.callbacks import Callback, LRScheduler

    name = type(estimator).__name__
    given = copy.deepcopy(estimator.callbacks or [])

    def is_callback(cb):  # (skorch takes classes too, and builds them)
        return isinstance(cb, Callback) or (
            isinstance(cb, type) and issubclass(cb, Callback))

    for cb in given:
        # (skorch's errors were "'int' object has no attribute 'set_params'",
        # "too many values to unpack", ...; None was dropped silently)
        if not (is_callback(cb) or (isinstance(cb, tuple) and len(cb) == 2
                                    and isinstance(cb[0], str) and is_callback(cb[1]))):
            raise ValueError(
                f"{name}: callbacks must be a list of skorch callbacks or "
                f"(name, callback) pairs with a str name; got {cb!r}."
            )
    taken = {cb[0] for cb in given if isinstance(cb, tuple)}
    for own in taken & set(_OWN_CALLBACKS):
        raise ValueError(
            f"{name}: the callback name {own!r} is taken by skdeep's own "
            f"{own.replace('_', ' ')} callback; give yours another name."
        )
    for own in taken & set(_SKORCH_CALLBACKS):
        raise ValueError(
            f"{name}: the callback name {own!r} is taken by one of skorch's "
            f"default callbacks; give yours another name."
        )
    named, k = [], 0
    for cb in given:
        if not isinstance(cb, tuple):
            while f"user_{k}" in taken:
                k += 1
            cb = (f"user_{k}", cb)
            k += 1
        if scheduled and isinstance(cb[1], LRScheduler):
            advice = ("set lr_schedule='constant' to schedule it with yours"
                      if hasattr(estimator, "lr_schedule") else
                      "its schedule is part of the model: drop the LRScheduler")
            raise ValueError(
                f"{name} schedules the learning rate itself, and an "
                f"LRScheduler in callbacks ({cb[0]!r}) would compound with "
                f"that schedule or be overridden by it; {advice}."
            )
        if not validating:
            _refuse_validation_monitor(estimator, *cb, incremental=incremental)
        named.append(cb)
    return named


def _refuse_validation_monitor(estimator, name, callback, *, incremental):
    """A callback that monitors a validation score, where no split is held
    out, gets a clear error (skorch's is a bare ``KeyError: 'valid_loss'``,
    after a whole epoch)."""
    monitor = getattr(callback, "monitor", None)
    if not (isinstance(monitor, str) and monitor.startswith("valid")):
        return
    advice = (
        "partial_fit never holds out a validation split (whatever "
        "early_stopping says): use fit with early_stopping=True"
        if incremental else
        "set early_stopping=True (the split is validation_fraction of the rows)"
    )
    raise ValueError(
        f"{type(estimator).__name__}: the callback {name!r} monitors {monitor!r}, "
        f"but this {'call' if incremental else 'fit'} holds out no validation "
        f"split. To use it, {advice}; or monitor a training score "
        f"('train_loss', or 'train_loss_best' for a Checkpoint)."
    )


# The weight of a batch whose weights sum to 0 in the epoch's mean (its loss
# is 0): not 0, which numpy's weighted average divides by.
_TINY_BATCH_WEIGHT = 1e-30


class BestWeightsEarlyStopping(EarlyStopping):
    """skorch's ``EarlyStopping`` (patience counted in epochs without a
    relative improvement of ``threshold``) that restores the weights of the
    epoch with the lowest validation loss, as scikit-learn's MLP does.

    skorch restores those of the last epoch that beat the best by
    ``threshold``: with ``tol=0.3``, epoch 10 of a loss that fell every epoch
    to epoch 15. ``stopped_`` says whether it ended training.

    ``first_epoch``: the first epoch that may be the best and that counts
    towards the patience (an estimator whose early epochs are a warm-up of
    another objective, as GEMSEC's before its k-means step, sets it).
    """

    def __init__(self, monitor="valid_loss", patience=5, threshold=1e-4,
                 threshold_mode="rel", lower_is_better=True, sink=print,
                 load_best=False, first_epoch=1):
        super().__init__(monitor=monitor, patience=patience, threshold=threshold,
                         threshold_mode=threshold_mode,
                         lower_is_better=lower_is_better, sink=sink,
                         load_best=load_best)
        self.first_epoch = first_epoch

    def _counts(self, epoch):
        return epoch >= getattr(self, "first_epoch", 1)  # (older pickles)

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.lowest_, self.lowest_epoch_, self.lowest_weights_ = np.inf, 0, None
        self.stopped_ = False

    def on_epoch_end(self, net, **kwargs):
        if not self._counts(net.history[-1, "epoch"]):
            return
        score = net.history[-1, self.monitor]
        if score < self.lowest_:
            self.lowest_, self.lowest_epoch_ = score, net.history[-1, "epoch"]
            self.lowest_weights_ = copy.deepcopy(net.module_.state_dict())
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            self.stopped_ = True
            raise

    def on_train_end(self, net, **kwargs):
        last = net.history[-1] if len(net.history) else {}
        score = last.get(self.monitor)
        if (score is not None and last["epoch"] != self.lowest_epoch_
                and score < self.lowest_ and self._counts(last["epoch"])):
            # An epoch that a callback run before this one ended (a user's
            # time budget raising KeyboardInterrupt): on_epoch_end never saw
            # it, and the best earlier epoch's weights replaced the better
            # last ones. The weights are that epoch's.
            self.lowest_, self.lowest_epoch_ = score, last["epoch"]
            self.lowest_weights_ = None
        if (self.lowest_weights_ is not None
                and self.lowest_epoch_ != net.history[-1, "epoch"]):
            net.module_.load_state_dict(self.lowest_weights_)
            self._sink(f"Restoring best model from epoch {self.lowest_epoch_}.",
                       verbose=net.verbose)
        self.lowest_weights_ = None  # (not kept in the fitted model's pickles)

    def __getstate__(self):
        state = super().__getstate__()
        state["lowest_weights_"] = None
        return state


class StopOnNonFiniteLoss(Callback):
    """Raise a clear error as soon as an epoch's loss or a weight is NaN or
    infinite.

    The epoch's training loss averages losses measured before each batch's
    update: weights that the last updates sent to NaN or infinity passed it
    (the fit "succeeded" and every prediction was NaN), so the weights are
    checked too, as scikit-learn's MLP checks them.

    Parameters
    ----------
    estimator_name : str, default="The estimator"
        Named in the message, see :func:`raise_if_non_finite`.
    """

    def __init__(self, estimator_name="The estimator"):
        self.estimator_name = estimator_name

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        name = getattr(self, "estimator_name", "The estimator")  # older pickles
        for key in ("train_loss", "valid_loss"):
            value = row.get(key)
            if value is not None and not math.isfinite(value):
                raise_if_non_finite(value, row["epoch"], name,
                                    key.replace("_", " "), _divergence_advice(net))
        for weight, values in net.module_.named_parameters():
            if not bool(torch.isfinite(values).all()):
                raise FloatingPointError(
                    f"{name}: the network's weights ({weight}) became NaN or "
                    f"infinite at epoch {row['epoch']}; training was stopped. "
                    f"{_divergence_advice(net)}"
                )


# What to try when training diverged; ``lower`` names what to lower.
_DIVERGENCE_ADVICE = (
    "{lower}, scale X (for example with StandardScaler), or check the data "
    "for extreme values."
)


def _divergence_advice(net):
    """What to try when ``net`` diverged: lower ``lr``, and the weight decay
    where there is one (with SGD, ``lr * weight_decay`` above 2 makes the
    weights grow every step whatever the data). Built only on failure."""
    decay = max(
        (group.get("weight_decay", 0.0) or 0.0
         for attribute in getattr(net, "_optimizers", ["optimizer"])
         for group in getattr(getattr(net, attribute + "_", None), "param_groups",
                              [])),
        default=0.0,
    )
    lower = "Lower lr or weight_decay" if decay > 0 else "Lower lr"
    return _DIVERGENCE_ADVICE.format(lower=lower)


def trim_interrupted_history(net, estimator):
    """Drop the history row of an epoch cut short by a KeyboardInterrupt, and warn.

    Returns the number of finished epochs. Called after ``net.partial_fit``,
    which catches the interrupt and leaves the weights of the last finished
    batch (or, with early stopping, those of the best epoch).
    """
    finished = getattr(net, "_finished_epochs", len(net.history))
    if len(net.history) > finished:
        del net.history[finished:]
        warn_interrupted(estimator, finished, "history_")
    return finished


def _follow_verbose(net, verbose):
    """The epoch table and progress bar as ``verbose`` asks now: a
    ``partial_fit`` that continues kept those of the first call's setting.
    (Edited in place, as the stale callbacks of a fit are dropped.)"""
    net.verbose = int(verbose)
    for name, make in (("print_log", PrintLog), ("progress_bar", ProgressBar)):
        present = any(item[0] == name for item in net.callbacks_)
        if verbose and not present:
            net.callbacks_.append((name, make().initialize()))
        elif not verbose and present:
            net.callbacks_ = [item for item in net.callbacks_ if item[0] != name]


def _follow_callbacks(net, estimator):
    """Gradient clipping and the user's callbacks as the estimator's
    parameters ask now: a ``partial_fit`` that continues kept those of the
    first call (set with ``set_params`` since, they were neither applied nor
    refused; a model saved and loaded got them). The user's callbacks are
    replaced only when ``callbacks`` holds other objects than then: unchanged
    ones keep their state across calls. (Edited in place, as
    :func:`_follow_verbose` does.)"""
    given = list(estimator.callbacks or [])
    before = getattr(net, "user_callbacks_given", given)
    user = None
    if len(given) != len(before) or any(a is not b for a, b in zip(given, before)):
        # (first: a refused callback leaves the net as it was)
        user = _user_callbacks(estimator, False, validating=False, incremental=True)
    clip = getattr(estimator, "gradient_clipping", None)
    for attribute in ("callbacks", "callbacks_"):
        items = [item for item in getattr(net, attribute)
                 if not (isinstance(item, tuple) and item[0] == "gradient_clipping")]
        if clip is not None:
            # where _make_net puts it: after the non-finite loss check
            at = next((i + 1 for i, item in enumerate(items) if isinstance(item, tuple)
                       and item[0] == "stop_on_non_finite_loss"), len(items))
            callback = GradientNormClipping(clip)
            if attribute == "callbacks_":
                callback.initialize()
            items.insert(at, ("gradient_clipping", callback))
        setattr(net, attribute, items)
    if user is not None:
        old = set(getattr(net, "user_callback_names", []))
        net.callbacks = [item for item in net.callbacks
                         if not (isinstance(item, tuple) and item[0] in old)] + user
        net.callbacks_ = [item for item in net.callbacks_ if item[0] not in old] + [
            (name, (cb() if isinstance(cb, type) else cb).initialize())
            for name, cb in user
        ]
        net.user_callback_names = [name for name, _ in user]
    net.user_callbacks_given = given


def training_state(net):
    """Copies of what an epoch changes in place: the module's weights and
    buffers, the optimizers' states and the length of the history (see
    :func:`restore_training_state`)."""
    weights = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
    optimizers = [
        copy.deepcopy(getattr(net, name + "_").state_dict())
        for name in net._optimizers
    ]
    return weights, optimizers, len(net.history)


def restore_training_state(net, state):
    """Put back what :func:`training_state` copied."""
    weights, optimizers, n_epochs = state
    net.module_.load_state_dict(weights)
    for name, saved in zip(net._optimizers, optimizers):
        getattr(net, name + "_").load_state_dict(saved)
    del net.history[n_epochs:]


def warn_interrupted(estimator, finished, record="history_"):
    """The warning of a fit cut short by a KeyboardInterrupt (see
    :func:`trim_interrupted_history`); loops of their own call it too."""
    warnings.warn(
        f"Training of {type(estimator).__name__} was interrupted by a "
        f"KeyboardInterrupt after {finished} finished epoch(s); {record} "
        f"holds those epochs and the model the weights of the last finished "
        f"batch (of the best epoch with early stopping).",
        UserWarning,
        stacklevel=external_stacklevel(),
    )


def history_values(history, key):
    """The floats of column ``key`` of a skorch history ([] when it is empty,
    as after an interrupt in the first epoch)."""
    if len(history) == 0:
        return []
    return [float(v) for v in history[:, key]]


@contextlib.contextmanager
def keep_finished_epochs(estimator, finished, record="loss_curve_", warn=True):
    """Catch a KeyboardInterrupt in a training loop of its own, and warn.

    For estimators that train outside skorch: the loop runs in this block,
    ``finished()`` counts the epochs it completed (recorded in ``record``),
    and fitting goes on from the last finished batch, as on the skorch road.
    ``estimator._fit_interrupted`` is set to True, so that a ``fit`` that
    trains more than once can skip the later trainings (and pop the flag).
    ``warn=False`` leaves the warning to such a ``fit``, where it keeps
    another network than the interrupted one.
    """
    try:
        yield
    except KeyboardInterrupt:
        estimator._fit_interrupted = True
        if warn:
            warn_interrupted(estimator, finished(), record)


def is_out_of_memory(error):
    """Whether ``error`` is an out-of-memory error from torch: CUDA's, or a
    failed CPU allocation ("DefaultCPUAllocator: can't allocate memory")."""
    oom = getattr(torch.cuda, "OutOfMemoryError", ())
    text = str(error).lower()
    return isinstance(error, oom) or (
        isinstance(error, RuntimeError)
        and ("out of memory" in text or "can't allocate memory" in text)
    )


@contextlib.contextmanager
def out_of_memory_hint(estimator, stage, batch_size):
    """Re-raise an out-of-memory error with the ``batch_size`` to lower (and
    an optimizer step too large for float32 with the ``lr`` to lower).

    Parameters
    ----------
    estimator : estimator
        Named in the message.

    stage : str
        ``"fit"`` or the inference method, for the message.

    batch_size : int or None
        The batch size in use; None means the whole input at once.
    """
    try:
        yield
    except Exception as error:
        if "cannot be converted to type float without overflow" in str(error):
            # torch's float32 optimizer kernels, given a step (lr, or Adam's
            # lr / (1 - beta1) at the first step) past float32's range
            raise ValueError(
                f"{type(estimator).__name__}: lr={getattr(estimator, 'lr', None)!r}"
                f" gives optimizer steps too large for float32 (torch: "
                f"{str(error).splitlines()[0]}). Lower lr."
            ) from error
        if not is_out_of_memory(error):
            raise
        if torch.cuda.is_available():
            torch.cuda.empty_cache()  # free the failed batch's blocks
        # (the CPU's own allocation failures: no other device to suggest)
        on_cpu = "can't allocate memory" in str(error).lower()
        if batch_size is None:
            advice = (
                "with every row in one batch (batch_size=None); use "
                + ("a smaller input" if on_cpu else "device='cpu' or a smaller input")
            )
        else:
            advice = f"with batch_size={batch_size}; lower batch_size" + (
                "" if on_cpu else " (or use device='cpu')")
        message = (
            f"{type(estimator).__name__} ran out of memory during {stage} "
            f"{advice}. The original error: {str(error).splitlines()[0]}"
        )
        try:
            new = type(error)(message)  # same type: except clauses still match
        except Exception:
            new = RuntimeError(message)
        raise new from error


def _without_zero_weights(X, y, sample_weight):
    """``X``, ``y`` and ``sample_weight`` without the rows of weight zero.

    A zero weight removes the row from training, as documented: scaling its
    loss by zero still let it through batch normalization (its statistics
    in training and the running ones kept for prediction: 40 zero-weight
    rows of noise took a CNN from 0.85 to 0.6 training accuracy) and into
    the batches. Out-of-core rows, and weights that are all zero (refused
    elsewhere), are left as they are; so are streams of stateful training,
    whose every row carries the state to the next.
    """
    keep = sample_weight > 0
    if isinstance(X, LazyRows) or bool(keep.all()) or not bool(keep.any()):
        return X, y, sample_weight
    rows = torch.nonzero(keep).squeeze(1)
    return _take_rows(X, rows), _take_rows(y, rows), sample_weight[rows]


def _take_rows(data, rows):
    """Rows ``rows`` (a tensor of indices) of a tensor, an array, or a dict,
    tuple or list of them (the training inputs some modules take)."""
    if data is None:
        return None
    if isinstance(data, torch.Tensor):
        return data.index_select(0, rows.to(data.device))
    if isinstance(data, dict):
        return {key: _take_rows(value, rows) for key, value in data.items()}
    if isinstance(data, (tuple, list)):
        return type(data)(_take_rows(value, rows) for value in data)
    return data[rows.cpu().numpy()]


def optimizer_states(net):
    """The state of each of ``net``'s optimizers (``{name: state_dict}``):
    Adam's moment estimates and step counts, for example. With them a
    restored net's ``partial_fit`` continues exactly as the original's would
    (see :func:`restore_net`). Their tensors stay where they are: the loaders
    read them with ``map_location="cpu"``, and ``load_state_dict`` moves
    them to the weights' device.

    Numbers in the parameter groups are plain Python numbers: a numpy
    ``lr`` (``GridSearchCV`` over ``np.logspace`` gives them) or a rate a
    scheduler derived from one would make the state unreadable by
    ``torch.load(weights_only=True)``, so a saved model could not be loaded.
    """
    states = {}
    for name in net._optimizers:
        state = getattr(net, name + "_").state_dict()
        state["param_groups"] = [
            {key: plain_numbers(value) for key, value in group.items()}
            for group in state["param_groups"]
        ]
        states[name] = state
    return states


def restore_net(estimator, weights, history, device=None, optimizers=None):
    """Rebuild a fitted estimator's skorch net from its weights.

    The training road's half of loading a model (pickles of GPU fits and
    saved model files): the module comes from ``_build_module()``, the
    net from ``_make_net`` with the estimator's parameters.

    Parameters
    ----------
    estimator : BaseTorchEstimator
        With its fitted attributes set (they size the module).

    weights : dict of str to torch.Tensor
        The module's ``state_dict``, on any device.

    history : list of dict
        The net's history rows.

    device : str, torch.device or None, default=None
        Where to place the weights. ``None`` keeps the estimator's ``device``
        parameter when this machine has that device, else uses the CPU.

    optimizers : dict or None, default=None
        :func:`optimizer_states` of the original net. ``None`` leaves the
        optimizers fresh (``partial_fit`` then restarts Adam's moment
        estimates, for example).
    """
    from skorch.history import History

    estimator._device = loading_device(estimator, device)
    with float32_default_dtype():  # as fit builds it, whatever the caller's default
        module = estimator._build_module()
    module.load_state_dict(weights)
    net = estimator._make_net(module, estimator._criterion())
    net.initialize()
    net.module_.to(estimator._device)
    # (after the move: the optimizers put their state on the weights' device)
    for name, state in (optimizers or {}).items():
        try:
            getattr(net, name + "_").load_state_dict(state)
        except (ValueError, KeyError) as error:
            # (files saved after set_params(head_lr=...) since fit, before
            # io.save refused them: torch's error, and the model was lost)
            warnings.warn(
                f"{type(estimator).__name__}: the saved state of its {name} does "
                f"not fit the optimizer its parameters build ({error}); the "
                f"weights are restored, and the optimizer starts afresh.",
                UserWarning,
                stacklevel=external_stacklevel(),
            )
    net._set_training(False)  # at rest in eval mode, as after training
    net.history = History(history)
    _restore_best_scores(net)
    estimator.net_ = net
    estimator.history_ = net.history


def _restore_best_scores(net):
    """The scoring callbacks' best scores, read back from the history.

    ``net.initialize()`` resets them (to +-inf); skorch's ``EpochScoring``
    finds its own again when training begins, its ``PassthroughScoring``
    (the train and valid losses) does not: the next ``partial_fit`` after a
    load flagged its epoch ``train_loss_best`` however bad it was.
    """
    for _, callback in net.callbacks_:
        # (an EpochScoring without a name takes its scorer's, name_)
        name = getattr(callback, "name_", None) or getattr(callback, "name", None)
        if not isinstance(name, str) or not hasattr(callback, "best_score_"):
            continue
        best = [row[name] for row in net.history
                if row.get(name + "_best") and name in row]
        if best:
            callback.best_score_ = best[-1]


def loading_device(estimator, device=None):
    """The device to load weights on: ``device``, else the estimator's own
    ``device`` parameter if this machine has it, else the CPU."""
    if device is None:
        try:
            return resolve_device(getattr(estimator, "device", "cpu"))
        except ValueError:  # fitted on a device this machine lacks
            return torch.device("cpu")
    return resolve_device(device)


def _on_accelerator(module):
    """Whether any parameter or buffer of ``module`` lives off the CPU."""
    return isinstance(module, torch.nn.Module) and any(
        t.device.type != "cpu" for t in (*module.parameters(), *module.buffers())
    )


def _cpu_copy(module):
    """A deep copy of ``module`` on the CPU, made without a second copy on the
    module's own device (the copy's parameters and buffers are seeded into
    ``deepcopy``'s memo), in the same train/eval modes."""
    memo = {}
    for tensor in (*module.parameters(), *module.buffers()):
        cpu = tensor.detach().to("cpu", copy=True)
        if isinstance(tensor, torch.nn.Parameter):
            cpu = torch.nn.Parameter(cpu, requires_grad=tensor.requires_grad)
        memo[id(tensor)] = cpu
    copied = copy.deepcopy(module, memo).cpu()
    # Modules rebuilt by their own __deepcopy__ can come back in training mode
    # (torchvision's feature extractors, torch.fx DualGraphModules). train()
    # parent before child, as named_modules() lists them, restores each mode
    # through the modules' own train(), which may switch more than the flag.
    modes = {name: sub.training for name, sub in module.named_modules()}
    for name, sub in copied.named_modules():
        if name in modes and sub.training != modes[name]:
            sub.train(modes[name])
    return copied


class CPUPicklingMixin:
    """Pickles fitted torch modules held as plain attributes so that any
    machine can load them.

    The attributes are named in ``_module_attributes``. A module on a GPU
    would pickle CUDA storages, which a machine without that GPU cannot
    load; it is pickled as a CPU copy instead, and moved back on load to the
    estimator's ``device`` where this machine has it, else kept on the CPU (as
    :func:`restore_net` does for skorch nets). Modules on the CPU pickle as
    they are.
    """

    _module_attributes: tuple = ()

    def __getstate__(self):
        state = super().__getstate__()
        moved = [n for n in self._module_attributes if _on_accelerator(state.get(n))]
        if moved:
            state = dict(state)  # may be the live __dict__
            for name in moved:
                state[name] = _cpu_copy(state[name])
            state["_modules_pickled_on_cpu"] = moved
        return state

    def __setstate__(self, state):
        moved = state.pop("_modules_pickled_on_cpu", ())
        super().__setstate__(state)
        if moved:
            device = loading_device(self)
            for name in moved:
                getattr(self, name).to(device)


def rebuilt_module_differs(build, module, device):
    """How the network that ``build()`` makes from an estimator's current
    parameters differs from its fitted ``module``: ``"shapes"`` (other weight
    shapes), ``"layers"`` (the same shapes, other layers: an activation, a
    dropout rate, a kernel), or None.

    A parameter changed with ``set_params`` after ``fit`` does not change the
    fitted network (scikit-learn's convention), but a network rebuilt from
    the parameters would differ: ``partial_fit`` could not continue it, and
    :func:`skdeep.io.save` could not write a file that loads it.
    """
    # a throwaway build, global RNG untouched, in float32 as fit builds
    with seeded(0, device), float32_default_dtype():
        fresh = build()
    shapes = {k: tuple(v.shape) for k, v in fresh.state_dict().items()}
    if shapes != {k: tuple(v.shape) for k, v in module.state_dict().items()}:
        return "shapes"
    if repr(fresh) != repr(module) or _settings(fresh) != _settings(module):
        return "layers"
    if any(not torch.equal(a, b.to(a.device)) for a, b in
           zip(_unsaved_buffers(fresh), _unsaved_buffers(module), strict=True)):
        return "layers"
    return None


def _unsaved_buffers(module):
    """The buffers a ``state_dict`` leaves out (``persistent=False``: a
    pretrained extractor's normalization statistics), which a rebuilt
    network takes from the parameters: a changed ``normalize`` was missed
    and skdeep.io.save wrote a file that loaded another model."""
    return [buffer for sub in module.modules()
            for name, buffer in sub._buffers.items()
            if name in sub._non_persistent_buffers_set and buffer is not None]


_SETTING_TYPES = (bool, int, float, str, type(None))


def _settings(module):
    """The plain settings of ``module`` and its submodules: their public
    attributes of simple types (a readout, a pooling mode, an L2 flag, a
    number of routing iterations), which ``repr`` does not show unless the
    module prints them (a network rebuilt after ``set_params(readout=...)``
    looked the same, and skdeep.io.save wrote a file that loaded another
    model). A module's ``_training_settings`` are left out: ``partial_fit``
    sets them on the fitted network itself (CNN stacks' frozen blocks)."""

    def plain(value):
        if isinstance(value, (tuple, list)):
            return all(plain(v) for v in value)
        return isinstance(value, _SETTING_TYPES)

    return {
        (name, key): value
        for name, sub in module.named_modules()
        for key, value in vars(sub).items()
        if not key.startswith("_") and key != "training" and plain(value)
        and key not in getattr(sub, "_training_settings", ())
    }


class BaseTorchEstimator(BaseEstimator):
    """Parameters and helpers shared by skdeep's torch estimators (private base).

    Subclasses build their ``nn.Module`` in ``fit`` and call
    :meth:`_fit_module`; inference goes through :meth:`_batched`.
    """

    _parameter_constraints: dict = {
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), callable],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
    }

    # max_epochs="auto", for the estimators whose constraints allow it: at
    # least _auto_steps gradient steps, within _auto_epoch_range (min, max or
    # None) epochs; each such estimator says how its values were chosen.
    # _fit_module resolves it (max_epochs_) when _auto_steps is set.
    _auto_steps = None
    _auto_epoch_range = (1, None)

    # Rows per inference call on the CPU, at most (None: batch_size), see
    # inference_rows: CONV_CPU_INFERENCE_ROWS for the CNN family's stacks (a
    # CNN predicts one image 7x faster with 16 rows per call than with 128,
    # 1,000 within 5%, a capsule net 1.5x faster); dense layers and small
    # networks (the convolutional autoencoder's default) run faster per row
    # in large calls, and keep batch_size (benchmarks/results/
    # inference_rows.md).
    _cpu_inference_rows = None

    def _max_inference_rows(self, X):
        """Rows per inference call on ``X`` at most, on every device (None:
        no bound): estimators whose memory per row grows with the row's
        length (long series) bound it so that a call's memory stays bounded.
        It must depend on ``X``'s row shape only, not on its number of rows
        (each row's output stays independent of the others)."""
        return None

    def _rows_per_epoch(self, X, y, sample_weight=None, *, balance=None,
                        streams=False, stratified=False, validation=None):
        """The rows an epoch of :meth:`_fit_module` trains on, for
        ``max_epochs="auto"``: those of non-zero weight, less early
        stopping's validation rows (scikit-learn's count, the ceiling of
        ``validation_fraction`` of them: the truncated rest counted one row
        too many where the product rounded up, 93 for 92), and with
        ``balance`` the balanced classes' rows of the training split
        (undersampling trained a fifth of the steps promised)."""
        n = n_rows(X)
        if sample_weight is not None and not streams:
            # the rows that train: those weighing 0 are dropped below
            n = int(torch.count_nonzero(torch.as_tensor(sample_weight)))
        held_out = (self.early_stopping and validation is None
                    and getattr(self, "_partial_fit_mode", None) is None)
        if balance is None or not isinstance(y, torch.Tensor) or y.ndim != 1:
            if held_out:
                n = max(1, n - math.ceil(self.validation_fraction * n))
            return n
        if held_out:  # (the split _fit_module draws, drawn ahead)
            train = self._early_stopping_training_rows(
                y, sample_weight, stratified=stratified)
        else:
            train = np.ones(len(y), dtype=bool)
            if sample_weight is not None:
                train = (torch.as_tensor(sample_weight) > 0).cpu().numpy()
        codes = y.cpu()[torch.as_tensor(train)]
        sizes = torch.bincount(codes[codes >= 0])
        sizes = sizes[sizes > 0]
        if len(sizes) == 0:
            return max(n, 1)  # (the iterator refuses it)
        pick = sizes.max() if balance == "oversample" else sizes.min()
        return len(sizes) * int(pick)

    def _resolve_max_epochs(self, n_rows):
        """Set ``max_epochs_``, the epochs of this fit: ``max_epochs``, or for
        ``"auto"`` :func:`auto_epochs` of ``n_rows``, the rows an epoch
        trains on (:meth:`_rows_per_epoch`)."""
        if self.max_epochs != "auto":
            self.max_epochs_ = int(self.max_epochs)
            return
        low, high = self._auto_epoch_range
        self.max_epochs_ = auto_epochs(
            n_rows, self.batch_size, self._auto_steps, min_epochs=low, max_epochs=high
        )

    def _epochs(self):
        """``max_epochs``, with ``"auto"`` as resolved by ``fit``."""
        return self.max_epochs_ if self.max_epochs == "auto" else self.max_epochs

    def _training_setup(self):
        """Resolve the device and seed once per fit."""
        self._device = resolve_device(self.device)
        self._seed = derive_seed(self.random_state)
        return self._device, self._seed

    def _build_module(self):
        """The untrained ``nn.Module``, sized from fitted attributes such as
        ``n_features_in_``. Also used to rebuild a saved model
        (:func:`restore_net`)."""
        raise NotImplementedError

    def _criterion(self):
        """The training loss, an ``nn.Module`` instance."""
        raise NotImplementedError

    def _early_stopping_training_rows(self, y, sample_weight=None, *,
                                      stratified=False):
        """Boolean mask of the rows that :meth:`_fit_module`'s early-stopping
        split will train on (the others it validates on): the same split
        (rows of weight zero dropped first, ``validation_fraction``, seed),
        drawn ahead, for set-up steps that fit the data before training (an
        RBF network's centres and closed-form output layer fitted the
        validation rows, whose scores then were in-sample ones)."""
        n = len(y)
        rows = np.arange(n)
        if sample_weight is not None:
            keep = (torch.as_tensor(sample_weight) > 0).cpu().numpy()
            if keep.any() and not keep.all():
                rows = rows[keep]
        split = EarlyStoppingSplit(self.validation_fraction, type(self).__name__,
                                   stratified=stratified, random_state=self._seed)
        kept_y = torch.as_tensor(y)[torch.as_tensor(rows)].cpu()
        train, _ = split(torch.utils.data.TensorDataset(kept_y), y=kept_y)
        mask = np.zeros(n, dtype=bool)
        mask[rows[np.asarray(train.indices)]] = True
        return mask

    def _first_early_stopping_epoch(self):
        """The first epoch early stopping may pick as the best (and counts
        towards ``n_iter_no_change``): 1, or later after a warm-up."""
        return 1

    def _lr_scheduler(self):
        """A skorch ``LRScheduler`` callback for estimators with an
        ``lr_schedule`` parameter (see :data:`LR_SCHEDULE_DOC`), else None."""
        schedule = getattr(self, "lr_schedule", "constant")
        if schedule == "constant":
            return None
        from skorch.callbacks import LRScheduler
        from torch.optim.lr_scheduler import CosineAnnealingLR

        # Stepped once per epoch, from lr down to 0 at max_epochs.
        return LRScheduler(policy=CosineAnnealingLR, T_max=self._epochs())

    def _optimizer_params(self):
        """Keyword arguments for the optimizer besides ``lr`` (skorch's
        ``optimizer__*``); override to derive them in ``fit`` or to use
        parameter groups."""
        return {"weight_decay": self.weight_decay}

    def _make_net(
        self,
        module,
        criterion,
        *,
        stratified=False,
        sample_weight=None,
        balance=None,
        streams=False,
        validation=None,
        incremental=False,
    ):
        """The skorch net; ``sample_weight`` (aligned with the training
        tensors) goes to both iterators, ``balance`` and ``streams`` to the
        training one; ``validation`` (an ``(X, y)`` pair of tensors) replaces
        the ``validation_fraction`` split. ``incremental=True`` (``partial_fit``)
        leaves out the validation split, early stopping and the learning-rate
        schedule: the number of calls is unknown."""
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            optimizer = OPTIMIZERS[optimizer]
        optimizer_params = _without_weight_decay_where_refused(
            optimizer, self._optimizer_params(), type(self).__name__
        )
        if optimizer in OPTIMIZERS.values() and self._device.type == "cpu":
            # torch's multi-tensor updates: the same numbers as its default
            # per-tensor loop on the CPU (checked bit for bit on all four
            # optimizers), in fewer calls (CUDA uses them by default)
            optimizer_params.setdefault("foreach", True)
        callbacks = [
            ("stop_on_non_finite_loss", StopOnNonFiniteLoss(type(self).__name__))
        ]
        clip = getattr(self, "gradient_clipping", None)
        if clip is not None:
            callbacks.append(("gradient_clipping", GradientNormClipping(clip)))
        early_stopping = self.early_stopping and not incremental
        train_split = None
        if validation is not None:
            train_split = predefined_split(Dataset(*validation))
        elif early_stopping:
            train_split = EarlyStoppingSplit(
                self.validation_fraction,
                type(self).__name__,
                stratified=stratified,
                random_state=self._seed,
            )
        schedule = None if incremental else self._lr_scheduler()
        if schedule is not None:
            callbacks.append(("lr_scheduler", schedule))
        if streams:
            callbacks.append(("reset_state", ResetState()))
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        user = _user_callbacks(self, schedule is not None,
                               validating=train_split is not None,
                               incremental=incremental)
        callbacks += user
        if early_stopping:
            # after the user's callbacks: it ends training by raising in
            # on_epoch_end, and the callbacks after it missed that epoch
            callbacks.append(
                (
                    "early_stopping",
                    BestWeightsEarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="rel",
                        sink=print if self.verbose else _silent,
                        first_epoch=self._first_early_stopping_epoch(),
                    ),
                )
            )
        net = _Net(
            module=module,
            criterion=criterion,
            optimizer=optimizer,
            lr=self.lr,
            **{f"optimizer__{k}": v for k, v in optimizer_params.items()},
            max_epochs=self._epochs(),
            # None: every training row in one step (full-batch graph networks)
            batch_size=self.batch_size or sys.maxsize,
            iterator_train=TensorBatchIterator,
            iterator_train__shuffle=not streams,
            iterator_train__streams=streams,
            iterator_train__sample_weight=sample_weight,
            iterator_train__balance=balance,
            iterator_valid=TensorBatchIterator,
            iterator_valid__sample_weight=sample_weight,
            train_split=train_split,
            callbacks=callbacks,
            # skorch's epoch table is built every epoch even when nothing is
            # printed (about 0.35 ms, a tenth of an epoch on small data)
            **({} if self.verbose else {"callbacks__print_log": None}),
            verbose=int(self.verbose),
            device=str(self._device),
        )
        # what a continuing partial_fit compares with the callbacks then set
        # (see _follow_callbacks)
        net.user_callbacks_given = list(self.callbacks or [])
        net.user_callback_names = [name for name, _ in user]
        return net

    def _fit_module(
        self,
        X,
        y,
        *,
        stratified=False,
        sample_weight=None,
        balance=None,
        streams=False,
        validation=None,
    ):
        """Build ``self._build_module()`` and train it on tensors ``X``, ``y``.

        ``X`` is a tensor, or a dict of tensors with one row per sample whose
        entries reach ``module.forward`` as keyword arguments (seq2seq models
        take ``source`` and ``target``).

        The module is built inside the seeded block, so its initial weights
        follow ``random_state`` too. The tensors are moved to the device once.
        ``sample_weight`` (a float tensor of shape ``(n_samples,)`` or None)
        travels next to ``y`` in every batch, training and validation, so
        ``y`` stays the plain tensor that a stratified split needs; the loss
        must accept ``(y, weight)`` pairs then. ``balance`` (None,
        ``"oversample"`` or ``"undersample"``) resamples the training batches
        of each epoch to balanced classes, see :class:`TensorBatchIterator`.
        ``streams=True``: stateful training in :func:`stream_batches` order,
        the module's ``reset_state()`` called before each epoch.
        ``validation``: an ``(X, y)`` pair of tensors scored after every epoch
        (and watched by early stopping) instead of a ``validation_fraction``
        of the training rows; it needs ``sample_weight=None``. Sets ``net_``, ``history_``, ``n_iter_`` and ``loss_curve_``; returns
        the trained module.
        """
        if self._auto_steps is not None:  # max_epochs may be "auto" here
            # (the rows counted for "auto" only: with balance and early
            # stopping that draws the split ahead)
            rows = None
            if self.max_epochs == "auto":
                rows = self._rows_per_epoch(
                    X, y, sample_weight, balance=balance, streams=streams,
                    stratified=stratified, validation=validation,
                )
            self._resolve_max_epochs(rows)
        if getattr(self, "_partial_fit_mode", None) is not None:
            return self._partial_fit_module(
                X, y, sample_weight=sample_weight, balance=balance, streams=streams
            )
        device, seed = self._device, self._seed
        X = to_device(X, device)
        y = y.to(device) if isinstance(y, torch.Tensor) else y
        if sample_weight is not None:
            if len(sample_weight) != n_rows(X):
                raise ValueError(
                    f"sample_weight has {len(sample_weight)} entries but X has "
                    f"{n_rows(X)} samples."
                )
            sample_weight = torch.as_tensor(sample_weight, dtype=torch.float32)
            sample_weight = sample_weight.to(device)
            if not streams:  # (a stream's rows carry the state: all are read)
                X, y, sample_weight = _without_zero_weights(X, y, sample_weight)
        if validation is not None:
            if sample_weight is not None:
                raise ValueError("A validation set cannot be combined with sample_weight.")
            validation = tuple(to_device(v, device) for v in validation)
        with seeded(seed, device):
            net = self._make_net(
                self._build_module(),
                self._criterion(),
                stratified=stratified,
                sample_weight=sample_weight,
                balance=balance,
                streams=streams,
                validation=validation,
            )
            net.initialize()
            with out_of_memory_hint(self, "fit", self.batch_size):
                net.partial_fit(X, y)
        trim_interrupted_history(net, self)
        if sample_weight is not None:
            # The trained net need not carry the data's weights (pickles, GPU
            # memory); the iterators read them at construction only.
            net.iterator_train__sample_weight = None
            net.iterator_valid__sample_weight = None
        if validation is not None:
            # nor its validation set: an out-of-core tail kept the whole
            # memory map (or Dask graph) in every pickle of the model
            net.train_split = None
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = len(net.history)
        self.loss_curve_ = history_values(net.history, "train_loss")
        if self.early_stopping or validation is not None:
            self.validation_scores_ = history_values(net.history, "valid_loss")
        else:  # (not a record of this fit: an earlier fit's)
            self.__dict__.pop("validation_scores_", None)
        stopper = dict(net.callbacks_).get("early_stopping")
        if self.early_stopping and stopper is not None:
            stopped = getattr(stopper, "stopped_", True)  # (at the last epoch too)
            if self.n_iter_ == self._epochs() and not stopped:
                name = "max_epochs_" if self.max_epochs == "auto" else "max_epochs"
                warnings.warn(
                    f"{type(self).__name__} reached {name}={self._epochs()} "
                    f"before early stopping; the validation loss may still improve.",
                    ConvergenceWarning, stacklevel=external_stacklevel(),
                )
        return net.module_

    # -- partial_fit: one epoch per call, for every estimator on this road ----

    # Parameters first, as fit does (a bad hyperparameter is named before any
    # complaint about the data or a missing ``classes``), and once: ``fit``
    # inside skips its own validation.
    @_fit_context(prefer_skip_nested_validation=True)
    def _partial_fit(self, fit, X, y=None, *, classes=None, **fit_params):
        """The shared ``partial_fit``: run ``fit`` in incremental mode.

        ``fit`` (the estimator's bound ``fit``) validates and prepares the
        data as usual; its call of :meth:`_fit_module` then trains one epoch
        over ``X`` (see :meth:`_partial_fit_module`). scikit-learn's
        conventions (:meth:`~sklearn.neural_network.MLPClassifier.partial_fit`):

        * the first call (on an unfitted estimator) builds the module, seeded
          by ``random_state``; a classifier needs ``classes`` there, the
          labels of every call must be among them;
        * later calls continue training the existing net (also after
          ``fit``), check the feature count, keep ``classes_``, the class
          weights and every standardization statistic of the first call
          (fixed, not running: the trained weights assume that scale);
          ``history_`` grows by one epoch per call;
        * ``fit`` starts over.

        ``early_stopping``, ``validation_fraction`` and an ``lr_schedule`` are
        ignored, as scikit-learn's MLP ignores early stopping there: the
        number of calls is unknown.
        """
        first = getattr(self, "net_", None) is None
        if is_classifier(self):
            if first and classes is None:
                raise ValueError(
                    f"classes must be passed on the first call to "
                    f"{type(self).__name__}.partial_fit (the labels of every "
                    f"call must be among them)."
                )
            if classes is not None:
                classes = np.unique(np.asarray(classes))
                if not first and not np.array_equal(classes, self.classes_):
                    raise ValueError(
                        f"classes={classes.tolist()} is not the same as on the "
                        f"first call to partial_fit: {self.classes_.tolist()}."
                    )
            self._partial_classes = classes
        if not first:
            # A DataFrame of other or reordered columns is refused, as by
            # scikit-learn's MLP (names first, as its message says more);
            # fit's own validation would take its names as new ones (the
            # first call's are put back below).
            names = self.__dict__.get("feature_names_in_")
            _check_feature_names(self, X, reset=False)
            shape = getattr(X, "shape", None)
            expected = getattr(self, "n_features_in_", None)
            fitted_ndim = self.__dict__.get("input_ndim_")
            if shape is not None and fitted_ndim is not None and len(shape) >= 2 \
                    and len(shape) != fitted_ndim:
                # predict's message (a feature count read off the wrong axis
                # said "X has 1 features" of images after series)
                raise ValueError(
                    f"{type(self).__name__} was fitted on {fitted_ndim}-D input "
                    f"but X is {len(shape)}-D with shape {tuple(shape)}."
                )
            if shape is not None and len(shape) >= 2 and expected is not None:
                found = self._partial_fit_n_features(shape)
                if found != expected:
                    raise ValueError(
                        f"X has {found} features, but {type(self).__name__} "
                        f"is expecting {expected} features as input (from the "
                        f"first call of partial_fit or fit)."
                    )
        self._partial_fit_mode = "first" if first else "continue"
        try:
            if y is None:
                fit(X, **fit_params)
            else:
                fit(X, y, **fit_params)
        finally:
            del self._partial_fit_mode
            self.__dict__.pop("_partial_classes", None)
            if not first:
                self.__dict__.pop("feature_names_in_", None)
                if names is not None:
                    self.feature_names_in_ = names
        return self

    def _rebuilt_module_differs(self, module):
        """:func:`rebuilt_module_differs` of ``_build_module`` and the fitted
        ``module`` (``partial_fit`` continues only a network it would build)."""
        return rebuilt_module_differs(self._build_module, module, self._device)

    def _continue_module(self, module):
        """Apply to the trained ``module`` what a ``partial_fit`` call that
        continues takes from the current parameters (nothing by default)."""

    def _partial_fit_n_features(self, shape):
        """The feature count of input of ``shape`` as ``n_features_in_``
        counts it (estimators that flatten N-D samples override this)."""
        return shape[1]

    def _continues_training(self):
        """True inside a ``partial_fit`` call that continues a fitted net:
        estimators then keep their standardization statistics."""
        return getattr(self, "_partial_fit_mode", None) == "continue"

    def _standardize_targets(self, Y, weights=None, *, as_floats=False):
        """``Y`` (n, n_outputs), float64, in standard units.

        Regressors train on standardized targets, so that neither the
        learning rate nor the output layer's start depend on the units of
        ``y`` (a target around 18 with spread 12 needs an output bias of 18,
        which Adam at ``lr=1e-3`` reaches only after thousands of steps).
        The statistics are stored as ``y_mean_`` and ``y_scale_`` (floats
        with ``as_floats``, for one output of a 1-D ``y``); a ``partial_fit``
        call that continues keeps the first call's. ``weights``: the sample
        weights (tensor) or None; NaN entries are left out.
        """
        if self._continues_training():  # partial_fit: the first call's scale
            mean = np.atleast_1d(self.y_mean_)
            scale = np.atleast_1d(self.y_scale_)
            if len(mean) != Y.shape[1]:
                raise ValueError(
                    f"y has {Y.shape[1]} output(s), but the first call of "
                    f"partial_fit had {len(mean)}."
                )
        else:
            w = None if weights is None else weights.double().cpu().numpy()
            mean, scale = column_standardization(Y, w, targets=True)
        self.y_mean_ = float(mean[0]) if as_floats else mean
        self.y_scale_ = float(scale[0]) if as_floats else scale
        return (Y - mean) / scale

    def _in_target_units(self, values):
        """Standardized outputs ``(..., n_outputs)`` in the units of ``y``
        (models saved before their family standardized ``y`` have no
        ``y_mean_``: their outputs are in those units already)."""
        mean = getattr(self, "y_mean_", 0.0)
        return mean + np.asarray(getattr(self, "y_scale_", 1.0)) * values

    def _min_training_samples(self):
        """Rows a training call needs: two to start (scaling, classes), one
        for a ``partial_fit`` call that continues (online learning)."""
        return 1 if self._continues_training() else 2

    def _partial_fit_module(
        self, X, y, *, sample_weight=None, balance=None, streams=False
    ):
        """:meth:`_fit_module` in ``partial_fit`` mode: one epoch over ``X``.

        The first call builds the net as ``fit`` does (seeded, same
        initial weights) but without a validation split, early stopping or
        learning-rate schedule. Later calls check that the data fit the
        existing module (the module the current data would build must have
        the same weight shapes) and train it one more epoch, shuffling under
        the seed derived from ``random_state`` plus the number of epochs in
        ``history_`` (saved with the model), so a sequence of calls is
        reproducible, also across ``skdeep.io`` save and load. ``X`` may be out-of-core
        (:class:`~skdeep.utils._lazy.LazyRows`).
        """
        device = self._device
        X = to_device(X, device)
        y = y.to(device) if isinstance(y, torch.Tensor) else y
        if sample_weight is not None:
            sample_weight = torch.as_tensor(sample_weight, dtype=torch.float32)
            sample_weight = sample_weight.to(device)
            if not streams:  # (a stream's rows carry the state: all are read)
                X, y, sample_weight = _without_zero_weights(X, y, sample_weight)

        def train_one_epoch(net):
            with out_of_memory_hint(self, "partial_fit", self.batch_size):
                net.partial_fit(X, y, epochs=1)

        if self._partial_fit_mode == "first":
            with seeded(self._seed, device):  # as _fit_module: one seeded block
                net = self._make_net(
                    self._build_module(),
                    self._criterion(),
                    sample_weight=sample_weight,
                    balance=balance,
                    streams=streams,
                    incremental=True,
                )
                net.initialize()
                train_one_epoch(net)
        else:
            net = self.net_
            epochs_done = len(net.history)  # persists with the model
            differs = self._rebuilt_module_differs(net.module_)
            if differs == "shapes":
                raise ValueError(
                    f"{type(self).__name__}.partial_fit cannot continue the model "
                    f"of the earlier calls: these data and parameters build a "
                    f"network with other weight shapes (a different input or "
                    f"target shape, or a parameter that shapes the network "
                    f"changed with set_params since). Call fit to start anew."
                )
            if differs == "layers":
                # same shapes, other layers (activation, dropout rate, batch
                # normalization...): training on went on with the old ones
                raise ValueError(
                    f"{type(self).__name__}.partial_fit cannot continue the model "
                    f"of the earlier calls: a parameter that sets its layers "
                    f"(activation, dropout, input noise, readout, pooling, ...) "
                    f"changed with set_params since. Call fit to start anew."
                )
            _follow_callbacks(net, self)
            for name, callback in net.callbacks_:  # (kept from the first call)
                if name not in _OWN_CALLBACKS:
                    _refuse_validation_monitor(self, name, callback, incremental=True)
            # A failed call leaves the model as it was: _fit_context puts back
            # attributes, not weights trained in place (a loss that became
            # inf had stepped every weight to NaN before the error)
            before = training_state(net)
            # the current batch size, as scikit-learn's MLP reads it every
            # call (its learning rate, like the MLP's, stays the optimizer's)
            net.batch_size = self.batch_size or sys.maxsize
            # and the current loss (sparsity, beta, ...): the one a model
            # saved and loaded gets, which trained on differently before
            net.criterion = self._criterion()
            net.criterion_ = net.criterion.to(device)
            self._continue_module(net.module_)
            stale = ("early_stopping", "lr_scheduler")  # from a fit before
            # A loaded net is built without streams (restore_net knows no
            # stateful parameter): give it this call's batching and resets.
            resets = any(name == "reset_state" for name, _ in net.callbacks_)
            # A schedule's last rates (a cosine ends at 0, which froze the
            # network): back to the rates it started from, once, as a first
            # partial_fit call trains (no schedule). Read from the optimizer
            # (torch's schedulers leave initial_lr in its groups, saved with
            # its state), not from the callbacks: a loaded net's are rebuilt
            # from the current lr_schedule, and one set to "constant" since
            # fit left the cosine's 0 in place (no update, no error). A
            # user's own scheduler goes on as it is.
            if not any(isinstance(callback, LRScheduler) and name != "lr_scheduler"
                       for name, callback in net.callbacks_):
                for optimizer in net._optimizers:
                    for group in getattr(net, optimizer + "_").param_groups:
                        if "initial_lr" in group:
                            group["lr"] = group.pop("initial_lr")
            if net.train_split is not None or resets != streams or any(
                name in stale for name, _ in net.callbacks_
            ):
                net.train_split = None
                # edited in place, not set up anew by initialize_callbacks,
                # which reset the user's callbacks (their counts started
                # over after a fit with early stopping, not after others)
                dropped = (*stale, "reset_state")
                net.callbacks = [
                    item
                    for item in net.callbacks
                    if not (isinstance(item, tuple) and item[0] in dropped)
                ]
                net.callbacks_ = [item for item in net.callbacks_
                                  if item[0] not in dropped]
                if streams:
                    reset = ResetState().initialize()
                    net.callbacks.append(("reset_state", reset))
                    net.callbacks_.append(("reset_state", reset))
            net.iterator_train__streams = streams
            net.iterator_train__shuffle = not streams
            net.iterator_train__sample_weight = sample_weight
            net.iterator_train__balance = balance
            _follow_verbose(net, self.verbose)
            try:
                with seeded((self._seed + epochs_done) % (2**31 - 1), device):
                    train_one_epoch(net)
            except Exception:
                restore_training_state(net, before)
                net._rest()  # skorch's on_train_end did not run
                raise
        trim_interrupted_history(net, self)
        net.iterator_train__sample_weight = None
        net.iterator_valid__sample_weight = None
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = len(net.history)
        self.loss_curve_ = history_values(net.history, "train_loss")
        return net.module_

    @property
    def module_(self):
        """The trained torch module (``net_.module_``)."""
        check_is_fitted(self, "net_")  # (not an AttributeError naming net_)
        return self.net_.module_

    def __getstate__(self):
        state = super().__getstate__()
        net = state.get("net_")
        if net is not None and torch.device(net.device).type != "cpu":
            state = dict(state)  # may be the live __dict__
            # A net on a GPU pickles CUDA storages, which a machine without a
            # GPU cannot load. Keep its weights as a CPU state_dict instead and
            # rebuild the net on load (restore_net), as saved files do.
            buffer = io.BytesIO()
            weights = net.module_.state_dict()
            torch.save(
                ({k: v.detach().cpu() for k, v in weights.items()},
                 optimizer_states(net)),
                buffer,
            )
            state["net_"] = None
            state.pop("history_", None)
            state["_gpu_net_weights"] = (buffer.getvalue(), net.history)
        return state

    def __setstate__(self, state):
        payload = state.pop("_gpu_net_weights", None)
        super().__setstate__(state)
        if payload is not None:
            weights, history = payload
            weights = torch.load(
                io.BytesIO(weights), weights_only=True, map_location="cpu"
            )
            optimizers = None
            if isinstance(weights, tuple):  # (older pickles: the weights alone)
                weights, optimizers = weights
            # On the GPU again where there is one, else on the CPU.
            restore_net(self, weights, history, optimizers=optimizers)

    def _batched(self, fn, X, out_dtype=None):
        """Run ``fn`` over ``X`` in ``batch_size`` chunks in eval mode, no grad."""
        with inference_mode(self.net_.module_), out_of_memory_hint(
            self, "inference", self.batch_size
        ):
            return batched_numpy(
                fn,
                X,
                batch_size=self._inference_batch_rows(X),
                device=self.net_.device,
                out_dtype=out_dtype,
            )

    def _inference_batch_rows(self, X):
        """The rows of every inference call of :meth:`_batched` on ``X``."""
        rows = inference_rows(
            self.batch_size, self.net_.device, self._cpu_inference_rows
        )
        cap = self._max_inference_rows(X)
        return rows if cap is None else min(rows, cap)


_PARTIAL_FIT_DOC = """Train one more epoch on ``X``, ``y`` (incremental learning).

        As :meth:`sklearn.neural_network.MLPClassifier.partial_fit`: the first
        call on an unfitted estimator {classes}builds the network and fixes
        what ``fit`` derives from the data (the standardization statistics,
        {fixed}the weight decay's :math:`N` where there is one); every call
        validates its chunk as ``fit`` does, trains one epoch over it and
        appends the epoch to ``history_``. ``partial_fit`` after ``fit``
        continues from the fitted network; ``fit`` starts over.
        ``early_stopping`` and ``lr_schedule`` are ignored here. A
        ``batch_size``, a loss parameter (a sparsity or KL weight),
        ``verbose``, ``callbacks`` (new objects start fresh; unchanged ones
        keep their state) or ``gradient_clipping`` set since applies; the
        optimizer keeps its weight decay and the learning rate it started
        from (as the MLP's does; an ``lr_schedule``'s last rate, 0 for the
        cosine, is set back to it by the first call after ``fit``; a
        scheduler among ``callbacks`` goes on); a changed parameter that
        sets the network's layers (``activation``, ``dropout``, ...) is an
        error.

        Parameters
        ----------
        X : array-like
            A chunk of training samples, shaped as for ``fit``: two or more
            on the first call, then as few as one (online learning).

        y : {y_shape}
            {y_what}
{classes_param}
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """


class PartialFitClassifierMixin:
    """``partial_fit`` for classifiers on the shared training road."""

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        return self._partial_fit(
            self.fit, X, y, classes=classes, sample_weight=sample_weight
        )

    partial_fit.__doc__ = _PARTIAL_FIT_DOC.format(
        classes="needs ``classes`` (every label of every call), ",
        fixed="the class weights, ",
        y_shape="array-like of shape (n_samples,)",
        y_what="Its labels.",
        classes_param="""
        classes : array-like of shape (n_classes,), default=None
            All the labels; required on the first call, optional after it
            (it must then be the same).
""",
    )


class PartialFitRegressorMixin:
    """``partial_fit`` for regressors on the shared training road."""

    def partial_fit(self, X, y, sample_weight=None):
        return self._partial_fit(self.fit, X, y, sample_weight=sample_weight)

    partial_fit.__doc__ = _PARTIAL_FIT_DOC.format(
        classes="",
        fixed="",
        y_shape="array-like of shape (n_samples,) or (n_samples, n_outputs)",
        y_what="Its targets.",
        classes_param="",
    )


class PartialFitTransformerMixin:
    """``partial_fit`` for unsupervised estimators on the shared training road."""

    def partial_fit(self, X, y=None):
        """Train one more epoch on ``X`` (incremental, out-of-core learning).

        The first call on an unfitted estimator builds the network (seeded
        by ``random_state``) and fixes what ``fit`` derives from the data;
        each call then runs one epoch over ``X`` in shuffled batches of
        ``batch_size`` and appends it to ``history_``. ``partial_fit`` after
        ``fit`` continues from the fitted network; ``fit`` starts over.
        ``early_stopping`` is ignored here. A ``batch_size`` set since
        applies; the optimizer keeps its learning rate and weight decay (as
        scikit-learn's MLP does); a changed parameter that sets the network's
        layers (``activation``, ``noise``, ...) is an error. ``X`` may be a
        memory map or a Dask array where ``fit`` reads those lazily.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data, with the features of the first call:
            two rows or more on the first call, then as few as one.

        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        return self._partial_fit(self.fit, X)


def store_init_params(estimator, params):
    """Set every ``__init__`` argument as an attribute (call with ``locals()``).

    scikit-learn's contract: ``__init__`` stores its parameters unchanged
    and does nothing else; this spares estimators with long parameter lists
    one assignment line per parameter.
    """
    for key, value in params.items():
        if key not in ("self", "__class__"):
            setattr(estimator, key, value)


def _silent(*args, **kwargs):
    """A no-op print for skorch callbacks when verbose=0 (picklable)."""
