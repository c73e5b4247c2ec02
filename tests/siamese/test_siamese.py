"""Tests of the Siamese (metric learning) family."""

import warnings

import numpy as np
import scipy.sparse as sp
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import MinMaxScaler

from skdeep.siamese import (
    PrototypeClassifier,
    SiamesePairClassifier,
    SiameseTransformer,
)
from skdeep.siamese._modules import (
    MetricLoss,
    contrastive_loss,
    pairwise_distances,
    triplet_loss,
)
from skdeep.siamese._siamese import _best_threshold

FAST = dict(
    embedding_size=16, hidden_layer_sizes=(64,), max_epochs=8, lr=0.003, random_state=0
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return MinMaxScaler().fit_transform(X), y


# -- losses ----------------------------------------------------------------------


def test_pairwise_distances_of_embeddings_far_from_the_origin():
    # the Gram form cancelled |z|^2: rows at 100 + 0.05 noise came out up to
    # 0.41 off distances of about 0.39 (unnormalized embeddings)
    rng = np.random.RandomState(0)
    z = (100 + 0.05 * rng.randn(64, 32)).astype(np.float32)
    exact = np.linalg.norm(z[:, None].astype(np.float64) - z[None], axis=2)
    D = pairwise_distances(torch.from_numpy(z)).double().numpy()
    off = ~np.eye(64, dtype=bool)  # (a row with itself: sqrt of rounding)
    np.testing.assert_allclose(D[off], exact[off], atol=1e-5)


def test_triplet_loss_by_hand():
    # Points on a line: class 0 at 0 and 1, class 1 at 1.5 and 5.
    z = torch.tensor([[0.0], [1.0], [1.5], [5.0]])
    labels = torch.tensor([0, 0, 1, 1])
    D = pairwise_distances(z)
    m = 1.0
    # Batch-hard: anchor 0: pos 1, neg 1.5 -> 0.5; anchor 1: 1 vs 0.5 -> 1.5;
    # anchor 2: pos 3.5 vs neg 0.5 -> 4; anchor 3: 3.5 vs 4 -> 0.5.
    assert triplet_loss(D, labels, m, "hard").item() == pytest.approx(6.5 / 4, abs=1e-5)
    # Semi-hard: (0,1): negatives farther than 1: 1.5 -> 0.5; (1,0): farther than
    # 1: 4 -> 0; (2,3): farther than 3.5: none -> farthest 1.5 -> 3; (3,2):
    # farther than 3.5: 4, 5 -> 4 -> 0.5.
    assert triplet_loss(D, labels, m, "semihard").item() == pytest.approx(
        4 / 4, abs=1e-5
    )
    torch.manual_seed(0)
    random = triplet_loss(D, labels, m, "random").item()
    assert 0 <= random <= 6.5


@pytest.mark.parametrize("n_classes", [2, 5])
def test_semihard_triplets_and_gradients_match_a_pair_by_pair_reference(n_classes):
    # the negatives are chosen without autograd now (the whole masked
    # (pairs x batch) table was recorded); values and gradients are those of
    # the mined distances, pair by pair
    gen = torch.Generator().manual_seed(n_classes)
    z = torch.randn(24, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, n_classes, (24,), generator=gen)
    D = pairwise_distances(z)
    loss = triplet_loss(D, labels, 0.5, "semihard")
    (grad,) = torch.autograd.grad(loss, z, retain_graph=True)
    terms, d = [], D.detach()
    for a in range(24):
        negatives = [j for j in range(24) if labels[j] != labels[a]]
        for p in range(24):
            if p == a or labels[p] != labels[a] or not negatives:
                continue
            farther = [j for j in negatives if d[a, j] > d[a, p]]
            pick = (min(farther, key=lambda j: float(d[a, j])) if farther
                    else max(negatives, key=lambda j: float(d[a, j])))
            terms.append(torch.relu(D[a, p] - D[a, pick] + 0.5))
    expected = torch.stack(terms).mean()
    (expected_grad,) = torch.autograd.grad(expected, z)
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(grad, expected_grad)


def test_losses_vanish_when_classes_are_far_apart():
    z = torch.tensor([[0.0, 0.0], [0.0, 0.01], [9.0, 0.0], [9.0, 0.01]])
    labels = torch.tensor([0, 0, 1, 1])
    D = pairwise_distances(z)
    for mining in ("random", "hard", "semihard"):
        assert triplet_loss(D, labels, 1.0, mining).item() == pytest.approx(0, abs=1e-6)
        assert contrastive_loss(D, labels, 1.0, mining).item() < 1e-3


def test_contrastive_loss_by_hand_and_pairs():
    z = torch.tensor([[0.0], [1.0], [0.5]])
    labels = torch.tensor([0, 0, 1])
    D = pairwise_distances(z)
    # Positives: (0,1), (1,0): d^2 = 1. Negatives: d = 0.5 twice, 0.5 twice
    # -> (1 - 0.5)^2 = 0.25.
    assert contrastive_loss(D, labels, 1.0, "random").item() == pytest.approx(
        1.25, abs=1e-5
    )
    pairs = torch.stack([z[[0, 0]], z[[1, 2]]], dim=1)  # (2, 2, 1)
    loss = MetricLoss(margin=1.0)(pairs, torch.tensor([1, 0]))
    assert loss.item() == pytest.approx(1.0 + 0.25, abs=1e-5)


def test_losses_have_finite_gradients_at_zero_distance():
    z = torch.zeros(4, 3, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1])
    for loss in ("triplet", "contrastive"):
        MetricLoss(loss, 0.5, "hard")(z, labels).backward()
        assert torch.isfinite(z.grad).all()


