"""Tests of the neuroevolution tasks, driven by hand-written fake phenotypes."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skdeep.neuroevolution._tasks import (
    PoleBalancing,
    visual_discrimination,
    visual_discrimination_error,
    visual_discrimination_fitness,
    visual_discrimination_trials,
    xor_data,
    xor_fitness,
)

# a PD controller on the scaled inputs (x, x', theta, theta'): push towards the fall
PD_SINGLE = [0.5, 1.0, 5.0, 1.0]


class LinearPhenotypes:
    """P linear controllers ``clip(X @ w, -1, 1)``; counts the activations."""

    def __init__(self, weights):
        self.weights = np.atleast_2d(np.asarray(weights, dtype=float))
        self.n_genomes = len(self.weights)
        self.n_envs = None
        self.calls = 0

    def reset(self, n_envs):
        self.n_envs = n_envs

    def step(self, X):
        assert X.shape[:2] == (self.n_genomes, self.n_envs)
        self.calls += 1
        out = np.einsum("pei,pi->pe", X, self.weights)
        return np.clip(out, -1.0, 1.0)[..., None]

    def activate(self, genome, inputs):
        """The same controller for one genome, neat-python style."""
        return [float(np.clip(np.dot(inputs, self.weights[genome]), -1.0, 1.0))]


class DifferencingPhenotypes:
    """Recurrent fakes for the velocity-free single pole: velocities by differencing.

    Sees (x / 4.8, theta / 0.52), keeps the previous inputs as its state and
    applies :data:`PD_SINGLE` to the finite-difference velocity estimates.
    """

    def __init__(self, gains, dt=0.02):
        self.gains = np.atleast_2d(np.asarray(gains, dtype=float))
        self.n_genomes = len(self.gains)
        self.dt = dt
        self.prev = None

    def reset(self, n_envs):
        self.prev = None

    def step(self, X):
        x, th = X[..., 0] * 4.8, X[..., 1] * 0.52
        if self.prev is None:
            self.prev = (x, th)
        v, w = (x - self.prev[0]) / self.dt, (th - self.prev[1]) / self.dt
        self.prev = (x, th)
        g = self.gains[:, None, :]
        out = g[..., 0] * x / 4.8 + g[..., 1] * v / 2 + g[..., 2] * th / 0.52
        out = out + g[..., 3] * w / 2
        return np.clip(out, -1.0, 1.0)[..., None]


class MapPhenotypes:
    """Fixed output maps per genome (n_genomes, n_envs, n_outputs)."""

    def __init__(self, outputs):
        self.outputs = np.asarray(outputs, dtype=float)
        self.n_genomes = len(self.outputs)

    def reset(self, n_envs):
        assert n_envs == self.outputs.shape[1]

    def step(self, X):
        return self.outputs


# ------------------------------------------------------------------------- XOR


def test_xor_fitness_scores_each_genome():
    X, y = xor_data()
    perfect = np.broadcast_to(y[None, :, None], (1, 4, 1))
    wrong = 1.0 - perfect
    half = np.full((1, 4, 1), 0.5)
    fit = xor_fitness(MapPhenotypes(np.concatenate([perfect, wrong, half])))
    np.testing.assert_allclose(fit, [4.0, 0.0, 3.0])
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]


# ---------------------------------------------------------------------- physics


@pytest.mark.parametrize("kind", ["single", "double"])
def test_scalar_twin_agrees_with_vectorised_physics(kind):
    task = PoleBalancing(kind)
    rng = np.random.RandomState(0)
    scalar, vector = list(task.initial_state()), task.initial_state()
    for output in rng.uniform(-1.0, 1.0, size=500):
        scalar = task.step_scalar(scalar, output)
        vector = task.step(vector, output)
        np.testing.assert_allclose(vector, scalar, rtol=0, atol=1e-9)
        assert task.failed_scalar(scalar) == task.failed(vector)
        assert task.observe_scalar(scalar) == pytest.approx(task.observe(vector))


def test_step_broadcasts_and_maps_outputs_to_force():
    task = PoleBalancing("double", output_range=(0.0, 1.0))
    np.testing.assert_allclose(task.force([0.0, 0.5, 1.0, 2.0]), [-10, 0, 10, 10])
    states = np.tile(task.initial_state(), (2, 3, 1))
    out = task.step(states, np.array([[0.0, 0.5, 1.0], [1.0, 0.5, 0.0]]))
    assert out.shape == (2, 3, 6)
    # pushing right (output 1) accelerates the cart right, left the other way
    assert out[0, 2, 1] > 0 > out[0, 0, 1]
    np.testing.assert_allclose(out[0, ::-1], out[1])
    assert task.observe(states).shape == (2, 3, 6)
    assert PoleBalancing("double", velocities=False, bias_input=True).n_inputs == 4
    assert PoleBalancing("single", velocities=False).n_inputs == 2


def test_constructor_validates():
    with pytest.raises(ValueError, match="kind"):
        PoleBalancing("triple")
    with pytest.raises(ValueError, match="max_steps"):
        PoleBalancing(max_steps=0)
    with pytest.raises(ValueError, match="output_range"):
        PoleBalancing(output_range=(1.0, 0.0))


# -------------------------------------------------------------------- balancing


def test_pd_controller_balances_while_zero_and_random_fail():
    task = PoleBalancing("single", max_steps=2000)
    rng = np.random.RandomState(0)
    weights = np.vstack([PD_SINGLE, np.zeros(4), -np.array(PD_SINGLE)])
    weights = np.vstack([weights, rng.normal(size=(3, 4))])
    pop = LinearPhenotypes(weights)
    fit = task.fitness(pop)
    assert fit.shape == (6,)
    assert fit[0] == 2000
    assert fit[1] < 100 and fit[2] < 50
    assert np.all(fit[3:] < 2000)
    assert pop.calls == 2000  # the survivor keeps the loop going


def test_population_runs_match_single_genome_runs_and_scalar_twin():
    rng = np.random.RandomState(1)
    weights = np.vstack([PD_SINGLE, rng.normal(size=(5, 4))])
    task = PoleBalancing("single", max_steps=300)
    together = task.fitness(LinearPhenotypes(weights))
    for k, w in enumerate(weights):
        pop = LinearPhenotypes(w)
        assert task.fitness(pop)[0] == together[k]
        assert task.fitness_scalar(lambda x, p=pop: p.activate(0, x)) == together[k]
    np.testing.assert_array_equal(task.fitness(LinearPhenotypes(weights)), together)


def test_double_pole_fitness_shapes_and_failure():
    task = PoleBalancing("double", max_steps=200)
    pop = LinearPhenotypes(np.zeros((3, 6)))
    fit = task.fitness(pop)
    assert fit.shape == (3,) and fit.dtype == float
    assert np.all(fit == fit[0]) and 0 < fit[0] < 200  # the long pole falls
    assert task.failed(task.initial_state()) == np.False_


def test_gruau_fitness_rewards_damped_balancing_without_velocities():
    task = PoleBalancing("single", velocities=False)
    assert task.n_inputs == 2 and not task.markov
    pop = DifferencingPhenotypes(np.vstack([PD_SINGLE, np.zeros(4)]))
    fit = task.fitness(pop)
    steps = task.balanced_steps(DifferencingPhenotypes(np.zeros((1, 4))))
    assert steps.shape == (1, 1) and steps[0, 0] < 100
    # the fallen genome only gets the 0.1 t / 1000 term
    assert fit[1] == pytest.approx(0.1 * steps[0, 0] / 1000)
    assert fit[0] > 0.1  # balanced all 1000 steps, plus the damping term

    # the scalar twin of the same recurrent controller gives the same fitness
    state = {}

    def activate(inputs):
        x, th = inputs[0] * 4.8, inputs[1] * 0.52
        px, pth = state.get("prev", (x, th))
        state["prev"] = (x, th)
        g = PD_SINGLE
        u = g[0] * x / 4.8 + g[1] * (x - px) / 0.02 / 2 + g[2] * th / 0.52
        u += g[3] * (th - pth) / 0.02 / 2
        return [min(max(u, -1.0), 1.0)]

    assert task.fitness_scalar(activate, reset=state.clear) == pytest.approx(
        fit[0], rel=1e-9
    )


def test_generalization_states_and_solved():
    task = PoleBalancing("double", velocities=False)
    states = task.generalization_states()
    assert states.shape == (625, 6)
    assert len(np.unique(states[:, :4], axis=0)) == 625
    np.testing.assert_allclose(states[:, 0].min(), 0.05 * 4.32 - 2.16)
    np.testing.assert_allclose(states[:, 3].max(), 0.95 * 0.30019504 - 0.15009752)
    assert np.all(states[:, 4:] == 0)

    single = PoleBalancing("single")
    pop = LinearPhenotypes(np.vstack([PD_SINGLE, np.zeros(4)]))
    np.testing.assert_array_equal(single.solved(pop, long_steps=500), [True, False])
    score = single.generalization_score(pop, n_steps=100)
    assert score.shape == (2,) and score[0] > score[1]
    assert single.solved_scalar(lambda x: pop.activate(0, x), long_steps=500)
    # the non-Markov test also asks for 200 generalisation successes
    nm = PoleBalancing("single", velocities=False)
    diff = DifferencingPhenotypes(np.vstack([PD_SINGLE, np.zeros(4)]))
    assert nm.solved(diff, long_steps=500, min_generalization=0).tolist() == [
        True,
        False,
    ]
    assert not nm.solved(diff, long_steps=500, min_generalization=626).any()


# -------------------------------------------------------- visual discrimination


@pytest.mark.parametrize("resolution", [11, 33])
def test_visual_discrimination_targets_the_large_box(resolution):
    images, targets = visual_discrimination(50, resolution, random_state=0)
    s = resolution // 11
    assert images.shape == (50, resolution, resolution)
    np.testing.assert_array_equal(images.sum(axis=(1, 2)), s * s + 9 * s * s)
    half = (resolution - 1) / 2
    cols, rows = np.round(targets * half + half).astype(int).T
    np.testing.assert_allclose((np.stack([cols, rows], 1) - half) / half, targets)
    r = (3 * s - 1) // 2
    for img, row, col in zip(images, rows, cols):
        assert img[row - r : row + r + 1, col - r : col + r + 1].all()
        rest = img.copy()
        rest[row - r : row + r + 1, col - r : col + r + 1] = 0
        assert rest.sum() == s * s  # only the small box is left
    again, _ = visual_discrimination(50, resolution, random_state=0)
    np.testing.assert_array_equal(images, again)
    assert not np.array_equal(images, visual_discrimination(50, resolution, 1)[0])


def test_visual_discrimination_rejects_bad_resolution():
    for res in (10, 22, 12):
        with pytest.raises(ValueError, match="resolution"):
            visual_discrimination(2, res)


@pytest.mark.parametrize("resolution", [11, 33])
def test_paper_trials_and_fitness(resolution):
    images, targets = visual_discrimination_trials(resolution)
    s = resolution // 11
    assert images.shape == (75, resolution, resolution)
    np.testing.assert_array_equal(images.sum(axis=(1, 2)), 10 * s * s)
    # small box at (row 1, col 1) of the 11x11 field; the large box is half the
    # field below it, right of it and diagonal (pixel c is 3c + 1 at 33x33)
    half = (resolution - 1) / 2
    unit = [(c * s + (s - 1) // 2 - half) / half for c in (1, 6)]
    expected = [(unit[0], unit[1]), (unit[1], unit[0]), (unit[1], unit[1])]
    np.testing.assert_allclose(targets[:3], expected)
    assert images[0][(s - 1) // 2 + s, (s - 1) // 2 + s] == 1  # the small box
    # wrapping: small at col 7 -> large at col (7 + 5) % 11 = 1
    np.testing.assert_allclose(targets[3 * 3 + 1, 0], unit[0])
    # a perfect guesser scores 30 a trial and zero error
    cols, rows = np.round(targets * half + half).astype(int).T
    perfect = np.zeros((75, resolution * resolution))
    perfect[np.arange(75), rows * resolution + cols] = 1.0
    zeros = np.zeros_like(perfect)  # always guesses the top-left pixel
    fit = visual_discrimination_fitness(MapPhenotypes([perfect, zeros]), resolution)
    assert fit[0] == pytest.approx(75 * 30)
    assert fit[1] < fit[0]
    err = visual_discrimination_error(perfect.reshape(images.shape), targets)
    np.testing.assert_allclose(err, 0.0)
    err0 = visual_discrimination_error(zeros, targets)
    np.testing.assert_allclose(err0, np.linalg.norm(targets + 1, axis=1))


class _Wrapped:
    """Hides skdeep's Phenotypes so that the task takes its generic step loop."""

    def __init__(self, phenotypes):
        self._p = phenotypes
        self.n_genomes = phenotypes.n_genomes

    def reset(self, n_envs):
        self._p.reset(n_envs)

    def step(self, X):
        return self._p.step(X)


