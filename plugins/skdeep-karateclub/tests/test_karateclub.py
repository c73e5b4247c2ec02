"""The karateclub plugin is discovered by skdeep; its wrappers follow the contract."""

import numpy as np
import pytest
import scipy.sparse as sp
from skdeep_karateclub import CLASSES, NOT_WORKING, WORKING, KarateClubDeepWalk
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

import skdeep
from skdeep.plugins import list_plugins
from skdeep.utils.estimator_checks import parametrize_with_checks


def two_communities(n=40, p_in=0.5, p_out=0.02, seed=0):
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1], n // 2)
    prob = np.where(y[:, None] == y[None, :], p_in, p_out)
    upper = np.triu(rng.rand(n, n) < prob, 1)
    return sp.csr_matrix((upper | upper.T).astype(float)), y


def test_plugin_is_installed():
    plugins = {p["name"]: p for p in list_plugins()}
    assert plugins["karateclub"]["error"] is None
    assert sorted(plugins["karateclub"]["estimators"]) == sorted(CLASSES)
    assert skdeep.get_estimator("KarateClubDeepWalk") is KarateClubDeepWalk
    assert not set(WORKING) & set(NOT_WORKING)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_model_embeds_every_node(name):
    A, y = two_communities()
    klass = CLASSES[name]
    emb = klass(**klass.get_test_params(), random_state=0).fit_transform(A)
    assert emb.shape[0] == 40 and np.all(np.isfinite(emb))


def test_deepwalk_learns_communities_and_fixed_graph_pipeline():
    A, y = two_communities()
    nodes = np.arange(40).reshape(-1, 1)
    pipe = make_pipeline(
        KarateClubDeepWalk(10, graph=A, walk_length=20, dimensions=16,
                           random_state=0),
        LogisticRegression(),
    )
    assert cross_val_score(pipe, nodes, y, cv=4).mean() > 0.9  # chance 0.5


def test_seeded_and_global_rng_untouched():
    import random

    A, _ = two_communities()
    state = random.getstate(), np.random.get_state()[1].copy()
    params = dict(walk_length=10, dimensions=4, random_state=3)
    a = KarateClubDeepWalk(2, **params).fit_transform(A)
    b = KarateClubDeepWalk(2, **params).fit_transform(A)
    np.testing.assert_array_equal(a, b)
    assert random.getstate() == state[0]
    np.testing.assert_array_equal(np.random.get_state()[1], state[1])


def test_attributed_model_uses_node_features():
    A, y = two_communities()
    features = np.c_[y, 1 - y, np.random.RandomState(0).rand(40, 8)]
    klass = CLASSES["KarateClubTENE"]
    emb = klass(dimensions=2, iterations=20, node_features=features,
                random_state=0).fit_transform(A)
    assert emb.shape[0] == 40
    with pytest.raises(ValueError, match="rows"):
        klass(node_features=features[:5]).fit(A)


def test_diff2vec_cover_larger_than_component_raises():
    A, _ = two_communities(n=10)
    with pytest.raises(ValueError, match="loop forever"):
        CLASSES["KarateClubDiff2Vec"](diffusion_cover=80).fit(A)


@parametrize_with_checks(list(CLASSES.values()))
def test_conformance(estimator, check):
    check(estimator)