# -- the embedding transformer -------------------------------------------------


@pytest.mark.parametrize(
    "loss, mining",
    [("triplet", "semihard"), ("triplet", "hard"), ("contrastive", "random")],
)
def test_embedding_separates_classes(digits, loss, mining):
    X, y = digits
    model = SiameseTransformer(loss=loss, mining=mining, **FAST).fit(X[:1000], y[:1000])
    Z = model.transform(X[1000:])
    assert Z.shape == (len(X) - 1000, 16)
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1, rtol=1e-5)
    knn = KNeighborsClassifier(1).fit(model.transform(X[:1000]), y[:1000])
    assert knn.score(Z, y[1000:]) > 0.85


def test_cnn_network_reuses_the_cnn_stack(digits):
    X, y = digits
    images = X.reshape(-1, 1, 8, 8)
    model = SiameseTransformer(
        network="cnn",
        network_params={"conv_channels": (8,), "pooling": None},
        embedding_size=8,
        max_epochs=3,
        random_state=0,
    ).fit(images[:300], y[:300])
    from skdeep.cnn._modules import CNNModule

    assert isinstance(model.embedding_net_.body, CNNModule)
    assert model.transform(images[:5]).shape == (5, 8)
    # Flat rows with input_shape are read as the same images.
    flat = SiameseTransformer(
        input_shape=(1, 8, 8),
        network_params={"conv_channels": (8,), "pooling": None},
        embedding_size=8,
        max_epochs=3,
        random_state=0,
    ).fit(X[:300], y[:300])
    assert flat.network_kind_ == "cnn"
    np.testing.assert_allclose(
        flat.transform(X[:5]), model.transform(images[:5]), atol=1e-5
    )


def test_series_and_a_user_module():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 60)
    t = np.linspace(0, 1, 32)
    X = np.sin(2 * np.pi * (1 + 2 * y)[:, None] * t)[:, None, :] + 0.1 * rng.randn(
        60, 1, 32
    )
    model = SiameseTransformer(embedding_size=4, max_epochs=2, random_state=0).fit(X, y)
    assert model.network_kind_ == "cnn" and model.transform(X).shape == (60, 4)

    class Tiny(torch.nn.Module):
        def __init__(self, width=3):
            super().__init__()
            self.layer = torch.nn.Linear(32, width)

        def forward(self, x):
            return self.layer(x.flatten(1))

    custom = SiameseTransformer(
        network=Tiny, network_params={"width": 5}, max_epochs=2, random_state=0
    ).fit(X, y)
    assert custom.network_kind_ == "custom" and custom.transform(X).shape == (60, 5)
    # The feature names follow the module's width, not embedding_size.
    assert len(custom.get_feature_names_out()) == 5


def test_fit_from_pairs(digits):
    X, y = digits
    rng = np.random.RandomState(0)
    i, j = rng.randint(1000, size=(2, 3000))
    pairs = np.stack([X[i], X[j]], axis=1)
    same = np.where(y[i] == y[j], 1, -1)
    model = SiameseTransformer(pairs=True, **FAST).fit(pairs, same)
    assert model.fitted_on_pairs_ and model.transform(X[:3]).shape == (3, 16)
    knn = KNeighborsClassifier(1).fit(model.transform(X[:1000]), y[:1000])
    assert knn.score(model.transform(X[1000:]), y[1000:]) > 0.8
    assert model.pair_distance(pairs[:4]).shape == (4,)


def test_bad_input(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"pairs must have shape \(n_pairs, 2"):
        SiameseTransformer(pairs=True).fit(X[:10], y[:10])
    pairs = np.stack([X[:10], X[10:20]], axis=1)
    with pytest.raises(ValueError, match="Pair labels must be in"):
        SiameseTransformer(pairs=True).fit(pairs, y[:10])
    # one kind of pair: classes_ were [0, 1] for labels of -1 and 1
    for model in (SiameseTransformer(pairs=True), SiamesePairClassifier()):
        for label in (1, -1, 0):
            match = rf"only one class of pair \({label}\)"
            with pytest.raises(ValueError, match=match):
                model.fit(pairs, np.full(10, label))
    # object labels are refused as by every classifier (fit took 0/1 objects
    # and score then failed in the metrics)
    for model in (SiameseTransformer(pairs=True), SiamesePairClassifier()):
        with pytest.raises(ValueError, match="Unknown label type"):
            model.fit(pairs, (np.arange(10) % 2).astype(object))
    # ... also where zero weights remove the other kind (the embedding
    # collapsed and 87% of pairs were called similar)
    same = np.arange(10) % 2
    for kept, left in ((same, "similar"), (1 - same, "dissimilar")):
        with pytest.raises(ValueError, match=f"sample_weight leaves {left} pairs only"):
            SiamesePairClassifier(max_epochs=1).fit(pairs, same,
                                                    sample_weight=kept.astype(float))
    with pytest.raises(ValueError, match="requires y"):
        SiameseTransformer().fit(X[:10], None)
    bad = X[:20].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SiameseTransformer(max_epochs=1).fit(bad, y[:20])
    model = SiameseTransformer(max_epochs=1, random_state=0).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="features"):
        model.transform(X[:5, :10])