@pytest.mark.parametrize("velocities", [True, False])
def test_compiled_episodes_match_the_generic_step_loop(velocities):
    from skdeep.neuroevolution import NEATConfig, NEATPopulation

    task = PoleBalancing("double", velocities=velocities, max_steps=300,
                         output_range=(0.0, 1.0))
    config = NEATConfig(pop_size=30, feed_forward=velocities, node_add_prob=0.5,
                        conn_add_prob=0.8, weight_init_stdev=2.0)
    population = NEATPopulation(task.n_inputs, 1, config, random_state=0)
    for _ in range(6):  # grow some hidden nodes and loops
        population.tell(np.random.default_rng(population.generation).random(population.size))
    phenotypes = population.phenotypes()
    states = task.generalization_states()[::125]
    fast = task._simulate(phenotypes, states, 300, jiggle=True)
    slow = task._simulate(_Wrapped(phenotypes), states, 300, jiggle=True)
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-12)
    assert fast[0].max() > fast[0].min()  # the genomes differ


def test_a_horizon_of_zero_steps_is_zero_steps_not_the_default():
    task = PoleBalancing("single", max_steps=300)
    pd_controller = LinearPhenotypes(np.asarray([PD_SINGLE]))
    assert task.balanced_steps(pd_controller, n_steps=0)[0, 0] == 0
    assert task.balanced_steps(pd_controller, n_steps=7)[0, 0] == 7
    assert task.balanced_steps(pd_controller)[0, 0] == 300  # None: max_steps

    def activate(inputs):
        return pd_controller.activate(0, inputs)

    assert task.balanced_steps_scalar(activate, n_steps=0) == 0
    assert task.balanced_steps_scalar(activate) == 300


def test_pole_step_leaves_its_input_alone():
    # the compiled physics advanced the caller's array in place and returned
    # it: a trajectory of task.step(traj[-1], ...) held the last state everywhere
    from skdeep.neuroevolution import PoleBalancing

    task = PoleBalancing("double")
    trajectory = [task.initial_state()]
    for _ in range(3):
        trajectory.append(task.step(trajectory[-1], 1.0))
    np.testing.assert_array_equal(trajectory[0], task.initial_state())
    assert len({float(state[0]) for state in trajectory}) == 4  # the cart moves
    batch = np.stack([task.initial_state()] * 2)
    kept = batch.copy()
    task.step(batch, [1.0, -1.0])
    np.testing.assert_array_equal(batch, kept)
