"""The classification loss shared by skdeep's classifiers.

One module for every family, so that class weights, sample weights, padding
steps and the focal variant behave the same in all of them.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
import torch.nn.functional as F
from torch import nn

LOSSES = ("cross_entropy", "focal")


class ClassificationLoss(nn.Module):
    """Weighted cross-entropy or focal loss over logits, with ignored labels.

    Parameters
    ----------
    loss : {"cross_entropy", "focal"}, default="cross_entropy"
        The per-element loss :math:`l_i`: the cross-entropy
        :math:`-\\log p_t`, or the focal loss of Lin et al. (2017)
        :math:`-(1 - p_t)^\\gamma \\log p_t`, which down-weights examples the
        model already classifies well. :math:`p_t` is the predicted
        probability of the true class.

    focal_gamma : float, default=2.0
        The focusing parameter :math:`\\gamma \\geq 0` of the focal loss
        (``0`` gives the cross-entropy). Ignored for ``"cross_entropy"``.

    class_weight : torch.Tensor of shape (n_classes,) or None, default=None
        Weight of each class; ``None`` weighs every class one. Kept as a
        buffer, so it follows the module to its device.

    ignore_index : int, default=-100
        Label of elements that do not count (padding steps of sequences).

    Notes
    -----
    ``forward(y_pred, y_true)`` takes logits of shape ``(n, K)`` or ``(n, T,
    K)`` and integer codes of shape ``(n,)`` or ``(n, T)``, or a pair
    ``(codes, sample_weight)`` with ``sample_weight`` of shape ``(n,)`` (as
    :class:`~skdeep.utils._training.TensorBatchIterator` yields it); a
    sample's weight applies to all its time steps. With
    :math:`w_i = \\text{class\\_weight}[y_i] \\cdot \\text{sample\\_weight}_i`
    the loss is the weighted mean :math:`\\sum_i w_i l_i / \\sum_i w_i` over
    the elements whose label is not ``ignore_index``, which is what
    :class:`torch.nn.CrossEntropyLoss` computes with ``weight=``. A batch
    whose weights sum to zero has loss zero (and no gradient). The batch's
    total weight is kept in ``last_total_``: the training road weighs each
    batch's loss by it in the epoch's mean, which so is the same weighted
    mean over the epoch's elements. (Logits of shape ``(n, K)`` without
    sample weights and with class weights of one go through
    :func:`torch.nn.functional.cross_entropy` itself: the same gradients.)

    References
    ----------
    T.-Y. Lin, P. Goyal, R. Girshick, K. He and P. Dollár, "Focal Loss for
    Dense Object Detection", ICCV 2017, arXiv:1708.02002.

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._losses import ClassificationLoss
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    >>> codes = torch.tensor([0, 1])
    >>> loss = ClassificationLoss(class_weight=torch.tensor([1.0, 3.0]))
    >>> expected = torch.nn.functional.cross_entropy(
    ...     logits, codes, weight=torch.tensor([1.0, 3.0]))
    >>> bool(torch.isclose(loss(logits, codes), expected))
    True
    >>> weighted = loss(logits, (codes, torch.tensor([2.0, 0.0])))
    """

    def __init__(
        self,
        loss="cross_entropy",
        *,
        focal_gamma=2.0,
        class_weight=None,
        ignore_index=-100,
    ):
        super().__init__()
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}.")
        if not focal_gamma >= 0:
            raise ValueError(f"focal_gamma must be >= 0; got {focal_gamma!r}.")
        self.loss = loss
        self.focal_gamma = float(focal_gamma)
        self.ignore_index = int(ignore_index)
        if class_weight is not None:
            class_weight = torch.as_tensor(class_weight, dtype=torch.float32)
            if class_weight.ndim != 1:
                raise ValueError(
                    f"class_weight must be 1-D (one weight per class); got shape "
                    f"{tuple(class_weight.shape)}."
                )
        self.register_buffer("class_weight", class_weight)
        # (the classifiers pass ones for class_weight=None: the fused road
        # below then gives the same gradients)
        self._unit_class_weight = class_weight is None or bool(
            torch.all(class_weight == 1)
        )

    def forward(self, y_pred, y_true):
        sample_weight = None
        if isinstance(y_true, (tuple, list)):  # skorch turns the pair into a list
            y_true, sample_weight = y_true
        if (
            y_pred.ndim == 2
            and sample_weight is None
            and self._unit_class_weight
            and (self.loss == "cross_entropy" or self.focal_gamma == 0)
        ):
            # The common case, one label a sample and no weights, in torch's
            # fused call: the same gradients to the last bit (the loss summed
            # in another order), in half the time a batch. (Summed, then
            # divided by the labelled count: an all-ignored batch has loss 0,
            # as below.)
            codes = y_true.long()
            total = (codes != self.ignore_index).sum()
            self.last_total_ = total.detach()
            summed = F.cross_entropy(
                y_pred, codes, ignore_index=self.ignore_index, reduction="sum"
            )
            return summed / total.clamp_min(1)
        n_classes = y_pred.shape[-1]
        logits = y_pred.reshape(-1, n_classes)
        codes = y_true.reshape(-1).long()
        valid = codes != self.ignore_index
        safe_codes = torch.where(valid, codes, torch.zeros_like(codes))
        log_pt = F.log_softmax(logits, dim=-1).gather(1, safe_codes[:, None])[:, 0]
        if self.loss == "focal" and self.focal_gamma > 0:
            # 1 - p_t = -expm1(log p_t) is exact for confident predictions; the
            # floor keeps the gradient of (1 - p_t)^gamma finite for gamma < 1.
            tiny = torch.finfo(log_pt.dtype).tiny
            one_minus_pt = (-torch.expm1(log_pt)).clamp(min=tiny)
            per_element = -(one_minus_pt**self.focal_gamma) * log_pt
        else:
            per_element = -log_pt
        weight = valid.to(per_element.dtype)
        if self.class_weight is not None:
            weight = weight * self.class_weight[safe_codes]
        if sample_weight is not None:
            # one weight per sample, the same for each of its time steps
            shape = (-1,) + (1,) * (y_true.ndim - 1)
            sample_weight = sample_weight.to(per_element.dtype).reshape(shape)
            weight = weight * sample_weight.expand_as(y_true).reshape(-1)
        total = weight.sum()
        self.last_total_ = total.detach()  # (the batch's share of an epoch)
        # An all-ignored or all-zero-weight batch gives 0, not 0 / 0 = NaN.
        safe_total = torch.where(total > 0, total, torch.ones_like(total))
        return (weight * per_element).sum() / safe_total


class WeightedMSELoss(nn.Module):
    """Mean squared error with optional per-sample weights and ignored targets.

    Parameters
    ----------
    ignore_nan : bool, default=False
        Leave target entries that are NaN out of the loss (the padding steps
        of many-to-many sequence targets). Off, a NaN target gives a NaN
        loss, which the training road reports.

    Notes
    -----
    ``forward(y_pred, y_true)``: ``y_true`` is the target tensor ``(n, ...)``
    (``y_pred`` is reshaped to it), or ``(targets, sample_weight)`` as
    :class:`~skdeep.utils._training.TensorBatchIterator` yields it when
    ``fit`` got ``sample_weight``. A sample's weight :math:`w_i` applies to
    each of its (non-ignored) target entries :math:`j`, and the loss is
    :math:`\\sum_{ij} w_i (y_{ij} - t_{ij})^2 / \\sum_{ij} w_i`: the plain
    mean squared error when the weights are equal, and with every sample
    holding the same number of entries the weighted mean over samples of
    their mean squared error, the normalisation of scikit-learn's
    ``mean_squared_error(..., sample_weight=...)``. A batch whose weights
    sum to zero has loss zero (and no gradient).

    Examples
    --------
    >>> import torch
    >>> from skdeep.utils._losses import WeightedMSELoss
    >>> pred, target = torch.zeros(2, 1), torch.tensor([[1.0], [3.0]])
    >>> float(WeightedMSELoss()(pred, target))
    5.0
    >>> float(WeightedMSELoss()(pred, (target, torch.tensor([1.0, 0.0]))))
    1.0
    >>> target = torch.tensor([[2.0, float("nan")], [2.0, 2.0]])
    >>> float(WeightedMSELoss(ignore_nan=True)(torch.zeros(2, 2), target))
    4.0
    """

    def __init__(self, ignore_nan=False):
        super().__init__()
        self.ignore_nan = bool(ignore_nan)

    def forward(self, y_pred, y_true):
        weight = None
        if isinstance(y_true, (tuple, list)):  # skorch turns the pair into a list
            y_true, weight = y_true
        y_pred = y_pred.reshape(y_true.shape)
        if self.ignore_nan:
            valid = ~torch.isnan(y_true)
            diff = torch.where(valid, y_pred - torch.nan_to_num(y_true), 0.0)
            element_weight = valid.to(diff.dtype)
        else:
            diff = y_pred - y_true
            if weight is None:
                self.last_total_ = None  # (a batch counts its rows)
                return torch.mean(diff**2)  # what nn.MSELoss computes
            element_weight = torch.ones_like(diff)
        if weight is not None:
            # one weight per sample, the same for each of its entries
            shape = (-1,) + (1,) * (diff.ndim - 1)
            element_weight = element_weight * weight.to(diff.dtype).reshape(shape)
        total = element_weight.sum()
        self.last_total_ = total.detach()
        # An all-ignored or all-zero-weight batch gives 0, not 0 / 0 = NaN.
        safe_total = torch.where(total > 0, total, torch.ones_like(total))
        return (element_weight * diff**2).sum() / safe_total