def test_random_state(digits):
    X, y = digits
    a = SiameseTransformer(max_epochs=2, random_state=1).fit(X[:200], y[:200])
    b = SiameseTransformer(max_epochs=2, random_state=1).fit(X[:200], y[:200])
    np.testing.assert_array_equal(a.transform(X[:20]), b.transform(X[:20]))


# -- the pair classifier and one-shot use ------------------------------------------


def test_best_threshold():
    d = np.array([0.1, 0.2, 0.3, 0.9, 1.0])
    assert _best_threshold(d, np.array([1, 1, 1, 0, 0], bool)) == pytest.approx(0.6)
    assert _best_threshold(d, np.ones(5, bool)) > 1.0
    assert _best_threshold(d, np.zeros(5, bool)) < 0.1


def test_pair_classifier(digits):
    X, y = digits
    rng = np.random.RandomState(1)
    i, j = rng.randint(1000, size=(2, 2000))
    pairs, same = np.stack([X[i], X[j]], axis=1), (y[i] == y[j]).astype(int)
    i2, j2 = rng.randint(1000, 1797, size=(2, 500))
    test_pairs, test_same = (
        np.stack([X[i2], X[j2]], axis=1),
        (y[i2] == y[j2]).astype(int),
    )
    clf = SiamesePairClassifier(**FAST).fit(pairs, same)
    assert list(clf.classes_) == [0, 1]
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(test_same, clf.decision_function(test_pairs)) > 0.9
    assert clf.score(test_pairs, test_same) > 0.85
    np.testing.assert_allclose(
        clf.pair_score(test_pairs), -clf.pair_distance(test_pairs)
    )
    np.testing.assert_array_equal(
        clf.predict(test_pairs),
        (clf.pair_distance(test_pairs) < clf.threshold_).astype(int),
    )
    proba = clf.predict_proba(test_pairs)
    assert (
        np.allclose(proba.sum(1), 1)
        and (proba.argmax(1) == clf.predict(test_pairs)).all()
    )
    minus = SiamesePairClassifier(max_epochs=1, random_state=0).fit(pairs, 2 * same - 1)
    assert list(minus.classes_) == [-1, 1]
    # a small margin: far pairs' exp overflowed with numpy's RuntimeWarning
    small = SiamesePairClassifier(max_epochs=1, margin=1e-3, random_state=0)
    small.fit(pairs[:200], same[:200])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = small.predict_proba(test_pairs)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(1), 1)


def test_one_shot_on_unseen_classes(digits):
    X, y = digits
    seen, unseen = y < 7, y >= 7
    embed = SiameseTransformer(**FAST).fit(X[seen], y[seen])
    Xu, yu = X[unseen], y[unseen]
    rng = np.random.RandomState(0)
    accs = {"embedding": [], "raw": []}
    for _ in range(20):
        support = np.concatenate(
            [rng.choice(np.flatnonzero(yu == c), 5) for c in (7, 8, 9)]
        )
        query = np.setdiff1d(np.arange(len(yu)), support)
        for name, transformer in (("embedding", embed), ("raw", None)):
            clf = PrototypeClassifier(transformer).fit(Xu[support], yu[support])
            accs[name].append(clf.score(Xu[query], yu[query]))
    # Far above chance (1/3) on classes the embedding never saw. (On these
    # small 8x8 digits raw pixels are as good or better: the benchmark
    # compares on Fashion-MNIST.)
    assert np.mean(accs["embedding"]) > 0.55
    assert np.mean(accs["raw"]) > 0.55
    # A fitted transformer is used as it is.
    clf = PrototypeClassifier(embed).fit(Xu[:30], yu[:30])
    assert clf.transformer_ is embed and clf.prototypes_.shape == (3, 16)


def test_prototype_classifier_basics():
    X = np.array([[0.0, 0.0], [0.2, 0.0], [4.0, 4.0]])
    clf = PrototypeClassifier().fit(X, ["a", "a", "b"])
    np.testing.assert_allclose(clf.prototypes_, [[0.1, 0.0], [4.0, 4.0]])
    assert list(clf.predict([[0.0, 1.0], [5.0, 5.0]])) == ["a", "b"]
    proba = clf.predict_proba([[2.05, 2.0]])
    assert proba.shape == (1, 2) and np.allclose(proba.sum(), 1)
    cos = PrototypeClassifier(metric="cosine").fit([[1.0, 0.0], [0.0, 1.0]], [0, 1])
    assert list(cos.predict([[10.0, 1.0], [1.0, 10.0]])) == [0, 1]


def test_prototype_scores_survive_a_large_common_offset():
    # the expanded square |z|^2 - 2 z.p + |p|^2 was taken about the origin:
    # at an offset of 1e8 every score rounded to one value (-8.0) and two
    # separable blobs were predicted at chance
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 200)
    X = rng.randn(200, 4) * 0.1 + y[:, None]
    near = PrototypeClassifier().fit(X, y).decision_function(X)
    for offset in (1e8, 1e9):
        far = PrototypeClassifier().fit(X + offset, y)
        assert far.score(X + offset, y) == 1.0
        np.testing.assert_allclose(far.decision_function(X + offset), near,
                                   rtol=1e-4, atol=1e-4)


