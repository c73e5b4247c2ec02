"""Tests of HyperNEAT: substrates, weight painting, and the estimators."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
import warnings

import matplotlib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skdeep.neuroevolution import (
    Genome,
    NEATPopulation,
    visual_discrimination_error,
    visual_discrimination_fitness,
    visual_discrimination_trials,
)
from skdeep.neuroevolution._cppn import cppn_config
from skdeep.neuroevolution._hyperneat import (
    HyperNEATClassifier,
    HyperNEATRegressor,
    Substrate,
    cppn_shape,
    express,
    paint_substrate,
    plot_substrate,
    plot_weights,
)

matplotlib.use("Agg")


def _linear_cppn(coefficients, n_outputs=1, activation="identity"):
    """A CPPN whose outputs are ``act(sum_k c_k * input_k)`` (6 inputs:
    x1, y1, x2, y2, d, bias)."""
    conn, weight = [], []
    for o in range(n_outputs):
        for k, c in enumerate(coefficients):
            if c:
                conn.append([-(k + 1), o])
                weight.append(float(c))
    return Genome(
        n_inputs=len(coefficients), n_outputs=n_outputs, feed_forward=True,
        node_keys=np.arange(n_outputs), bias=np.zeros(n_outputs),
        response=np.ones(n_outputs), activation=(activation,) * n_outputs,
        conn_keys=np.array(conn), weight=np.array(weight),
        enabled=np.ones(len(conn), bool), innovation=np.arange(len(conn)),
    )


def _images(n, side, seed):
    """Class 1: the left half is bright; class 0: the right half."""
    rng = np.random.RandomState(seed)
    images = rng.uniform(size=(n, side, side)) * 0.5
    y = rng.randint(2, size=n)
    half = side // 2
    images[y == 1, :, :half] += 1.0
    images[y == 0, :, half:] += 1.0
    return images, y


# ------------------------------------------------------------------ substrate


def test_substrate_layouts():
    image = Substrate.from_shapes((8, 8), (3,), hidden_shapes=[(4, 4)])
    assert [len(c) for c in image.layers] == [64, 16, 3]
    assert image.n_connections == 64 * 16 + 16 * 3 and image.n_transitions == 2
    corners = image.layers[0][[0, 7, 63]]
    np.testing.assert_array_equal(corners, [[-1, -1], [1, -1], [1, 1]])
    line = Substrate.from_shapes((5,), (1,))
    np.testing.assert_array_equal(line.layers[0][:, 1], 0.0)  # a line at y = 0
    np.testing.assert_allclose(line.layers[0][:, 0], np.linspace(-1, 1, 5))
    np.testing.assert_array_equal(line.layers[1], [[0.0, 0.0]])
    finer = image.with_input_shape((16, 16))
    assert finer.n_inputs == 256
    np.testing.assert_array_equal(finer.layers[2], image.layers[2])
    assert finer == Substrate.from_shapes((16, 16), (3,), [(4, 4)])
    custom = Substrate([[0, 0], [1, 1]], [[0.5, 0.5]])
    assert custom.n_inputs == 2 and custom.shapes is None
    assert repr(image) == "Substrate(layers=[(8, 8), (4, 4), (3,)])"


def test_substrate_errors():
    with pytest.raises(ValueError, match="input_coords"):
        Substrate([[0, 0, 0]], [[0, 0]])
    with pytest.raises(ValueError, match="output_coords"):
        Substrate([[0, 0]], [[np.nan, 0]])
    with pytest.raises(ValueError, match="from_shapes"):
        Substrate([[0, 0]], [[0, 0]]).with_input_shape((2, 2))
    with pytest.raises(ValueError, match="axes"):
        Substrate.from_shapes((4, 4), (1,)).with_input_shape((16,))
    with pytest.raises(ValueError, match="input_shape"):
        Substrate.from_shapes((4, 0), (1,))
    # sizes must be integers: int() truncated (2.9, 6.7) to a (2, 6) substrate
    for shape in [(2.9, 6.7), None, (np.nan, 2), (True, 2)]:
        with pytest.raises(ValueError, match="positive ints"):
            Substrate.from_shapes((4, 4), (1,)).with_input_shape(shape)
    assert Substrate.from_shapes((np.int64(2), 3), (1,)).n_inputs == 6


# ------------------------------------------------------------------- painting


def test_express_threshold_semantics():
    raw = np.array([-2.0, -1.0, -0.5, -0.2, -0.1, 0.0, 0.2, 0.2000001, 0.6, 1.0])
    w = express(raw, weight_threshold=0.2, max_weight=3.0)
    # at or below the threshold: no connection
    np.testing.assert_array_equal(w[[3, 4, 5, 6]], 0.0)
    # just above: a tiny weight; at |1| (and clipped beyond): +-max_weight
    assert 0 < w[7] < 1e-5
    np.testing.assert_allclose(w[[0, 1, 9]], [-3.0, -3.0, 3.0])
    np.testing.assert_allclose(w[[2, 8]], [-0.3 / 0.8 * 3.0, 0.4 / 0.8 * 3.0])
    # no threshold: a plain rescaling
    np.testing.assert_allclose(express(raw, 0.0, 2.0), 2.0 * np.clip(raw, -1, 1))
    with pytest.raises(ValueError, match="weight_threshold"):
        express(raw, 1.0)


def test_paint_matches_hand_computed_cppn():
    substrate = Substrate.from_shapes((3, 3), (2, 2))
    # weight output = 0.5 * (x2 - x1) - 0.25 * d ; bias output = y2 + 0.3 * bias
    cppn = Genome(
        n_inputs=6, n_outputs=2, feed_forward=True, node_keys=np.array([0, 1]),
        bias=np.zeros(2), response=np.ones(2), activation=("identity", "identity"),
        conn_keys=np.array([[-1, 0], [-3, 0], [-5, 0], [-4, 1], [-6, 1]]),
        weight=np.array([-0.5, 0.5, -0.25, 1.0, 0.3]), enabled=np.ones(5, bool),
        innovation=np.arange(5),
    )
    assert cppn_shape(substrate, bias_output=True) == (6, 2)
    networks = paint_substrate(cppn, substrate, weight_threshold=0.1, max_weight=2.0,
                               bias_output=True)
    src, dst = substrate.layers
    expected = np.zeros((9, 4))
    for i, (x1, y1) in enumerate(src):
        for j, (x2, y2) in enumerate(dst):
            raw = 0.5 * (x2 - x1) - 0.25 * np.hypot(x2 - x1, y2 - y1)
            raw = min(1.0, max(-1.0, raw))
            if abs(raw) > 0.1:
                expected[i, j] = np.sign(raw) * (abs(raw) - 0.1) / 0.9 * 2.0
    np.testing.assert_allclose(networks.weights[0][0], expected, atol=1e-12)
    raw_bias = np.clip(dst[:, 1] + 0.3, -1, 1)
    scaled = np.sign(raw_bias) * (np.abs(raw_bias) - 0.1) / 0.9 * 2
    bias = np.where(np.abs(raw_bias) > 0.1, scaled, 0)
    np.testing.assert_allclose(networks.biases[0][0], bias, atol=1e-12)
    # the painted network: linear outputs of X @ W + b
    X = np.random.RandomState(0).normal(size=(5, 9))
    np.testing.assert_allclose(networks.activate(X)[0], X @ expected + bias, atol=1e-12)
    assert networks.n_genomes == 1 and networks.n_outputs == 4


def test_paint_population_at_once_matches_one_by_one():
    substrate = Substrate.from_shapes((4, 4), (2,), hidden_shapes=[(2, 2)])
    n_in, n_out = cppn_shape(substrate)
    assert (n_in, n_out) == (6, 2)
    population = NEATPopulation(n_in, n_out, cppn_config(pop_size=12), random_state=0)
    population.tell(np.arange(12.0))  # one generation of variation
    together = paint_substrate(population.phenotypes(), substrate)
    X = np.random.RandomState(1).uniform(size=(7, 16))
    out = together.activate(X)
    assert out.shape == (12, 7, 2)
    for row in (0, 5, 11):
        alone = paint_substrate(population.genome(row), substrate)
        np.testing.assert_allclose(alone.weights[1][0], together.weights[1][row],
                                   atol=1e-12)
        np.testing.assert_allclose(alone.activate(X)[0], out[row], atol=1e-12)
    # hidden nodes are tanh, outputs linear
    W1, W2 = together.weights[0][3], together.weights[1][3]
    np.testing.assert_allclose(out[3], np.tanh(X @ W1) @ W2, atol=1e-12)
    # per-genome inputs and batching give the same
    per_genome = np.broadcast_to(X, (12,) + X.shape)
    batched = together.activate(per_genome, batch_size=3)
    np.testing.assert_allclose(batched, out, atol=1e-12)


def test_paint_errors():
    substrate = Substrate.from_shapes((3, 3), (1,))
    cppn = _linear_cppn([1, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="5 inputs"):
        paint_substrate(cppn, substrate, distance_input=False)
    networks = paint_substrate(cppn, substrate)
    with pytest.raises(ValueError, match="X must be"):
        networks.activate(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="substrate activation"):
        paint_substrate(cppn, substrate, activation="softmax")


@pytest.mark.parametrize("resolution", [11, 33])
def test_locality_cppn_solves_visual_discrimination_at_any_resolution(resolution):
    # weight = 1 - 5 d: excitatory near the source pixel, so the output
    # sheet peaks where most lit pixels are close: the large box
    cppn = _linear_cppn([0, 0, 0, 0, -5.0, 1.0])
    sheet = (resolution, resolution)
    substrate = Substrate.from_shapes(sheet, sheet)
    networks = paint_substrate(cppn, substrate)
    images, targets = visual_discrimination_trials(resolution)
    outputs = networks.activate(images.reshape(75, -1))[0]
    error = visual_discrimination_error(outputs, targets)
    assert error.mean() < 0.1
    if resolution == 11:
        assert visual_discrimination_fitness(networks)[0] == pytest.approx(2250.0)


# ------------------------------------------------------------------ estimators


def test_classifier_learns_tiny_image_task_and_rescales():
    X, y = _images(80, 4, 0)
    Xt, yt = _images(200, 4, 1)
    clf = HyperNEATClassifier(n_generations=5, pop_size=30, input_shape=(4, 4),
                              random_state=0)
    clf.fit(X.reshape(80, -1), y)
    assert clf.score(Xt.reshape(200, -1), yt) > 0.8  # chance is 0.5
    assert [W.shape for W in clf.weights_] == [(16, 4), (4, 1)]
    assert clf.best_cppn_ == clf.best_genome_ and clf.biases_ is None
    assert clf.substrate_ == Substrate.from_shapes((4, 4), (1,), [(2, 2)])
    # resolution scaling: the same CPPN painted for 8x8 images
    big = clf.with_input_shape((8, 8))
    Xbig = np.repeat(np.repeat(Xt, 2, axis=1), 2, axis=2).reshape(200, -1)
    assert big.n_features_in_ == 64 and big.input_shape == (8, 8)
    assert big.weights_[0].shape == (64, 4)
    assert big.score(Xbig, yt) > 0.8
    assert clf.n_features_in_ == 16  # the original is unchanged
    with pytest.raises(ValueError, match="features"):
        clf.predict(Xbig)


def test_regressor_better_than_the_mean_and_deterministic():
    X, _ = _images(80, 4, 0)
    target = X[:, :, :2].mean(axis=(1, 2)) - X[:, :, 2:].mean(axis=(1, 2))
    params = dict(n_generations=10, pop_size=30, input_shape=(4, 4), random_state=0)
    reg = HyperNEATRegressor(**params).fit(X.reshape(80, -1), target)
    assert reg.score(X.reshape(80, -1), target) > 0.0
    again = HyperNEATRegressor(**params).fit(X.reshape(80, -1), target)
    for a, b in zip(reg.weights_, again.weights_):
        np.testing.assert_array_equal(a, b)
    other = HyperNEATRegressor(**{**params, "random_state": 1})
    other.fit(X.reshape(80, -1), target)
    assert not all(np.array_equal(a, b) for a, b in zip(reg.weights_, other.weights_))


def test_tabular_multiclass_and_options():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = np.argmax(X, axis=1)
    clf = HyperNEATClassifier(n_generations=3, pop_size=20, hidden_shapes=None,
                              bias_output=True, distance_input=False, random_state=0)
    clf.fit(X, y)
    assert clf.substrate_ == Substrate.from_shapes((3,), (3,))
    assert clf.best_cppn_.n_inputs == 5 and clf.best_cppn_.n_outputs == 2
    assert clf.predict_proba(X).shape == (60, 3) and len(clf.biases_) == 1
    # a population set through config: the species target follows it (it
    # stayed the one of pop_size's default population, 150)
    small = HyperNEATRegressor(n_generations=1, config={"pop_size": 24}, random_state=0)
    assert small._make_config().target_n_species == cppn_config(
        pop_size=24).target_n_species == 2


def test_pickle_roundtrip():
    X, y = _images(40, 4, 0)
    clf = HyperNEATClassifier(n_generations=2, pop_size=20, input_shape=(4, 4),
                              random_state=0).fit(X.reshape(40, -1), y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X.reshape(40, -1)),
                                  clf.predict_proba(X.reshape(40, -1)))
    assert loaded.substrate_ == clf.substrate_


def test_estimator_errors():
    X, y = _images(20, 4, 0)
    with pytest.raises(ValueError, match="input_shape"):
        HyperNEATClassifier(n_generations=1, pop_size=10, input_shape=(3, 3)).fit(
            X.reshape(20, -1), y)
    with pytest.raises(ValueError, match="weight_threshold"):
        HyperNEATClassifier(weight_threshold=1.5).fit(X.reshape(20, -1), y)
    with pytest.raises(ValueError, match="substrate_activation"):
        HyperNEATRegressor(substrate_activation="softmax").fit(X.reshape(20, -1), y)
    with pytest.raises(NotFittedError):
        HyperNEATClassifier().with_input_shape((8, 8))
    for name in ("best_genome_", "substrate_", "best_cppn_"):  # (two were
        with pytest.raises(NotFittedError):  # plain AttributeErrors)
            getattr(HyperNEATClassifier(), name)
    tabular = HyperNEATClassifier(n_generations=1, pop_size=10)
    tabular.fit(X.reshape(20, -1), y)
    with pytest.raises(ValueError, match="axes"):
        tabular.with_input_shape((4, 4))


def test_plots():
    X, y = _images(20, 4, 0)
    clf = HyperNEATClassifier(n_generations=1, pop_size=10, input_shape=(4, 4),
                              hidden_shapes=[(4, 4)], random_state=0)
    clf.fit(X.reshape(20, -1), y)
    ax = clf.plot_weights()
    assert ax.images[0].get_array().shape == (16, 16)  # 4x4 tiles of 4x4 targets
    ax = clf.plot_substrate(max_connections=20)
    assert len(ax.collections) == 4  # the connections and three layers of nodes
    W = np.arange(6.0).reshape(2, 3)
    assert plot_weights(W).images[0].get_array().shape == (2, 3)
    assert len(plot_substrate(Substrate.from_shapes((2,), (3,)), [W]).collections) == 3
    with pytest.raises(ValueError, match="2-D"):
        plot_weights(np.zeros(3))
    # (an IndexError, or -1 drawing the last matrix against the input grid)
    for layer in (2, -1, 0.0, True):
        with pytest.raises(ValueError, match=r"layer must be an integer from 0 to 1 "
                           r"\(one matrix per pair of layers\)"):
            clf.plot_weights(layer=layer)
    with pytest.raises(ValueError, match="of shapes \\[\\(2, 3\\)\\]; got shapes "
                       "\\[\\(3, 2\\)\\]"):
        plot_substrate(Substrate.from_shapes((2,), (3,)), [W.T])
    with pytest.raises(ValueError, match="max_connections must be a positive"):
        clf.plot_substrate(max_connections=0)
    # at most max_connections lines (one per matrix at least drew 2 for 1)
    for n in (1, 3):
        ax = clf.plot_substrate(max_connections=n)
        assert len(ax.collections[0].get_segments()) == n
    # y grows down the image on a reused axes too (invert_yaxis toggled it)
    assert plot_substrate(clf.substrate_, ax=ax).yaxis_inverted()
    # refused before a figure is left open: bad colour map, empty or NaN
    # weights, a layer of a single matrix (ignored)
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for kwargs, match in (({"cmap": "no_such_cmap"}, "no_such_cmap"),
                          ({"weights": np.zeros((0, 3))}, "non-empty"),
                          ({"weights": np.full((2, 2), np.nan)}, "NaN"),
                          ({"layer": 1}, "weights is one matrix")):
        with pytest.raises(ValueError, match=match):
            plot_weights(**{"weights": W, **kwargs})
    assert plt.get_fignums() == before


def test_warm_start_says_which_painting_settings_it_cannot_apply():
    # the run's CPPNs keep the painting they evolved for: settings changed
    # between warm fits were ignored without a word
    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 3), rng.randn(40)
    model = HyperNEATRegressor(n_generations=2, pop_size=20, warm_start=True,
                               random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match=r"max_weight, weight_threshold \(set since "
                      r"the run's first fit\) are not applied"):
        model.set_params(max_weight=6.0, weight_threshold=0.5).fit(X, y)
    assert model._painting()["max_weight"] != 6.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.set_params(max_weight=6.0, warm_start=False).fit(X, y)
    assert model._painting()["max_weight"] == 6.0


def test_warm_start_says_which_substrate_settings_it_cannot_apply():
    # a warm fit keeps the run's substrate: a new input_shape or
    # hidden_shapes was ignored without a word
    rng = np.random.RandomState(0)
    X, y = rng.rand(30, 16), np.arange(30) % 2
    clf = HyperNEATClassifier(n_generations=2, pop_size=10, input_shape=(4, 4),
                              warm_start=True, random_state=0).fit(X, y)
    substrate = clf.substrate_
    with pytest.warns(UserWarning, match=r"hidden_shapes, input_shape \(set since "
                      r"the run's first fit\) are not applied"):
        clf.set_params(hidden_shapes=None, input_shape=(2, 8)).fit(X, y)
    assert clf.substrate_ == substrate
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.set_params(warm_start=False).fit(X, y)
    assert clf.substrate_ != substrate


def test_a_resized_copy_continues_warm_at_its_own_input_shape():
    # with_input_shape set input_shape but not the run's recorded layout: a
    # warm fit of the copy warned that input_shape "is not applied" while
    # evolving on the new substrate
    rng = np.random.RandomState(0)
    y = np.arange(30) % 2
    clf = HyperNEATClassifier(n_generations=2, pop_size=10, input_shape=(2, 2),
                              warm_start=True, random_state=0)
    big = clf.fit(rng.randn(30, 4), y).with_input_shape((4, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big.fit(rng.randn(30, 16), y)
    assert big.substrate_.shapes[0] == (4, 4) and big.n_features_in_ == 16
    assert big.n_generations_ == 4  # (the run went on)


def test_a_refit_failing_in_its_final_paint_leaves_the_model_as_it_was(monkeypatch):
    # the paint after the evolution ran outside the fit's protection: a
    # failure there (Ctrl-C, out of memory) left the new genome, history and
    # predictions beside the previous fit's weights_
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y = 0.5 * X[:, 0]
    est = HyperNEATRegressor(n_generations=3, pop_size=12, random_state=0).fit(X, y)
    before = {k: v for k, v in vars(est).items()}
    prediction = est.predict(X)
    paint = HyperNEATRegressor._paint

    def fail_after_the_evolution(self, genome, *args, **kwargs):
        if self.__dict__.get("n_generations_") == 2:  # (the refit's model)
            raise MemoryError("painting")
        return paint(self, genome, *args, **kwargs)

    monkeypatch.setattr(HyperNEATRegressor, "_paint", fail_after_the_evolution)
    with pytest.raises(MemoryError):
        est.set_params(n_generations=2, random_state=1).fit(X, y)
    monkeypatch.undo()
    assert vars(est).keys() == before.keys()
    assert est.n_generations_ == 3 and est.best_fitness_ == before["best_fitness_"]
    np.testing.assert_array_equal(est.predict(X), prediction)
    for now, then in zip(est.weights_, paint(est, est.best_genome_).weights):
        np.testing.assert_array_equal(now, then[0])
