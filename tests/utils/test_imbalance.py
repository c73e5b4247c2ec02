"""Class imbalance and sample weights on the shared training road."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import recall_score
from skorch.dataset import Dataset
from torch import nn
from torch.utils.data import Subset

from skdeep.recurrent import RNNClassifier
from skdeep.uncertainty import MCDropoutClassifier
from skdeep.utils._losses import ClassificationLoss
from skdeep.utils._torch import seeded
from skdeep.utils._training import (
    BaseTorchEstimator,
    TensorBatchIterator,
    class_weight_array,
    validate_sample_weight,
)

# -- the iterator ---------------------------------------------------------------


def _rows(n):
    """X whose first column is the row number, so batches can be traced back."""
    X = torch.stack([torch.arange(n, dtype=torch.float32), torch.zeros(n)], dim=1)
    return X, torch.arange(n) % 3


def _collect(iterator):
    X, y, w = [], [], []
    for Xb, (yb, wb) in iterator:
        X.append(Xb)
        y.append(yb)
        w.append(wb)
    return torch.cat(X), torch.cat(y), torch.cat(w)


def test_iterator_weights_follow_subset_indices():
    X, y = _rows(20)
    weight = 10.0 * X[:, 0] + 1.0  # row i weighs 10 i + 1
    dataset = Dataset(X, y)
    Xs, ys, ws = _collect(TensorBatchIterator(dataset, batch_size=6,
                                              sample_weight=weight))
    torch.testing.assert_close(ws, weight)
    subset = Subset(dataset, [5, 2, 17, 9])
    for shuffle in (False, True):
        it = TensorBatchIterator(subset, batch_size=3, shuffle=shuffle,
                                 sample_weight=weight)
        for _ in range(2):  # the cached subset tensors and weights are reused
            Xs, ys, ws = _collect(it)
            torch.testing.assert_close(ws, 10.0 * Xs[:, 0] + 1.0)
            torch.testing.assert_close(ys, Xs[:, 0].long() % 3)
        assert sorted(Xs[:, 0].tolist()) == [2.0, 5.0, 9.0, 17.0]
    nested = Subset(Subset(dataset, [5, 2, 17, 9]), [3, 0])  # rows 9 and 5
    Xs, _, ws = _collect(TensorBatchIterator(nested, sample_weight=weight))
    assert Xs[:, 0].tolist() == [9.0, 5.0] and ws.tolist() == [91.0, 51.0]
    # without weights the batches stay plain (X, y) pairs
    Xb, yb = next(iter(TensorBatchIterator(subset, batch_size=4)))
    assert isinstance(yb, torch.Tensor) and len(yb) == 4


def test_iterator_rejects_misaligned_weights_and_bad_balance():
    X, y = _rows(10)
    with pytest.raises(ValueError, match="9 entries for 10 rows"):
        TensorBatchIterator(Dataset(X, y), sample_weight=torch.ones(9))
    with pytest.raises(ValueError, match="balance must be one of"):
        TensorBatchIterator(Dataset(X, y), balance="smote")
    with pytest.raises(ValueError, match="one integer class code per sample"):
        TensorBatchIterator(Dataset(X, X[:, 0]), balance="oversample")


def _imbalanced_codes():
    # 30 of class 0, 8 of class 1, 4 of class 2 and 3 ignored (-100) rows
    y = torch.tensor([0] * 30 + [1] * 8 + [2] * 4 + [-100] * 3)
    return y[torch.randperm(len(y), generator=torch.Generator().manual_seed(0))]


@pytest.mark.parametrize("balance, per_class", [("oversample", 30),
                                                ("undersample", 4)])
def test_balanced_epochs(balance, per_class):
    y = _imbalanced_codes()
    X = torch.arange(len(y), dtype=torch.float32)[:, None]
    dataset = Dataset(X, y)
    epochs = []
    with seeded(0):
        for _ in range(3):  # skorch builds a fresh iterator every epoch
            it = TensorBatchIterator(dataset, batch_size=16, balance=balance)
            rows = torch.cat([Xb[:, 0] for Xb, _ in it]).long()
            assert len(it) == -(-3 * per_class // 16)
            epochs.append(rows)
    for rows in epochs:
        labels = y[rows]
        assert torch.bincount(labels).tolist() == [per_class] * 3  # no -100 rows
        for c in range(3):
            drawn = rows[labels == c]
            if balance == "oversample":  # every row of a class at least once
                assert set((y == c).nonzero().flatten().tolist()) <= set(
                    drawn.tolist())
            else:  # without replacement
                assert len(set(drawn.tolist())) == per_class
        assert not torch.equal(labels, labels.sort().values)  # shuffled
    assert not torch.equal(epochs[0], epochs[1])  # a new draw each epoch
    with seeded(0):  # the same seed, the same draws
        it = TensorBatchIterator(dataset, batch_size=16, balance=balance)
        torch.testing.assert_close(torch.cat([Xb[:, 0] for Xb, _ in it]).long(),
                                   epochs[0])


def test_balance_carries_the_weights_along():
    X, y = _rows(12)
    y = torch.tensor([0] * 10 + [1] * 2)
    weight = X[:, 0] + 1
    it = TensorBatchIterator(Dataset(X, y), batch_size=5, sample_weight=weight,
                             balance="oversample")
    Xs, ys, ws = _collect(it)
    assert torch.bincount(ys).tolist() == [10, 10]
    torch.testing.assert_close(ws, Xs[:, 0] + 1)


class _Passthrough(nn.Module):
    """Logits = the input itself, so the loss sees which rows it got."""

    def __init__(self):
        super().__init__()
        self.p = nn.Parameter(torch.zeros(()))

    def forward(self, X):
        return X + self.p


class _RecordingLoss(ClassificationLoss):
    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, y_pred, y_true):
        codes, weight = y_true
        # column 0 of X holds each row's weight, column 1 its class code
        torch.testing.assert_close(weight, y_pred[:, 0].detach())
        torch.testing.assert_close(codes, y_pred[:, 1].detach().long())
        self.seen.append((self.training, codes.clone()))
        return super().forward(y_pred, y_true)


class _Toy(BaseTorchEstimator):
    def __init__(self, early_stopping=False, max_epochs=2, batch_size=8):
        self.early_stopping = early_stopping
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr, self.optimizer, self.weight_decay = 0.01, "sgd", 0.0
        self.validation_fraction, self.n_iter_no_change, self.tol = 0.25, 10, 0.0
        self.device, self.random_state, self.verbose = "cpu", 0, 0
        self.callbacks = None

    def _build_module(self):
        return _Passthrough()

    def _criterion(self):
        return _RecordingLoss()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_module_weights_both_splits_and_balances_training_only():
    codes = torch.tensor([0] * 48 + [1] * 16)
    weight = 1.0 + torch.arange(64, dtype=torch.float32) / 64
    X = torch.stack([weight, codes.float(), torch.zeros(64)], dim=1)
    est = _Toy(early_stopping=True, max_epochs=3)
    est._training_setup()
    est._fit_module(X, codes, stratified=True, sample_weight=weight,
                    balance="undersample")
    seen = est.net_.criterion_.seen
    train = torch.cat([c for training, c in seen if training])
    valid = torch.cat([c for training, c in seen if not training])
    # stratified split: 12 + 4 held out; undersampled training: 12 + 12 per epoch
    assert torch.bincount(valid).tolist() == [12 * 3, 4 * 3]
    assert torch.bincount(train).tolist() == [12 * 3, 12 * 3]
    assert est.net_.iterator_train__sample_weight is None  # not kept after fit


# -- the loss -------------------------------------------------------------------


def _logits(n=12, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return 2 * torch.randn(n, k, generator=g), torch.randint(k, (n,), generator=g)


def test_cross_entropy_matches_torch():
    logits, codes = _logits()
    cw = torch.tensor([1.0, 2.0, 0.5, 3.0])
    torch.testing.assert_close(ClassificationLoss()(logits, codes),
                               F.cross_entropy(logits, codes))
    torch.testing.assert_close(ClassificationLoss(class_weight=cw)(logits, codes),
                               F.cross_entropy(logits, codes, weight=cw))
    # sequences: (n, T, K) logits, (n, T) codes with -100 at padding steps
    seq = logits.reshape(3, 4, 4)
    seq_codes = codes.reshape(3, 4).clone()
    seq_codes[0, 2:] = -100
    expected = F.cross_entropy(seq.reshape(-1, 4), seq_codes.reshape(-1), weight=cw,
                               ignore_index=-100)
    torch.testing.assert_close(ClassificationLoss(class_weight=cw)(seq, seq_codes),
                               expected)


@pytest.mark.parametrize("k", [2, 4, 10])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_unweighted_rows_take_the_fused_road_with_the_same_values(k, dtype):
    # one label a row and no weights (class weights of one, as the
    # classifiers pass for class_weight=None): torch's fused cross-entropy,
    # with the weighted road's gradients and total to the last bit (the loss
    # is summed in another order)
    logits, codes = _logits(n=64, k=k, seed=k)
    logits = logits.to(dtype)
    codes[::9] = -100  # (ignored labels, as the weighted road ignores them)
    results = []
    for loss, target in ((ClassificationLoss(class_weight=torch.ones(k)), codes),
                         (ClassificationLoss(), codes),
                         (ClassificationLoss(), (codes, torch.ones(64)))):
        x = logits.clone().requires_grad_(True)
        value = loss.to(dtype)(x, target)
        value.backward()
        fused = "NllLoss" in str(value.grad_fn.next_functions)
        results.append((value.detach(), x.grad, float(loss.last_total_), fused))
    assert [fused for *_, fused in results] == [True, True, False]
    for value, grad, total, _ in results[:2]:
        torch.testing.assert_close(value, results[2][0])
        torch.testing.assert_close(grad, results[2][1], rtol=0, atol=0)
        assert total == results[2][2] == 64 - 8
    focal = ClassificationLoss("focal", focal_gamma=0.0).to(dtype)(logits, codes)
    torch.testing.assert_close(focal, results[0][0], rtol=0, atol=0)


def test_focal_loss():
    logits, codes = _logits()
    ce = ClassificationLoss()(logits, codes)
    torch.testing.assert_close(ClassificationLoss("focal", focal_gamma=0.0)(
        logits, codes), ce)
    focal = ClassificationLoss("focal", focal_gamma=2.0)
    log_pt = F.log_softmax(logits, -1)[torch.arange(12), codes]
    manual = (-(1 - log_pt.exp()) ** 2 * log_pt).mean()
    torch.testing.assert_close(focal(logits, codes), manual)
    # an easy example (p_t = 0.95) loses far more of its loss than a hard one
    two = torch.tensor([[np.log(0.95), np.log(0.05)], [np.log(0.3), np.log(0.7)]],
                       dtype=torch.float32)
    target = torch.tensor([0, 0])
    per_row_ce = [ClassificationLoss()(two[i : i + 1], target[:1]) for i in (0, 1)]
    per_row_fl = [focal(two[i : i + 1], target[:1]) for i in (0, 1)]
    assert per_row_fl[0] / per_row_ce[0] < 0.01 < 0.4 < per_row_fl[1] / per_row_ce[1]
    # confident predictions keep finite gradients, even for gamma < 1
    sure = torch.tensor([[30.0, -30.0]], requires_grad=True)
    ClassificationLoss("focal", focal_gamma=0.5)(sure, torch.tensor([0])).backward()
    assert torch.isfinite(sure.grad).all()


def test_sample_weight_two_equals_a_duplicated_row():
    logits, codes = _logits()
    cw = torch.tensor([1.0, 2.0, 0.5, 3.0])
    for kind in ("cross_entropy", "focal"):
        loss = ClassificationLoss(kind, class_weight=cw)
        weight = torch.ones(12)
        weight[3] = 2.0
        weight[7] = 0.0  # zero: as if the row were not there
        keep = [i for i in range(12) if i != 7] + [3]
        torch.testing.assert_close(loss(logits, (codes, weight)),
                                   loss(logits[keep], codes[keep]))
        # skorch hands the pair over as a list
        torch.testing.assert_close(loss(logits, [codes, weight]),
                                   loss(logits, (codes, weight)))
    # a series' weight applies to all of its time steps
    seq, seq_codes = logits.reshape(3, 4, 4), codes.reshape(3, 4)
    loss = ClassificationLoss()
    torch.testing.assert_close(
        loss(seq, (seq_codes, torch.tensor([2.0, 1.0, 0.0]))),
        loss(seq[[0, 0, 1]], seq_codes[[0, 0, 1]]),
    )


def test_loss_zero_total_weight_and_buffer():
    logits, codes = _logits()
    logits.requires_grad_(True)
    loss = ClassificationLoss(class_weight=torch.ones(4))
    value = loss(logits, (codes, torch.zeros(12)))
    value.backward()
    assert value.item() == 0.0 and torch.equal(logits.grad, torch.zeros_like(logits))
    assert loss(logits, torch.full((12,), -100)).item() == 0.0
    assert "class_weight" in dict(loss.named_buffers())
    assert loss.to(torch.float64).class_weight.dtype == torch.float64
    with pytest.raises(ValueError, match="loss must be one of"):
        ClassificationLoss("hinge")


# -- class weights and sample weights of the classifiers ------------------------


def test_class_weight_array():
    classes = np.array(["a", "b", "c"])
    codes = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    np.testing.assert_allclose(class_weight_array(None, classes, codes), [1, 1, 1])
    np.testing.assert_allclose(class_weight_array({"b": 3.0}, classes, codes),
                               [1, 3, 1])
    np.testing.assert_allclose(class_weight_array("balanced", classes, codes),
                               [8 / 12, 8 / 6, 8 / 6])
    # integer sample weights count like repeated rows; zero weights like none
    sw = np.array([2, 1, 0, 1, 1, 3, 1, 1])
    np.testing.assert_allclose(
        class_weight_array("balanced", classes, codes, sw),
        class_weight_array("balanced", classes, np.repeat(codes, sw)),
    )
    gone = class_weight_array("balanced", classes, codes, np.r_[np.ones(6), 0, 0])
    np.testing.assert_allclose(gone, [6 / 8, 6 / 4, 0])  # class c has no weight
    # sequences: padding (-100) is not counted, a series' weight spans its steps
    seq = np.array([[0, 0, -100], [1, 2, 2]])
    np.testing.assert_allclose(
        class_weight_array("balanced", classes, seq, np.array([2.0, 1.0])),
        class_weight_array("balanced", classes, np.array([0, 0, 0, 0, 1, 2, 2])),
    )


def test_sample_weight_validation_errors():
    X = np.zeros((5, 3))
    assert validate_sample_weight(None, X) is None
    sw = validate_sample_weight([1, 2, 3, 4, 5], X)
    assert sw.dtype == torch.float32 and sw.tolist() == [1, 2, 3, 4, 5]
    Xs, y = np.random.RandomState(0).randn(20, 8), np.arange(20) % 2
    for clf in (RNNClassifier(max_epochs=1, hidden_size=2),
                MCDropoutClassifier(max_epochs=1, hidden_layer_sizes=(2,))):
        with pytest.raises(ValueError, match="Negative values .* `sample_weight`"):
            clf.fit(Xs, y, sample_weight=np.r_[-1.0, np.ones(19)])
        with pytest.raises(ValueError, match=r"sample_weight.shape == \(19,\), "
                                             r"expected \(20,\)"):
            clf.fit(Xs, y, sample_weight=np.ones(19))
        with pytest.raises(ValueError, match="at least one non-zero"):
            clf.fit(Xs, y, sample_weight=np.zeros(20))
        with pytest.raises(ValueError, match="NaN"):
            clf.fit(Xs, y, sample_weight=np.r_[np.nan, np.ones(19)])


def _imbalanced_table(seed, n_major=180, n_minor=20):
    rng = np.random.RandomState(seed)
    X = np.vstack([rng.randn(n_major, 2), rng.randn(n_minor, 2) + 1.0])
    return X, np.r_[np.zeros(n_major, int), np.ones(n_minor, int)]


def _imbalanced_series(seed, T=12):
    X, y = _imbalanced_table(seed)
    noise = np.random.RandomState(seed + 100).randn(len(X), T)
    return 0.5 * (X[:, :1] + 0.5 * noise), y


@pytest.mark.parametrize("make, data", [
    (lambda cw: RNNClassifier("gru", hidden_size=8, max_epochs=10, lr=0.02,
                              batch_size=32, class_weight=cw, random_state=0),
     _imbalanced_series),
    (lambda cw: MCDropoutClassifier((16,), max_epochs=15, lr=0.01, batch_size=32,
                                    n_mc_samples=10, class_weight=cw,
                                    random_state=0),
     _imbalanced_table),
], ids=["rnn", "mc_dropout"])
def test_balanced_class_weight_raises_minority_recall(make, data):
    X, y = data(0)
    X_test, y_test = data(10)
    plain = recall_score(y_test, make(None).fit(X, y).predict(X_test))
    balanced_clf = make("balanced").fit(X, y)
    balanced = recall_score(y_test, balanced_clf.predict(X_test))
    # overlapping classes, 9:1: unweighted the minority is mostly missed
    assert balanced >= plain + 0.3
    np.testing.assert_allclose(balanced_clf.class_weight_, [200 / 360, 200 / 40])


def test_rnn_full_batch_sample_weight_equals_repeated_rows():
    X, y = _imbalanced_series(0)
    X, y = X[::5], y[::5]  # 40 series
    sw = np.random.RandomState(0).randint(0, 4, size=len(y))
    params = dict(hidden_size=4, max_epochs=5, lr=0.02, batch_size=256,
                  random_state=0)
    weighted = RNNClassifier(**params).fit(X, y, sample_weight=sw)
    repeated = RNNClassifier(**params).fit(np.repeat(X, sw, 0), np.repeat(y, sw))
    # one batch, no dropout: the same gradients up to float32 rounding
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               atol=1e-5)
    again = RNNClassifier(**params).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(weighted.predict_proba(X), again.predict_proba(X))


def test_rnn_return_sequences_series_weight_spans_its_steps():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 8)
    X[::3, 6:] = np.nan
    y = np.where(np.nancumsum(X, axis=1) > 0, 1, 0)
    sw = np.r_[np.zeros(10), np.ones(20)]
    params = dict(return_sequences=True, hidden_size=4, max_epochs=5, lr=0.02,
                  batch_size=256, random_state=0)
    weighted = RNNClassifier(**params).fit(X, y, sample_weight=sw)
    dropped = RNNClassifier(**params).fit(X[10:], y[10:])
    np.testing.assert_allclose(weighted.predict_proba(X), dropped.predict_proba(X),
                               atol=1e-5)


def test_mc_dropout_standardizes_and_decays_as_repeated_rows():
    X, y = _imbalanced_table(0, n_major=30, n_minor=10)
    sw = np.random.RandomState(1).randint(0, 4, size=len(y))
    params = dict(hidden_layer_sizes=(4,), max_epochs=1, random_state=0)
    weighted = MCDropoutClassifier(**params).fit(X, y, sample_weight=sw)
    repeated = MCDropoutClassifier(**params).fit(np.repeat(X, sw, 0),
                                                 np.repeat(y, sw))
    np.testing.assert_allclose(weighted.x_mean_, repeated.x_mean_)
    np.testing.assert_allclose(weighted.x_scale_, repeated.x_scale_)
    assert weighted.weight_decay_ == pytest.approx(repeated.weight_decay_)