def test_prototypes_are_the_weighted_class_means_of_many_classes():
    # one slice of class-sorted rows per class (a row mask per class cost
    # n_samples x n_classes), the same averages to the bit
    rng = np.random.RandomState(0)
    X, y = rng.randn(3000, 5), rng.randint(0, 300, 3000)
    w = rng.rand(3000)
    w[::7] = 0.0
    model = PrototypeClassifier().fit(X, y, sample_weight=w)
    keep = w > 0
    for k, label in enumerate(model.classes_):
        rows = keep & (y == label)
        np.testing.assert_array_equal(
            model.prototypes_[k], np.average(X[rows], axis=0, weights=w[rows]))


def test_prototype_transformer_that_needs_no_fit_is_a_parameter():
    # scikit-learn's check_is_fitted passes transformers whose requires_fit
    # tag is False: they were kept as given (shared by clones) and their
    # parameters could not be searched
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV
    from sklearn.preprocessing import Normalizer

    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 4), np.repeat([0, 1], 20)
    X[y == 1, 0] += 3.0
    model = PrototypeClassifier(transformer=Normalizer())
    assert "transformer__norm" in model.get_params(deep=True)
    assert clone(model).transformer is not model.transformer
    search = GridSearchCV(model, {"transformer__norm": ["l1", "l2"]}, cv=2)
    assert search.fit(X, y).best_params_["transformer__norm"] in ("l1", "l2")


def test_prototype_classifier_clone_keeps_a_fitted_embedding():
    # clone (cross_val_score, GridSearchCV) made the fitted embedding an
    # unfitted copy, which fit then trained on the support set
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 5)), np.arange(40) % 4
    embedding = SiameseTransformer(embedding_size=3, hidden_layer_sizes=(8,),
                                   max_epochs=2, random_state=0).fit(X, y)
    support, labels = rng.normal(size=(6, 5)), list("aabbcc")
    direct = PrototypeClassifier(embedding).fit(support, labels)
    cloned = clone(PrototypeClassifier(embedding)).fit(support, labels)
    assert cloned.transformer_ is embedding
    np.testing.assert_array_equal(cloned.prototypes_, direct.prototypes_)
    cross_val_score(PrototypeClassifier(embedding), np.r_[support, support],
                    labels * 2, cv=2)
    # an unfitted embedding is still cloned (and fitted on the support set)
    fresh = SiameseTransformer(embedding_size=3, max_epochs=1, random_state=0)
    assert clone(PrototypeClassifier(fresh)).transformer is not fresh


