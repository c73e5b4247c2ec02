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
  error when the loss stops being finite.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import io
import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, ProgressBar
from skorch.dataset import ValidSplit

from skdeep.utils._sklearn import Interval, StrOptions
from skdeep.utils._torch import batched_numpy, derive_seed, resolve_device, seeded

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}

TRAINING_PARAMETERS_DOC = """\
    lr : float, default={lr}
        Learning rate of the optimizer.

    max_epochs : int, default={max_epochs}
        Number of passes over the training data (fewer with early stopping).

    batch_size : int, default={batch_size}
        Rows per training step; inference runs in batches of the same size.

    optimizer : {{"adam", "adamw", "sgd", "rmsprop"}} or torch optimizer class, \
default="adam"
        The optimizer.

    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and stop when
        the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best weights are restored.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

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
        copied at ``fit`` so the parameter itself is never modified."""


def training_parameters_doc(**defaults):
    """The shared parameter text, with this estimator's defaults filled in."""
    values = {"lr": 0.001, "max_epochs": 100, "batch_size": 128, **defaults}
    return TRAINING_PARAMETERS_DOC.format(**values)


class TensorBatchIterator:
    """Yield ``(X, y)`` slices of a skorch dataset holding tensors.

    skorch builds one iterator per epoch with ``iterator(dataset, **kwargs)``.
    The default ``DataLoader`` collates one sample at a time; this one slices
    whole batches from tensors that already live on the training device.
    Shuffling draws from torch's (forked, seeded) global RNG.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, **_):
        self.X, self.y = _dataset_tensors(dataset)
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def __iter__(self):
        n = len(self.X)
        order = torch.randperm(n, device=self.X.device) if self.shuffle else None
        same_target = self.y is self.X  # autoencoders: gather each batch once
        for start in range(0, n, self.batch_size):
            if order is None:
                index = slice(start, start + self.batch_size)
            else:
                index = order[start : start + self.batch_size]
            Xb = self.X[index]
            if same_target:
                yield Xb, Xb
            else:
                yield Xb, (None if self.y is None else self.y[index])


def _dataset_tensors(dataset):
    """The (X, y) tensors of a skorch Dataset or a torch Subset of one."""
    if isinstance(dataset, torch.utils.data.Subset):
        cached = getattr(dataset, "_skdeep_tensors", None)
        if cached is None:
            X, y = _dataset_tensors(dataset.dataset)
            index = torch.as_tensor(np.asarray(dataset.indices), device=X.device)
            cached = (X[index], None if y is None else y[index])
            dataset._skdeep_tensors = cached  # skorch asks again every epoch
        return cached
    return dataset.X, dataset.y


class _Net(NeuralNet):
    """skorch's NeuralNet minus a per-batch cost that adds up on small nets.

    skorch switches every module to train mode before each batch, walking the
    whole module tree; here the walk happens only when the mode changes.
    """

    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)


class StopOnNonFiniteLoss(Callback):
    """Raise a clear error as soon as an epoch's loss is NaN or infinite."""

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        for key in ("train_loss", "valid_loss"):
            value = row.get(key)
            if value is not None and not math.isfinite(value):
                raise FloatingPointError(
                    f"The {key.replace('_', ' ')} became {value} at epoch "
                    f"{row['epoch']}; training was stopped. Scale the inputs "
                    f"(StandardScaler), lower lr, or check the data for extreme "
                    f"values."
                )


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

    def _training_setup(self):
        """Resolve the device and seed once per fit."""
        self._device = resolve_device(self.device)
        self._seed = derive_seed(self.random_state)
        return self._device, self._seed

    def _build_module(self):
        """The untrained ``nn.Module``, sized from fitted attributes such as
        ``n_features_in_``. Also used by :func:`skdeep.io.load`."""
        raise NotImplementedError

    def _criterion(self):
        """The training loss, an ``nn.Module`` instance."""
        raise NotImplementedError

    def _optimizer_params(self):
        """Keyword arguments for the optimizer besides ``lr`` (skorch's
        ``optimizer__*``); override to derive them in ``fit`` or to use
        parameter groups."""
        return {"weight_decay": self.weight_decay}

    def _make_net(self, module, criterion, *, stratified=False):
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            optimizer = OPTIMIZERS[optimizer]
        callbacks = [("stop_on_non_finite_loss", StopOnNonFiniteLoss())]
        train_split = None
        if self.early_stopping:
            train_split = ValidSplit(
                self.validation_fraction,
                stratified=stratified,
                random_state=self._seed,
            )
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="rel",
                        load_best=True,
                        sink=print if self.verbose else _silent,
                    ),
                )
            )
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        for i, cb in enumerate(copy.deepcopy(self.callbacks or [])):
            callbacks.append(cb if isinstance(cb, tuple) else (f"user_{i}", cb))
        return _Net(
            module=module,
            criterion=criterion,
            optimizer=optimizer,
            lr=self.lr,
            **{f"optimizer__{k}": v for k, v in self._optimizer_params().items()},
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=TensorBatchIterator,
            iterator_train__shuffle=True,
            iterator_valid=TensorBatchIterator,
            train_split=train_split,
            callbacks=callbacks,
            verbose=int(self.verbose),
            device=str(self._device),
        )

    def _fit_module(self, X, y, *, stratified=False):
        """Build ``self._build_module()`` and train it on tensors ``X``, ``y``.

        The module is built inside the seeded block, so its initial weights
        follow ``random_state`` too. The tensors are moved to the device once.
        Sets ``net_``, ``history_``, ``n_iter_`` and ``loss_curve_``; returns
        the trained module.
        """
        device, seed = self._device, self._seed
        X = X.to(device)
        y = y.to(device) if isinstance(y, torch.Tensor) else y
        with seeded(seed, device):
            net = self._make_net(self._build_module(), self._criterion(), stratified=stratified)
            net.initialize()
            net.partial_fit(X, y)
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = len(net.history)
        self.loss_curve_ = [float(v) for v in net.history[:, "train_loss"]]
        if self.early_stopping:
            self.validation_scores_ = [float(v) for v in net.history[:, "valid_loss"]]
            if self.n_iter_ == self.max_epochs:
                warnings.warn(
                    f"{type(self).__name__} reached max_epochs={self.max_epochs} "
                    f"before early stopping; the validation loss may still improve.",
                    ConvergenceWarning,
                )
        return net.module_

    @property
    def module_(self):
        """The trained torch module (``net_.module_``)."""
        return self.net_.module_

    def __getstate__(self):
        state = super().__getstate__()
        net = state.get("net_")
        if net is not None and torch.device(net.device).type != "cpu":
            state = dict(state)  # may be the live __dict__
            # A net on a GPU pickles CUDA storages, which a machine without a
            # GPU cannot load. Keep its weights as a CPU state_dict instead and
            # rebuild the net on load, as skdeep.io does.
            buffer = io.BytesIO()
            weights = net.module_.state_dict()
            torch.save({k: v.detach().cpu() for k, v in weights.items()}, buffer)
            state["net_"] = None
            state.pop("history_", None)
            state["_gpu_net_weights"] = (buffer.getvalue(), net.history)
        return state

    def __setstate__(self, state):
        payload = state.pop("_gpu_net_weights", None)
        super().__setstate__(state)
        if payload is not None:
            from skdeep.io import _restore_torch

            weights, history = payload
            # On the GPU again where there is one, else on the CPU.
            _restore_torch(self, weights, [], None)
            self.net_.history = self.history_ = history

    def _batched(self, fn, X, out_dtype=None):
        """Run ``fn`` over ``X`` in ``batch_size`` chunks in eval mode, no grad."""
        module = self.net_.module_
        was_training = module.training
        module.eval()
        try:
            return batched_numpy(
                fn,
                X,
                batch_size=self.batch_size,
                device=self.net_.device,
                out_dtype=out_dtype,
            )
        finally:
            module.train(was_training)


def _silent(*args, **kwargs):
    """A no-op print for skorch callbacks when verbose=0 (picklable)."""