def test_prototype_classifier_gives_the_transformer_x_as_given():
    # fit and predict passed the transformer a numpy copy of a DataFrame: a
    # ColumnTransformer by column names failed, a scaler warned every call
    import warnings

    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import StandardScaler

    frame = pd.DataFrame({"a": [0.0, 1, 5, 6], "b": [0.0, 1, 5, 6]})
    labels = ["x", "x", "y", "y"]
    by_name = ColumnTransformer([("scale", StandardScaler(), ["a", "b"])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for transformer in (by_name, StandardScaler()):
            clf = PrototypeClassifier(transformer).fit(frame, labels)
            assert list(clf.predict(frame)) == labels
            assert clf.n_features_in_ == 2
    # the transformer's output is checked (NaN passes a scaler)
    with pytest.raises(ValueError, match="transformer's output contains NaN"):
        PrototypeClassifier(StandardScaler()).fit(
            frame.assign(a=[np.nan, 1, 5, 6]), labels)
    # what only the transformer can read: strings, texts (they were refused
    # as "could not convert string to float" before the transformer saw them)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import OneHotEncoder

    mixed = pd.DataFrame({"kind": ["p", "p", "q", "q"], "a": [0.0, 1, 5, 6]})
    encode = ColumnTransformer([("kind", OneHotEncoder(), ["kind"]),
                                ("a", StandardScaler(), ["a"])])
    clf = PrototypeClassifier(encode).fit(mixed, labels)
    assert list(clf.predict(mixed)) == labels and clf.n_features_in_ == 2
    texts = ["good movie", "great movie", "bad film", "awful film"]
    clf = PrototypeClassifier(TfidfVectorizer()).fit(texts, labels)
    assert list(clf.predict(["a great movie", "a bad film"])) == ["x", "y"]
    assert not hasattr(clf, "n_features_in_")  # (texts have no columns)


def test_unfitted_pair_classifier_raises_not_fitted_error():
    from sklearn.exceptions import NotFittedError

    from skdeep.siamese import SiamesePairClassifier

    pairs = np.zeros((3, 2, 4))
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(NotFittedError):
            getattr(SiamesePairClassifier(), method)(pairs)


def test_network_params_unknown_to_the_network_are_refused_clearly():
    # the cnn network passed them on to build_feature_stack's TypeError
    X, y = np.random.RandomState(0).rand(20, 1, 8, 8), np.arange(20) % 2
    for network, key in (("cnn", "global_pooling"), ("mlp", "conv_channels")):
        est = SiameseTransformer(network=network, network_params={key: 1},
                                 max_epochs=1)
        with pytest.raises(ValueError, match=f"network_params \\['{key}'\\] do not "
                                             f"apply to the '{network}' network"):
            est.fit(X if network == "cnn" else X.reshape(20, -1), y)


def test_prototype_clone_with_a_fitted_transformer_keeps_routing():
    import sklearn
    from sklearn.base import clone
    from sklearn.preprocessing import StandardScaler

    with sklearn.config_context(enable_metadata_routing=True):
        scaler = StandardScaler().fit(np.eye(3))
        est = PrototypeClassifier(scaler).set_fit_request(sample_weight=True)
        copy = clone(est)
        assert copy.transformer is scaler
        assert copy.get_metadata_routing().fit.requests == {"sample_weight": True}


def _clusters(per_class, n_classes, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat(np.arange(n_classes), per_class)
    return rng.randn(n_classes, 6)[y] * 3 + rng.randn(len(y), 6), y


@pytest.mark.filterwarnings("ignore:.*before early stopping")
def test_early_stopping_refuses_held_out_rows_without_pairs():
    # ten classes of ten rows: the stratified tenth held out one row per
    # class, no pair of one class, so the validation loss was 0 at every
    # epoch and the model returned was the first epoch's, without a word
    X, y = _clusters(10, 10)
    est = SiameseTransformer(max_epochs=5, embedding_size=4, hidden_layer_sizes=(8,),
                             early_stopping=True, random_state=0)
    with pytest.raises(ValueError,
                       match="no two rows of one class.*validation_fraction"):
        est.fit(X, y)
    # more classes than held-out rows: scikit-learn's test_size message named
    # a parameter the user never set
    X, y = _clusters(6, 20)
    with pytest.raises(ValueError, match=r"SiameseTransformer\(early_stopping=True\) "
                       r"holds out validation_fraction=0.1 of the 120 training rows "
                       r"\(stratified by class.*classes = 20"):
        est.fit(X, y)
    X, y = _clusters(10, 10)
    fitted = est.set_params(validation_fraction=0.3).fit(X, y)
    assert len(fitted.validation_scores_) == fitted.n_iter_


def test_cnn_network_refuses_samples_smaller_than_it_needs():
    # images of 7x7 pixels (and series shorter at transform) reached torch's
    # pooling: "Output size is too small", "Invalid computed output size: 0"
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match=r"\(7, 7\) are smaller than the 8 pixels"):
        SiameseTransformer(max_epochs=1).fit(rng.rand(20, 1, 7, 7), y)
    est = SiameseTransformer(max_epochs=1, random_state=0).fit(rng.rand(20, 3, 32), y)
    assert est.min_input_size_ == 8
    with pytest.raises(ValueError, match=r"\(4,\) are smaller than the 8 time points"):
        est.transform(rng.rand(2, 3, 4))
    assert est.transform(rng.rand(2, 3, 12)).shape == (2, est.embedding_size)
    with pytest.raises(ValueError, match="smaller than the 8 pixels"):
        SiamesePairClassifier(max_epochs=1).fit(rng.rand(10, 2, 1, 6, 6), y[::2])


def test_fitted_transformer_parameters_cannot_be_searched():
    # GridSearchCV over transformer__margin scored every candidate alike (the
    # transformer is not refitted) and set the margin on the caller's object
    from sklearn.model_selection import GridSearchCV
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 5)), np.arange(40) % 4
    embedding = SiameseTransformer(embedding_size=3, hidden_layer_sizes=(8,),
                                   max_epochs=1, random_state=0).fit(X, y)
    search = GridSearchCV(PrototypeClassifier(embedding),
                          {"transformer__margin": [0.1, 0.5]}, cv=2,
                          error_score="raise")
    with pytest.raises(ValueError, match="transformer__margin.*fitted transformer"):
        search.fit(X, y)
    assert embedding.margin is None
    # an unfitted transformer's parameters are searched as usual
    GridSearchCV(PrototypeClassifier(StandardScaler()),
                 {"transformer__with_mean": [True, False]}, cv=2).fit(X, y)


def test_get_params_round_trips_with_a_fitted_transformer():
    # get_params(deep=True) listed the fitted transformer's parameters,
    # which set_params refuses: set_params(**get_params()) raised
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.random.RandomState(0).normal(size=(20, 3))
    fitted = PrototypeClassifier(StandardScaler().fit(X))
    params = fitted.get_params(deep=True)
    assert not [k for k in params if k.startswith("transformer__")]
    fitted.set_params(**params)
    pipe = make_pipeline(StandardScaler(), fitted)
    pipe.set_params(**pipe.get_params(deep=True))
    unfitted = PrototypeClassifier(StandardScaler()).get_params(deep=True)
    assert unfitted["transformer__with_mean"] is True  # still searchable


def test_best_threshold_never_splits_tied_distances():
    # the best split fell inside a group of equal distances: the threshold
    # equalled their distance and predict (d < threshold) called all of
    # them dissimilar (0.125 accuracy where "all similar" scored 0.875)
    tied = np.full(8, 0.5)
    similar = np.array([1, 1, 1, 1, 1, 1, 0, 1], bool)
    assert _best_threshold(tied, similar) > 0.5
    assert _best_threshold(tied, ~similar) < 0.5
    assert _best_threshold(np.array([1e9, 2e9]), np.ones(2, bool)) > 2e9
    pairs = np.stack([np.random.RandomState(0).normal(size=(8, 3))] * 2, axis=1)
    clf = SiamesePairClassifier(embedding_size=2, hidden_layer_sizes=(4,),
                                max_epochs=1, random_state=0).fit(pairs, similar)
    assert clf.score(pairs, similar) == 0.875


@pytest.mark.parametrize("labels", [np.arange(12), np.zeros(12, int)],
                         ids=["one row per class", "one class"])
def test_labels_that_give_no_triplets_are_refused(labels):
    # the triplet loss was 0 at every epoch and fit returned the network's
    # random initialisation without a word
    X = np.random.RandomState(0).normal(size=(12, 3))
    with pytest.raises(ValueError, match="needs two rows of one class and a row "
                       "of another"):
        SiameseTransformer(embedding_size=2, hidden_layer_sizes=(4,),
                           max_epochs=1).fit(X, labels)


def test_batches_too_small_to_mine_from_are_refused():
    # a batch of one row (or two, for triplets) holds nothing to mine: the
    # loss was 0 at every epoch and fit returned the untrained network
    X = np.random.RandomState(0).normal(size=(12, 3))
    labels = np.repeat([0, 1], 6)
    for loss, small in (("triplet", 2), ("triplet", 1), ("contrastive", 1)):
        with pytest.raises(ValueError, match=rf"loss='{loss}'.*batch_size={small} "
                                             rf"rows cannot hold"):
            SiameseTransformer(embedding_size=2, hidden_layer_sizes=(4,),
                               loss=loss, batch_size=small,
                               max_epochs=1).fit(X, labels)
    smallest = SiameseTransformer(embedding_size=2, hidden_layer_sizes=(4,),
                                  batch_size=3, max_epochs=2, random_state=0)
    assert min(smallest.fit(X, labels).loss_curve_) > 0  # it learns


def test_one_number_embeddings_that_keep_only_a_sign_are_refused():
    # normalisation (or the cosine distance) of a 1-D embedding is its sign:
    # every row was embedded as -1 or +1
    X = np.random.RandomState(0).normal(size=(12, 3))
    labels = np.repeat([0, 1], 6)
    pairs, similar = np.stack([X, X[::-1]], axis=1), labels.astype(bool)
    for params, culprit in ((dict(), "normalize=True"),
                            (dict(normalize=False, distance="cosine"),
                             "distance='cosine'")):
        for model, data in ((SiameseTransformer, (X, labels)),
                            (SiamesePairClassifier, (pairs, similar))):
            with pytest.raises(ValueError, match=f"embedding_size=1, {culprit} "
                                                 f"reduces"):
                model(embedding_size=1, hidden_layer_sizes=(4,), max_epochs=1,
                      **params).fit(*data)
    out = SiameseTransformer(embedding_size=1, normalize=False, max_epochs=1,
                             hidden_layer_sizes=(4,), random_state=0).fit_transform(
                                 X, labels)
    assert len(np.unique(out)) == len(X)


def test_prototype_classifier_weighs_a_pipeline_transformer_or_warns():
    # a Pipeline's fit failed has_fit_parameter: the weights reached none of
    # its steps, silently
    import sklearn
    from sklearn.base import clone
    from sklearn.datasets import make_blobs
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skdeep.cnn import CNNClassifier

    X, y = make_blobs(40, n_features=4, centers=3, random_state=0)
    weights = np.r_[np.ones(20), np.zeros(20)]
    scrambled = np.r_[y[:20], y[20:][::-1]]  # labels of the weightless rows
    pipe = make_pipeline(StandardScaler(), CNNClassifier(
        conv_channels=(4,), max_epochs=3, pooling=None, random_state=0))

    def embedding(labels):
        model = PrototypeClassifier(transformer=pipe).fit(X, labels,
                                                          sample_weight=weights)
        return model.transformer_.transform(X)

    np.testing.assert_array_equal(embedding(y), embedding(scrambled))
    # under metadata routing, a transformer that asks not to get them does not
    cnn = pipe[-1]
    with sklearn.config_context(enable_metadata_routing=True):
        fitted = [PrototypeClassifier(transformer=clone(cnn).set_fit_request(
            sample_weight=request)).set_fit_request(sample_weight=True).fit(
                X, labels, sample_weight=weights).transformer_.transform(X)
            for request in (True, False) for labels in (y, scrambled)]
    np.testing.assert_array_equal(fitted[0], fitted[1])  # weighted
    assert not np.array_equal(fitted[2], fitted[3])  # all rows alike
    with pytest.warns(UserWarning, match="transformer's fit takes no "
                                         "sample_weight, so it learns from every"):
        PrototypeClassifier(transformer=PCA(2)).fit(X, y, sample_weight=weights)


def test_prototype_pipeline_whose_steps_take_no_weights_under_routing():
    # under metadata routing the weights went to any pipeline, which refused
    # them when no step asked for them (a TypeError; in BaggingClassifier
    # too, whose bootstrap counts are sample weights)
    import sklearn
    from sklearn.datasets import make_blobs
    from sklearn.decomposition import PCA
    from sklearn.ensemble import BaggingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_blobs(40, n_features=3, centers=[[0, 0, 0], [4, 4, 4]],
                      random_state=0)
    weights = np.random.RandomState(0).randint(1, 4, 40).astype(float)
    with sklearn.config_context(enable_metadata_routing=True):
        declined = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False), PCA(2))
        for pipe in (make_pipeline(PCA(2)), declined):
            with pytest.warns(UserWarning, match="takes no sample_weight"):
                model = PrototypeClassifier(pipe).fit(X, y, sample_weight=weights)
            assert model.score(X, y) > 0.9
        asked = make_pipeline(StandardScaler().set_fit_request(sample_weight=True),
                              PCA(2))
        model = PrototypeClassifier(asked).fit(X, y, sample_weight=weights)
        scaler = model.transformer_[0]
        np.testing.assert_allclose(scaler.mean_, np.average(X, 0, weights))
        proto = PrototypeClassifier(make_pipeline(PCA(2))).set_fit_request(
            sample_weight=True)
        with pytest.warns(UserWarning, match="takes no sample_weight"):
            bagging = BaggingClassifier(proto, n_estimators=2, random_state=0)
            assert bagging.fit(X, y).score(X, y) > 0.9


def test_prototype_unfitted_pipeline_ending_in_a_stateless_step():
    # scikit-learn's check reads a pipeline's last step: an unfitted scaler
    # then a Normalizer passed as fitted (fit raised NotFittedError, clones
    # shared the caller's pipeline and its parameters could not be searched)
    from sklearn.base import clone
    from sklearn.datasets import make_blobs
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer, StandardScaler

    X, y = make_blobs(40, n_features=3, centers=[[0, 0, 0], [4, 4, 4]],
                      random_state=0)
    pipe = make_pipeline(StandardScaler(), Normalizer())
    model = PrototypeClassifier(pipe).fit(X, y)
    assert model.score(X, y) > 0.9
    assert model.transformer_ is not pipe and not hasattr(pipe[0], "mean_")
    assert clone(PrototypeClassifier(pipe)).transformer is not pipe
    search = GridSearchCV(PrototypeClassifier(pipe),
                          {"transformer__standardscaler__with_mean": [True, False]},
                          cv=2).fit(X, y)
    assert search.best_params_["transformer__standardscaler__with_mean"] in (
        True, False)
    # fitted, it is kept as given (the stateless step needs no fit)
    fitted = make_pipeline(StandardScaler(), Normalizer()).fit(X)
    assert PrototypeClassifier(fitted).fit(X, y).transformer_ is fitted


def test_boolean_pair_labels_are_predicted_as_booleans():
    # classes_ was [0, 1] for labels False/True (scikit-learn keeps them)
    rng = np.random.RandomState(0)
    pairs, similar = rng.randn(60, 2, 4), rng.rand(60) < 0.5
    clf = SiamesePairClassifier(embedding_size=2, hidden_layer_sizes=(4,),
                                max_epochs=1, random_state=0).fit(pairs, similar)
    np.testing.assert_array_equal(clf.classes_, [False, True])
    assert clf.predict(pairs).dtype == bool


@pytest.mark.parametrize("cls", [SiameseTransformer, SiamesePairClassifier])
def test_tags_declare_three_d_input(cls):
    # images and series take the CNN stack, pairs are (n_pairs, 2, ...):
    # the tags said three_d_array=False
    from sklearn.utils import get_tags

    assert get_tags(cls()).input_tags.three_d_array


def test_prototype_scores_are_computed_in_blocks_of_rows(monkeypatch):
    # predict of 1e5 rows among 500 classes held two full float64 distance
    # matrices (780 MB for an answer of 0.8 MB); blocks give the same outputs
    import skdeep.siamese._siamese as siamese

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 4)), np.arange(200) % 20
    for metric in ("euclidean", "cosine"):
        clf = PrototypeClassifier(metric=metric).fit(X, y)
        whole = [clf.predict(X), clf.predict_proba(X), clf.decision_function(X)]
        monkeypatch.setattr(siamese, "_SCORE_BLOCK_ELEMENTS", 20 * 7)  # 7 rows
        blocks = [clf.predict(X), clf.predict_proba(X), clf.decision_function(X)]
        monkeypatch.undo()
        np.testing.assert_array_equal(blocks[0], whole[0])
        for a, b in zip(blocks[1:], whole[1:]):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_prototype_blocks_count_the_embedding_width_and_stay_sparse(monkeypatch):
    # Blocks were sized by the number of classes only, and a transformer's
    # sparse output was made dense whole: 3,000 tf-idf rows of 40,000 terms
    # (1 MB) peaked at 2.8 GB in predict, 50,000 float32 rows of 1,000
    # features at 1.2 GB. Rows are now converted to float64 block by block.
    import skdeep.siamese._siamese as siamese
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.RandomState(0)
    X = sp.random(60, 50, density=0.2, format="csr", random_state=0, dtype=np.float32)
    y = np.arange(60) % 5
    identity = FunctionTransformer(accept_sparse=True)
    for metric in ("euclidean", "cosine"):
        dense = PrototypeClassifier(metric=metric).fit(X.toarray(), y)
        sparse = PrototypeClassifier(identity, metric=metric).fit(X, y)
        np.testing.assert_allclose(sparse.prototypes_, dense.prototypes_)
        expected = dense.predict_proba(X.toarray())
        seen = []
        dense_rows = siamese._dense_rows

        def record(Z):
            seen.append((Z.shape, sp.issparse(Z)))
            return dense_rows(Z)

        monkeypatch.setattr(siamese, "_dense_rows", record)
        monkeypatch.setattr(siamese, "_SCORE_BLOCK_ELEMENTS", 50 * 7)  # 7 rows
        np.testing.assert_allclose(sparse.predict_proba(X), expected, rtol=1e-12)
        monkeypatch.undo()
        assert all(shape[0] <= 7 and is_sparse for shape, is_sparse in seen)
        assert sum(shape[0] for shape, _ in seen) == 60
    wide = rng.normal(size=(40, 30)).astype(np.float32)
    clf = PrototypeClassifier().fit(wide, np.arange(40) % 4)
    expected = clf.decision_function(np.asfortranarray(wide))
    monkeypatch.setattr(siamese, "_SCORE_BLOCK_ELEMENTS", 30 * 3)
    np.testing.assert_allclose(clf.decision_function(np.asfortranarray(wide)),
                               expected, rtol=1e-12)


def test_prototype_refuses_a_missing_value_in_a_list():
    # a list holding None stayed an object array, passed the NaN check and
    # became a NaN prototype: every row was predicted as the first class
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 3)).tolist()
    y = np.arange(12) % 2
    clf = PrototypeClassifier().fit(X, y)
    X[3][1] = None
    with pytest.raises(ValueError, match="Input X contains NaN"):
        PrototypeClassifier().fit(X, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(X)


def test_pair_classes_keep_the_label_dtype_and_nan_labels_are_refused():
    # float labels 0.0/1.0 came back as int64 classes and predictions;
    # a Categorical with a missing label raised a sorting TypeError
    import pandas as pd

    rng = np.random.RandomState(0)
    pairs = rng.randn(20, 2, 4)
    for y in (np.array([0.0, 1.0] * 10), np.array([-1, 1] * 10, dtype=np.int32)):
        clf = SiamesePairClassifier(max_epochs=1, random_state=0).fit(pairs, y)
        assert clf.classes_.dtype == y.dtype
        assert clf.predict(pairs).dtype == y.dtype
        np.testing.assert_array_equal(clf.classes_, np.unique(y))
    missing = pd.Categorical([0, 1] * 9 + [np.nan, 1])
    with pytest.raises(ValueError, match="Input y contains NaN"):
        SiamesePairClassifier(max_epochs=1).fit(pairs, missing)


def test_pair_distance_is_exact_at_inference():
    # the training floor under the square root stayed at inference: equal
    # members read 1e-6, and distances under about 1e-6 were lost to it
    from sklearn.metrics.pairwise import paired_distances

    rng = np.random.RandomState(0)
    X = rng.randn(20, 3)
    y = np.tile([0, 1], 10)
    model = SiameseTransformer(max_epochs=3, normalize=False, random_state=0).fit(X, y)
    assert np.array_equal(model.pair_distance(np.stack([X[:3], X[:3]], 1)), np.zeros(3))
    near = X[:3] + 1e-7
    np.testing.assert_allclose(
        model.pair_distance(np.stack([X[:3], near], 1)),
        paired_distances(model.transform(X[:3]), model.transform(near)),
        rtol=1e-3, atol=1e-12)


def test_pair_inputs_are_checked_as_pairs():
    # a transformer fitted on a DataFrame warned "X does not have valid
    # feature names" at every pair call (pairs arrays never have them); a
    # pairs array of the wrong rank was described as the stacked members
    # ("fitted on 3-D input but X is 2-D with shape (6, 16)")
    import pandas as pd

    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(40, 3)), columns=list("abc"))
    y = rng.randint(0, 3, 40)
    transformer = SiameseTransformer(embedding_size=3, hidden_layer_sizes=(8,),
                                     max_epochs=1, random_state=0).fit(X, y)
    pairs = np.stack([X.to_numpy()[:5], X.to_numpy()[5:10]], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distances = transformer.pair_distance(pairs)
    embedded = transformer.transform(X)
    np.testing.assert_allclose(
        distances, np.linalg.norm(embedded[:5] - embedded[5:10], axis=1), rtol=1e-5)
    with pytest.raises(ValueError, match="X has 2 features"):
        transformer.pair_distance(pairs[:, :, :2])
    series = rng.normal(size=(20, 2, 2, 16)).astype(np.float32)
    clf = SiamesePairClassifier(embedding_size=3, max_epochs=1, random_state=0,
                                network_params={"conv_channels": (4,)})
    clf.fit(series, np.arange(20) % 2)
    for bad in (series[:3, :, 0], series[:3, ..., None]):
        with pytest.raises(ValueError, match="fitted on 3-D samples, so pairs "
                           "must be 4-D") as error:
            clf.predict(bad)
        assert str(bad.shape) in str(error.value)


def test_pair_threshold_weighs_the_weights_as_given():
    # the threshold was chosen on training's float32 copy of the weights:
    # 1 + 1e-8 became 1, and the tie went to the split classifying less
    rng = np.random.RandomState(0)
    pairs = rng.normal(size=(2, 2, 4))
    params = dict(embedding_size=3, hidden_layer_sizes=(8,), max_epochs=1,
                  lr=1e-12, random_state=0)
    distances = SiamesePairClassifier(**params).fit(pairs, [0, 1]).pair_distance(pairs)
    similar = (distances == distances.max()).astype(int)  # the farther pair
    weights = np.where(similar == 1, 1.0 + 1e-8, 1.0)
    clf = SiamesePairClassifier(**params).fit(pairs, similar, sample_weight=weights)
    np.testing.assert_array_equal(clf.predict(pairs), [1, 1])  # weight 1 + 1e-8
