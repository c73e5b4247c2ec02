"""The shared torch machinery: devices, seeding, the skorch road, batched inference."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from skdeep.autoencoder import AutoencoderTransformer
from skdeep.utils._torch import (
    batched_numpy,
    derive_seed,
    gather_rows,
    global_rng_kept,
    resolve_device,
    seeded,
    torch_threads,
)
from skdeep.utils.estimator_checks import numpy_global_rng_state


def _data(n=120, d=6, seed=0):
    rng = np.random.RandomState(seed)
    latent = rng.randn(n, 2)
    return latent @ rng.randn(2, d) + 0.05 * rng.randn(n, d)


def test_gather_rows_has_a_deterministic_backward():
    # Repeated rows and a gradient of 960k values: far past the size where
    # torch parallelises advanced indexing's accumulating backward.
    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, 16, generator=g)
    index = torch.randint(0, 50, (300, 200), generator=g)
    upstream = torch.randn(300, 200, 16, generator=g)

    def gradient(take):
        leaf = x.clone().requires_grad_()
        (take(leaf) * upstream).sum().backward()
        return leaf.grad

    np.testing.assert_array_equal(gather_rows(x, index), x[index])
    with torch_threads(1):  # one thread: the same sums as advanced indexing
        reference = gradient(lambda leaf: leaf[index])
        assert torch.equal(gradient(lambda leaf: gather_rows(leaf, index)), reference)
    with torch_threads(2):  # two: the same sums again, every time
        for _ in range(5):
            assert torch.equal(gradient(lambda leaf: gather_rows(leaf, index)),
                               reference)


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(ValueError, match="Unknown device 'gpu'"):
        resolve_device("gpu")
    with pytest.raises(ValueError, match="must be a str"):
        resolve_device(3)


def test_cpu_index_zero_is_the_cpu():
    # torch.device("cpu", 0) prints as "cpu:0": both spellings are the CPU
    for device in ("cpu:0", "CPU:0", torch.device("cpu", 0)):
        assert resolve_device(device) == torch.device("cpu")
    with pytest.raises(ValueError, match="Unknown device 'cpu:1'"):
        resolve_device("cpu:1")
    model = AutoencoderTransformer(device="cpu:0", max_epochs=1, random_state=0)
    assert model.fit(_data()).transform(_data()).shape[0] == len(_data())


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_request_without_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda:0")
    with pytest.raises(ValueError, match="CUDA is not available"):
        AutoencoderTransformer(device="cuda", max_epochs=1).fit(_data())


def test_seeded_restores_global_state():
    before = torch.get_rng_state().clone()
    with seeded(123):
        inside = torch.rand(3)
    assert torch.equal(before, torch.get_rng_state())
    with seeded(123):
        assert torch.equal(inside, torch.rand(3))


def _overlapping(first, second):
    """Run ``first(pause)`` and ``second(pause)`` in two threads so that their
    blocks overlap unless one waits for the other's to end: the first pauses
    until the second is inside its block (at most 0.3 s), the second until
    the first has left its own (at most 0.3 s). Returns both results."""
    import threading

    first_in, second_in, first_done = (threading.Event() for _ in range(3))
    results = {}

    def run_first():
        def pause():
            first_in.set()
            second_in.wait(0.3)

        results["first"] = first(pause)
        first_done.set()

    def run_second():
        assert first_in.wait(10)

        def pause():
            second_in.set()
            first_done.wait(0.3)

        results["second"] = second(pause)

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return results["first"], results["second"]


def _two_halves(block, seed):
    def draw(pause):
        with block(seed):
            a = torch.rand(2)
            pause()
            return torch.cat([a, torch.rand(2)])

    return draw


def test_seeded_blocks_of_two_threads_take_turns():
    with seeded(1):
        alone_1 = torch.rand(4)
    with seeded(2):
        alone_2 = torch.rand(4)
    before = torch.get_rng_state().clone()
    got_1, got_2 = _overlapping(_two_halves(seeded, 1), _two_halves(seeded, 2))
    assert torch.equal(got_1, alone_1) and torch.equal(got_2, alone_2)
    assert torch.equal(before, torch.get_rng_state())


def test_global_rng_kept_takes_turns_with_seeded_blocks():
    with seeded(1):
        alone = torch.rand(4)

    def kept(pause):
        with global_rng_kept():
            torch.rand(5)  # drawn, then undone
            pause()

    got, _ = _overlapping(_two_halves(seeded, 1), kept)
    assert torch.equal(got, alone)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
# (Python 3.12+ warns about forking a process that has threads: this test
# forks one on purpose)
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
def test_process_forked_inside_a_seeded_block_of_another_thread_can_seed():
    import os
    import threading

    holding, release = threading.Event(), threading.Event()

    def hold():
        with seeded(0):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    try:
        pid = os.fork()
        if pid == 0:  # the child: no thread left to release the lock
            import signal

            code = 1
            try:
                signal.alarm(10)  # a deadlock ends the child, with a status
                with seeded(1):
                    torch.rand(1)
                code = 0
            finally:
                os._exit(code)  # never back into pytest
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        thread.join()
    assert os.waitstatus_to_exitcode(status) == 0


def test_derive_seed_leaves_numpy_global_rng_alone():
    before = numpy_global_rng_state()
    assert derive_seed(7) == derive_seed(7)
    assert derive_seed(7) != derive_seed(8)
    assert before == numpy_global_rng_state()


def test_fit_is_bitwise_reproducible_and_leaves_rngs_alone():
    X = _data()
    torch_before = torch.get_rng_state().clone()
    numpy_before = numpy_global_rng_state()
    a = AutoencoderTransformer(code_size=2, max_epochs=5, random_state=3).fit(X)
    b = AutoencoderTransformer(code_size=2, max_epochs=5, random_state=3).fit(X)
    c = AutoencoderTransformer(code_size=2, max_epochs=5, random_state=4).fit(X)
    assert torch.equal(torch_before, torch.get_rng_state())
    assert numpy_before == numpy_global_rng_state()
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.transform(X), c.transform(X))


def test_non_finite_loss_stops_with_the_epoch_named():
    X = _data() * 1e25  # finite input, but its square overflows float32
    with pytest.raises(FloatingPointError, match="train loss became .* at epoch 1"):
        AutoencoderTransformer(max_epochs=3, random_state=0).fit(X)


def test_early_stopping_stops_and_restores_best():
    X = _data(n=200)
    ae = AutoencoderTransformer(
        code_size=2,
        max_epochs=500,
        early_stopping=True,
        n_iter_no_change=3,
        tol=0.05,
        random_state=0,
    ).fit(X)
    assert ae.n_iter_ < 500
    assert len(ae.validation_scores_) == ae.n_iter_
    assert ae.history_[-1, "valid_loss"] == ae.validation_scores_[-1]


class CountEpochs(Callback):
    """Counts the epochs it saw end."""

    def initialize(self):
        self.epochs = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1


class _Snapshots(Callback):
    """The module's weights at the end of every epoch."""

    def initialize(self):
        self.states_ = {}
        return self

    def on_epoch_end(self, net, **kwargs):
        self.states_[net.history[-1, "epoch"]] = {
            k: v.clone() for k, v in net.module_.state_dict().items()}


def test_early_stopping_restores_the_lowest_validation_loss_and_callbacks_see_it():
    # skorch restored the last epoch that beat the best by tol (tol=0.3:
    # epoch 10 of a loss falling to epoch 15); the callbacks after skdeep's
    # early stopping missed the epoch it stopped at
    import warnings

    from sklearn.datasets import make_regression
    from sklearn.exceptions import ConvergenceWarning

    from skdeep.uncertainty import MCDropoutRegressor

    X, y = make_regression(300, 5, noise=20.0, random_state=0)
    for max_epochs in (60, 15):
        est = MCDropoutRegressor(hidden_layer_sizes=(16,), max_epochs=max_epochs,
                                 lr=0.003, batch_size=32, early_stopping=True,
                                 n_iter_no_change=5, tol=0.3, random_state=0,
                                 callbacks=[_Snapshots()])
        with warnings.catch_warnings():
            # stopped at its last epoch (15): no "reached max_epochs" warning
            warnings.simplefilter("error", ConvergenceWarning)
            est.fit(X, y)
        scores = np.asarray(est.validation_scores_)
        assert est.n_iter_ == 15 and np.all(np.diff(scores) < 0)  # fell throughout
        snapshots = dict(est.net_.callbacks_)["user_0"].states_
        assert sorted(snapshots) == list(range(1, est.n_iter_ + 1))  # every epoch
        best = snapshots[int(scores.argmin()) + 1]
        final = est.module_.state_dict()
        assert all(torch.equal(best[k], final[k]) for k in final)
        assert not pickle.loads(pickle.dumps(dict(est.net_.callbacks_)[
            "early_stopping"])).__dict__.get("lowest_weights_")


def test_a_user_callback_ending_training_keeps_the_best_of_all_epochs():
    # A callback run before skdeep's early stopping ended training at epoch 3
    # (a time budget raising KeyboardInterrupt): that epoch's validation
    # loss, the lowest, was never seen, and epoch 2's weights came back.
    from sklearn.datasets import make_regression

    from skdeep.uncertainty import MCDropoutRegressor

    class StopAtThree(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 3:
                raise KeyboardInterrupt

    X, y = make_regression(200, 4, noise=1.0, random_state=0)
    params = dict(hidden_layer_sizes=(16,), dropout=0.0, lr=0.01,
                  early_stopping=True, random_state=0)
    est = MCDropoutRegressor(max_epochs=10, callbacks=[_Snapshots(), StopAtThree()],
                             **params).fit(X, y)
    scores = np.asarray(est.validation_scores_)
    assert len(scores) == 3 and scores.argmin() == 2
    best = dict(est.net_.callbacks_)["user_0"].states_[3]
    final = est.module_.state_dict()
    assert all(torch.equal(best[k], final[k]) for k in final)


def test_callback_names_and_schedules_that_clash_are_refused():
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from skorch.callbacks import EarlyStopping, LRScheduler
    from torch.optim.lr_scheduler import StepLR

    from skdeep.cnn import CNNClassifier

    X = _data()
    with pytest.raises(ValueError, match="the callback name 'early_stopping' is "
                                         "taken by skdeep's own early stopping"):
        AutoencoderTransformer(max_epochs=2, early_stopping=True, callbacks=[
            ("early_stopping", EarlyStopping())]).fit(X)
    # skorch's bare KeyError: 'valid_loss'
    with pytest.raises(ValueError, match="'user_0' monitors 'valid_loss', but "
                                         "this fit holds out no validation"):
        AutoencoderTransformer(max_epochs=2, callbacks=[EarlyStopping()]).fit(X)
    AutoencoderTransformer(max_epochs=2, callbacks=[
        EarlyStopping(monitor="train_loss")]).fit(X)
    # entries skorch cannot read: its own errors said nothing of callbacks
    for bad in ([1], ["x"], [None], [(1, Callback())], [("a", Callback(), 3)],
                [("a", 1)]):
        with pytest.raises(ValueError, match="callbacks must be a list of skorch "
                                             "callbacks or \\(name, callback\\)"):
            AutoencoderTransformer(max_epochs=1, callbacks=bad).fit(X)
    with pytest.raises(ValueError, match="'print_log' is taken by one of skorch's"):
        AutoencoderTransformer(max_epochs=1,
                               callbacks=[("print_log", Callback())]).fit(X)
    AutoencoderTransformer(max_epochs=1, callbacks=[Callback, ("a", Callback)]).fit(X)
    # partial_fit holds out no split, whatever early_stopping says; continuing
    # after a fit it failed after an epoch with skorch's bare KeyError
    with pytest.raises(ValueError, match="this call holds out no validation split. "
                                         "To use it, partial_fit never holds out"):
        AutoencoderTransformer(early_stopping=True, callbacks=[EarlyStopping()]
                               ).partial_fit(X)
    fitted = AutoencoderTransformer(max_epochs=2, early_stopping=True,
                                    n_iter_no_change=2, callbacks=[EarlyStopping()])
    with warnings.catch_warnings():  # ("reached max_epochs before early stopping")
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(X)
    weights = {k: v.clone() for k, v in fitted.module_.state_dict().items()}
    with pytest.raises(ValueError, match="'user_0' monitors 'valid_loss', but "
                                         "this call holds out no validation"):
        fitted.partial_fit(X)
    assert all(torch.equal(v, fitted.module_.state_dict()[k])
               for k, v in weights.items()) and len(fitted.history_) == 2
    # a named user_0 and an unnamed one: skorch's "duplicate user-set name"
    ae = AutoencoderTransformer(max_epochs=1, callbacks=[("user_0", Callback()),
                                                         Callback()]).fit(X)
    assert {"user_0", "user_1"} <= set(dict(ae.net_.callbacks_))
    # the built-in cosine schedule compounded with the user's, silently
    images = np.random.RandomState(0).rand(12, 1, 8, 8)
    labels = np.repeat([0, 1], 6)
    scheduler = LRScheduler(policy=StepLR, step_size=1)
    with pytest.raises(ValueError, match="schedules the learning rate itself.*"
                                         "lr_schedule='constant'"):
        CNNClassifier(max_epochs=1, callbacks=[scheduler]).fit(images, labels)
    CNNClassifier(max_epochs=1, lr_schedule="constant",
                  callbacks=[scheduler]).fit(images, labels)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_rbf_classifier_holds_out_a_stratified_split():
    # the end-to-end RBF classifier's early-stopping split was not stratified
    from skorch.dataset import Dataset

    from skdeep.rbf import RBFNetworkClassifier

    rng = np.random.RandomState(0)
    X, y = rng.randn(100, 3), np.r_[np.zeros(90, int), np.ones(10, int)]
    clf = RBFNetworkClassifier(n_centers=5, training="end_to_end", max_epochs=1,
                               early_stopping=True, validation_fraction=0.1,
                               random_state=0).fit(X, y)
    split = clf.net_.train_split
    dataset = Dataset(torch.as_tensor(X), torch.as_tensor(y))
    for seed in range(4):  # (unstratified: [8, 2], [9, 1], [10, 0], [7, 3])
        split.random_state = seed
        valid = split(dataset, y=torch.as_tensor(y))[1]
        assert np.bincount(y[valid.indices]).tolist() == [9, 1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_partial_fit_continues_the_user_callbacks_of_every_fit():
    # after a fit with early stopping (whose callbacks partial_fit drops)
    # the user's callbacks were set up anew: their counts started over
    X = _data()
    for early_stopping in (False, True):
        ae = AutoencoderTransformer(max_epochs=3, callbacks=[CountEpochs()],
                                    early_stopping=early_stopping, n_iter_no_change=5,
                                    random_state=0).fit(X)
        ae.partial_fit(X)
        callbacks = dict(ae.net_.callbacks_)
        assert callbacks["user_0"].epochs == ae.n_iter_ == 4
        assert "early_stopping" not in callbacks


def test_user_callbacks_are_passed_through_and_not_mutated():
    counter = CountEpochs()
    ae = AutoencoderTransformer(max_epochs=4, callbacks=[counter], random_state=0)
    ae.fit(_data())
    used = dict(ae.net_.callbacks_)["user_0"]
    assert used.epochs == 4
    assert ae.callbacks[0] is counter and not hasattr(counter, "epochs")


def test_batch_and_gradient_hooks_reach_the_callbacks_that_define_them():
    # The net skips batch hooks no callback defines and steps its optimizer
    # directly; a callback on gradients sends every step through skorch's
    # closure. Both roads give the same weights, and every hook still fires.
    class Hooks(Callback):
        def initialize(self):
            self.calls = {"begin": 0, "end": 0, "grad": 0}
            return self

        def on_batch_begin(self, net, training=False, **kwargs):
            self.calls["begin"] += training

        def on_batch_end(self, net, training=False, **kwargs):
            self.calls["end"] += training

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.calls["grad"] += 1

    X = _data(n=100)
    fits = {}
    for name, callbacks in (("direct", None), ("closure", [Hooks()])):
        ae = AutoencoderTransformer(max_epochs=3, batch_size=32, callbacks=callbacks,
                                    random_state=0).fit(X)
        fits[name] = ae
    assert fits["direct"].net_._direct_step and not fits["closure"].net_._direct_step
    assert fits["direct"].net_._tensor_device == torch.device("cpu")
    np.testing.assert_array_equal(fits["direct"].transform(X),
                                  fits["closure"].transform(X))
    calls = dict(fits["closure"].net_.callbacks_)["user_0"].calls
    assert calls == {"begin": 12, "end": 12, "grad": 12}  # 3 epochs of 4 batches
    history = fits["direct"].net_.history
    # the newest epoch keeps its per-batch records (see the test below)
    assert [len(row["batches"]) for row in history] == [0, 0, 4]
    assert history[-1, "train_loss"] == pytest.approx(
        np.average(history[-1, "batches", :, "train_loss"],
                   weights=history[-1, "batches", :, "train_batch_size"]))


def test_history_keeps_per_batch_records_of_the_newest_epoch_only():
    # skorch records every batch (about 200 bytes each): kept for every epoch,
    # they made a long fit's pickle grow with epochs x batches
    X = _data(n=400)
    ae = AutoencoderTransformer(max_epochs=6, batch_size=20, random_state=0).fit(X)
    assert [len(row["batches"]) for row in ae.history_] == [0] * 5 + [20]
    # the epochs' own entries were computed from the batches before they went
    assert ae.loss_curve_ == [row["train_loss"] for row in ae.history_]
    assert all(row["dur"] > 0 and row["train_batch_count"] == 20
               for row in ae.history_)
    assert ae.history_[-1, "train_loss"] == pytest.approx(
        np.mean(ae.history_[-1, "batches", :, "train_loss"]))
    longer = clone(ae).set_params(max_epochs=60).fit(X)
    assert sum(len(row["batches"]) for row in longer.history_) == 20  # not 1,200
    # so a pickle grows by an epoch's entries per epoch (was 20 batches' more)
    per_epoch = (len(pickle.dumps(longer.history_))
                 - len(pickle.dumps(ae.history_))) / 54
    assert per_epoch < 150
    for _ in range(3):  # one epoch per call, the same
        ae.partial_fit(X)
    assert [len(row["batches"]) for row in ae.history_] == [0] * 8 + [20]


def test_verbose_prints_epoch_table(capsys):
    AutoencoderTransformer(max_epochs=2, verbose=1, random_state=0).fit(_data())
    out = capsys.readouterr()
    assert "train_loss" in out.out and "epoch" in out.out


def test_silent_by_default(capsys):
    AutoencoderTransformer(max_epochs=2, random_state=0).fit(_data())
    assert capsys.readouterr().out == ""


def test_partial_fit_follows_the_current_verbose(capsys):
    # a continuing partial_fit kept the epoch table and progress bar of the
    # first call's verbose, whatever set_params said since
    loud = AutoencoderTransformer(max_epochs=2, verbose=1, random_state=0).fit(_data())
    capsys.readouterr()
    loud.set_params(verbose=0).partial_fit(_data())
    assert capsys.readouterr() == ("", "")
    quiet = AutoencoderTransformer(max_epochs=2, random_state=0).fit(_data())
    quiet.set_params(verbose=1).partial_fit(_data())
    out = capsys.readouterr()
    assert "train_loss" in out.out and "3" in out.out
    assert "it/s" in out.err  # the progress bar


def test_partial_fit_follows_the_current_gradient_clipping(tmp_path):
    # a continuing partial_fit kept the clipping of the first call: set with
    # set_params since, it was neither applied nor refused (a model saved
    # and loaded got it, so the two continued differently)
    from skdeep import io
    from skdeep.recurrent import RNNRegressor

    rng = np.random.RandomState(0)
    X = rng.rand(16, 1, 6).astype(np.float32)
    y = X.sum(axis=(1, 2)) * 100

    def first_call(clip):
        return RNNRegressor(max_epochs=1, hidden_size=4, batch_size=16,
                            optimizer="sgd", lr=0.1, gradient_clipping=clip,
                            random_state=0).partial_fit(X, y)

    def moved(model, before):
        return max(float((model.module_.state_dict()[k] - v).abs().max())
                   for k, v in before.items())

    def weights(model):
        return {k: v.clone() for k, v in model.module_.state_dict().items()}

    model = first_call(None)
    before = weights(model)
    model.set_params(gradient_clipping=1e-6).partial_fit(X, y)
    assert moved(model, before) < 1e-5  # clipped (was 0.06)
    loaded = first_call(None).set_params(gradient_clipping=1e-6)
    io.save(loaded, tmp_path / "m.skdeep")
    loaded = io.load(tmp_path / "m.skdeep").partial_fit(X, y)
    for k, v in loaded.module_.state_dict().items():
        torch.testing.assert_close(v, model.module_.state_dict()[k], rtol=0, atol=0)
    clipped = first_call(1e-6)
    before = weights(clipped)
    clipped.set_params(gradient_clipping=None).partial_fit(X, y)
    assert moved(clipped, before) > 1e-3  # no longer clipped
    assert "gradient_clipping" not in dict(clipped.net_.callbacks_)


def test_partial_fit_follows_the_current_callbacks():
    # callbacks set with set_params after the first partial_fit never ran;
    # unchanged ones keep their state across calls
    class Count(Callback):
        def initialize(self):
            self.n = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.n += 1

    X = _data()
    model = AutoencoderTransformer(max_epochs=1, random_state=0).partial_fit(X)
    model.set_params(callbacks=[("count", Count())])
    model.partial_fit(X).partial_fit(X)
    assert dict(model.net_.callbacks_)["count"].n == 2
    model.set_params(callbacks=None).partial_fit(X)
    assert "count" not in dict(model.net_.callbacks_)
    assert "count" not in dict(c for c in model.net_.callbacks if isinstance(c, tuple))


def test_a_constant_target_is_fitted_on_the_scale_of_its_magnitude():
    # a constant target column got scale 1 in y's units: the network's
    # leftover output came back as an absolute error (a target constant at
    # 1e-12 was predicted as +-0.01, 1e10 times off and of either sign)
    from skdeep.neuroevolution import NEATRegressor
    from skdeep.recurrent import RNNRegressor

    X = np.random.RandomState(0).randn(20, 8)
    for make in (lambda: RNNRegressor(max_epochs=3, random_state=0),
                 lambda: NEATRegressor(pop_size=20, n_generations=2, random_state=0)):
        leftover = make().fit(X, np.ones(20)).predict(X) - 1.0
        # below 1, the same leftover relative to the level; above, the same
        # in y's units (a scale growing with the level made it grow too)
        small = make().fit(X, np.full(20, 1e-12)).predict(X)
        np.testing.assert_allclose((small - 1e-12) / 1e-12, leftover,
                                   rtol=1e-4, atol=1e-9)
        big = make().fit(X, np.full(20, -5e6)).predict(X)
        np.testing.assert_allclose(big + 5e6, leftover, rtol=1e-3, atol=1e-6)
    Y = np.c_[np.arange(20.0), np.full(20, 1e-10)]  # one constant output
    second = RNNRegressor(max_epochs=3, random_state=0).fit(X, Y).predict(X)[:, 1]
    np.testing.assert_allclose(second, 1e-10, rtol=0.5)


def test_batched_inference_rows_independent_of_batch():
    X = _data(n=300)
    ae = AutoencoderTransformer(max_epochs=2, batch_size=32, random_state=0).fit(X)
    full = ae.transform(X)
    one_by_one = np.vstack([ae.transform(X[i : i + 1]) for i in range(0, 300, 37)])
    np.testing.assert_array_equal(full[::37], one_by_one)


@pytest.mark.parametrize("make", ["autoencoder", "rbf"])
def test_a_batch_size_far_above_the_data_does_not_set_the_inference_cost(
    make, monkeypatch
):
    # every inference call is padded to its rows: batch_size=10**7 on 40
    # rows computed 10**7 rows per predict (gigabytes, seconds; the outlier
    # detector's fit scores its rows so); the rows per call are capped
    from skdeep.rbf import RBFNetworkRegressor
    from skdeep.utils import _torch

    X = _data(n=40)
    big = 10**7
    if make == "autoencoder":
        model = AutoencoderTransformer(max_epochs=1, batch_size=big, random_state=0)
        model.fit(X)
        predict = model.transform
    else:
        model = RBFNetworkRegressor(n_centers=4, max_epochs=1, batch_size=big,
                                    random_state=0).fit(X, X[:, 0])
        predict = model.predict
    seen = []
    padded = _torch.batched_numpy

    def recording(fn, X, *, batch_size, **kwargs):
        seen.append(batch_size)
        return padded(fn, X, batch_size=batch_size, **kwargs)

    monkeypatch.setattr(_torch, "batched_numpy", recording)
    for module in ("skdeep.utils._training", "skdeep.rbf._rbf"):
        monkeypatch.setattr(f"{module}.batched_numpy", recording)
    full = predict(X)
    assert seen == [_torch.MAX_INFERENCE_ROWS]
    np.testing.assert_array_equal(predict(X[:1]), full[:1])


def test_batched_numpy_pads_and_trims():
    calls = []

    def fn(batch):
        calls.append(len(batch))
        return batch * 2

    X = np.arange(10, dtype=np.float64).reshape(5, 2)
    out = batched_numpy(fn, X, batch_size=4, device="cpu")
    assert calls == [4, 4]
    np.testing.assert_array_equal(out, X * 2)
    assert out.dtype == np.float64


@pytest.mark.parametrize("make", ["autoencoder", "mc_dropout", "rnn"])
def test_net_on_a_gpu_pickles_as_cpu_weights(make):
    # A GPU-fitted net is pickled as a CPU state_dict and rebuilt on load, so
    # a machine without a GPU can load it. Exercised here by marking a CPU net
    # as a GPU one: the rebuilt estimator must predict bit-identically.
    import pickle

    from skdeep.recurrent import RNNClassifier
    from skdeep.uncertainty import MCDropoutRegressor

    X = _data()
    if make == "autoencoder":
        est, method = AutoencoderTransformer(max_epochs=2, random_state=0), "transform"
        data = (X,)
    elif make == "mc_dropout":
        est = MCDropoutRegressor((8,), max_epochs=2, n_mc_samples=5, random_state=0)
        method, data = "predict", (X, X[:, 0])
    else:
        est = RNNClassifier(hidden_size=4, max_epochs=2, random_state=0)
        method, data = "predict_proba", (X, (X[:, 0] > 0).astype(int))
    est.fit(*data)
    expected = getattr(est, method)(X)
    est.net_.device = "cuda"  # what pickling sees for a GPU-fitted net
    state = est.__getstate__()
    assert state["net_"] is None and "_gpu_net_weights" in state
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.net_.device == "cpu"
    assert len(loaded.history_) == len(est.history_)
    np.testing.assert_array_equal(getattr(loaded, method)(X), expected)
    # the optimizer's state travels too: training continues as it would have
    est.net_.device = "cpu"
    est.partial_fit(*data)
    loaded.partial_fit(*data)
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(est, method)(X))


def test_partial_fit_refuses_a_network_of_other_shapes():
    """partial_fit continues the earlier calls' network, or says why not: a
    new target shape, or set_params of a parameter that shapes the network
    (the weight shapes are compared; the message named the data only)."""
    from skdeep.uncertainty import MCDropoutRegressor

    X = np.random.RandomState(0).normal(size=(30, 3))
    est = MCDropoutRegressor((4,), max_epochs=2, random_state=0).fit(X, X[:, 0])
    est.partial_fit(X, X[:, 0])  # the same shapes: one more epoch
    with pytest.raises(ValueError, match="2 output.*first call of partial_fit had 1"):
        est.partial_fit(X, X[:, :2])
    with pytest.raises(ValueError, match="other weight shapes.*changed with set_params"):
        est.set_params(hidden_layer_sizes=(5,)).partial_fit(X, X[:, 0])

    def shapes():
        return {tuple(w.shape) for w in est.net_.module_.state_dict().values()}

    assert (5, 3) not in shapes()
    est.fit(X, X[:, 0])  # fit starts anew, with 5 hidden units
    assert (5, 3) in shapes()
    est.partial_fit(X, X[:, 0])


def test_batch_norm_trains_on_a_one_row_batch():
    # A last batch of one row (n_samples % batch_size == 1) used to stop
    # training with torch's "Expected more than 1 value per channel".
    from skdeep.utils._torch import BatchNorm1d, BatchNorm2d

    torch.manual_seed(0)
    norm = BatchNorm1d(3)
    reference = torch.nn.BatchNorm1d(3)
    reference.load_state_dict(norm.state_dict())
    batch = torch.randn(8, 3)
    torch.testing.assert_close(norm.train()(batch), reference.train()(batch))
    torch.testing.assert_close(norm.running_mean, reference.running_mean)
    stats = (norm.running_mean.clone(), norm.running_var.clone())
    row = torch.randn(1, 3, requires_grad=True)
    out = norm.train()(row)
    torch.testing.assert_close(out, norm.eval()(row))  # the running statistics
    torch.testing.assert_close((norm.running_mean, norm.running_var), stats)
    out.sum().backward()
    assert norm.weight.grad is not None and row.grad is not None
    image = torch.randn(1, 2, 1, 1)
    assert BatchNorm2d(2).train()(image).shape == image.shape


def test_default_outlier_detector_fits_when_the_last_batch_is_one_row():
    from skdeep.autoencoder import AutoencoderOutlierDetector

    X = np.random.RandomState(0).randn(65, 5)  # batch_size=64: batches 64 + 1
    detector = AutoencoderOutlierDetector(max_epochs=2, random_state=0).fit(X)
    assert detector.batch_norm and detector.batch_size == 64
    assert np.isfinite(detector.score_samples(X)).all()


def test_cpu_copy_keeps_values_modes_and_shares_nothing():
    # The copy CPUPicklingMixin pickles for a module on a GPU (run here on a
    # CPU module: the copy is the same). torchvision's feature extractors
    # (the pretrained extractor's truncated networks) come out of deepcopy
    # in training mode.
    from torch import nn

    from skdeep.utils._training import _cpu_copy

    torchvision = pytest.importorskip("skdeep.cnn._pretrained")._import_torchvision()
    from torchvision.models.feature_extraction import create_feature_extractor

    torch.manual_seed(0)
    net = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), nn.Linear(4, 2))
    net[0][1].running_mean.normal_()
    net[1].weight.requires_grad_(False)
    traced = create_feature_extractor(
        net, return_nodes={"1": "out"}, suppress_diff_warning=True
    ).eval()
    copied = _cpu_copy(traced)
    assert [m.training for m in copied.modules()] == [False] * len(list(copied.modules()))
    x = torch.randn(5, 3)
    with torch.no_grad():
        assert torch.equal(copied(x)["out"], traced(x)["out"])
    pairs = list(zip(traced.state_dict().values(), copied.state_dict().values()))
    assert len(pairs) == len(traced.state_dict())
    assert all(torch.equal(a, b) and a.data_ptr() != b.data_ptr() for a, b in pairs)
    assert [p.requires_grad for p in copied.parameters()] == [True, True, True, True, False,
                                                             True]


def test_rows_of_weight_zero_are_removed_from_training():
    # they only had their loss scaled by zero: they still went through
    # batch normalization (whose statistics are kept for prediction) and
    # into the batches (40 noisy rows took a CNN from 0.85 to 0.6 accuracy)
    from skdeep.cnn import CNNClassifier
    from skdeep.uncertainty import MCDropoutRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 1, 16))
    y = (X[:, 0, :4].mean(1) > 0).astype(int)
    junk = rng.normal(size=(40, 1, 16)) * 50 + 20
    weights = np.r_[np.ones(40), np.zeros(40)]
    cnn = dict(conv_channels=(4,), max_epochs=3, batch_size=16, random_state=0)
    kept = CNNClassifier(**cnn).fit(X, y)
    weighted = CNNClassifier(**cnn).fit(np.vstack([X, junk]), np.r_[y, 1 - y],
                                        sample_weight=weights)
    np.testing.assert_array_equal(weighted.predict_proba(X), kept.predict_proba(X))
    flat, target = X[:, 0], X[:, 0, 0]
    mc = dict(hidden_layer_sizes=(8,), max_epochs=3, batch_size=16, random_state=0)
    kept = MCDropoutRegressor(**mc).fit(flat, target)
    weighted = MCDropoutRegressor(**mc).fit(
        np.vstack([flat, junk[:, 0]]), np.r_[target, -target], sample_weight=weights)
    np.testing.assert_allclose(weighted.predict(flat), kept.predict(flat), rtol=1e-5)


@pytest.mark.parametrize("family", ["autoencoder", "mc_dropout", "cnn"])
def test_partial_fit_keeps_the_first_calls_feature_names(family):
    # later calls validated as fit does (reset=True): a DataFrame of reordered
    # columns trained silently, its names replaced the first call's
    import warnings

    import pandas as pd

    from skdeep.cnn import CNNClassifier
    from skdeep.uncertainty import MCDropoutRegressor

    frame = pd.DataFrame(_data(n=40, d=4), columns=list("abcd"))
    target = {"autoencoder": (), "mc_dropout": (frame["a"].to_numpy(),),
              "cnn": (np.arange(40) % 2,)}[family]
    est = {"autoencoder": lambda: AutoencoderTransformer(max_epochs=1),
           "mc_dropout": lambda: MCDropoutRegressor((4,), max_epochs=1),
           "cnn": lambda: CNNClassifier(conv_channels=(2,), max_epochs=1)}[family]()
    extra = {"classes": [0, 1]} if family == "cnn" else {}
    est.set_params(random_state=0).partial_fit(frame, *target, **extra)
    with pytest.raises(ValueError, match="feature names should match"):
        est.partial_fit(frame[["d", "c", "b", "a"]], *target)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.partial_fit(frame.to_numpy(), *target)
    assert list(est.feature_names_in_) == list("abcd")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.partial_fit(frame, *target)
    assert len(est.history_) == 3


def test_partial_fit_after_set_params_applies_or_refuses():
    # batch_size, activation and noise changed since were ignored silently
    X = _data(n=64, d=4)
    ae = AutoencoderTransformer((4,), code_size=2, max_epochs=1, batch_size=64,
                                random_state=0).fit(X)
    ae.set_params(batch_size=8).partial_fit(X)  # as scikit-learn's MLP: applies
    assert len(ae.history_[-1]["batches"]) == 8
    for change in ({"activation": "tanh"}, {"noise": "gaussian"}):
        with pytest.raises(ValueError, match="sets its layers.*Call fit"):
            clone(ae).set_params(**change).fit(X).set_params(
                **ae.get_params()).partial_fit(X)
        with pytest.raises(ValueError, match="sets its layers.*Call fit"):
            ae.set_params(**change).partial_fit(X)
        ae.set_params(activation="relu", noise=None)
    ae.partial_fit(X)  # back to the network's own parameters: continues
    assert len(ae.history_) == 3


def test_output_names_follow_the_fitted_network():
    # _n_features_out read code_size / embedding_size as set now: names
    # before fit, and after set_params a width that transform does not have
    # (pandas output then failed)
    from sklearn.exceptions import NotFittedError

    from skdeep.autoencoder import ConvAutoencoderTransformer, VariationalAutoencoder
    from skdeep.siamese import SiameseTransformer

    X = _data(n=40, d=8)
    y = np.arange(40) % 2
    for est, data, name in [
        (AutoencoderTransformer(code_size=2), X, "code_size"),
        (ConvAutoencoderTransformer(code_size=2), X.reshape(40, 1, 8), "code_size"),
        (VariationalAutoencoder(code_size=2), X, "code_size"),
        (SiameseTransformer(embedding_size=3), X, "embedding_size"),
    ]:
        with pytest.raises(NotFittedError):
            est.get_feature_names_out()
        est.set_params(max_epochs=1, random_state=0).fit(data, y)
        width = est.transform(data).shape[1]
        est.set_params(**{name: 7}).set_output(transform="pandas")
        assert len(est.get_feature_names_out()) == width
        assert est.transform(data).shape == (40, width)
    assert est.set_output(transform="default") is est
    vae = VariationalAutoencoder(code_size=2, max_epochs=1).fit(X)
    vae.set_params(code_size=5)
    assert vae.sample(3).shape == (3, 8)


def test_optimizer_classes_without_weight_decay():
    # any torch optimizer class is documented; Rprop and LBFGS take no
    # weight_decay and failed at the default weight_decay=0 ("unexpected
    # keyword argument")
    from skdeep.uncertainty import MCDropoutRegressor

    X = _data(n=40)
    ae = AutoencoderTransformer(optimizer=torch.optim.Rprop, max_epochs=2,
                                random_state=0).fit(X)
    assert isinstance(ae.net_.optimizer_, torch.optim.Rprop)
    assert np.isfinite(ae.transform(X)).all()
    # MC dropout's bias group (weight decay 0) goes with it
    mc = MCDropoutRegressor(optimizer=torch.optim.Rprop, weight_decay=0.0,
                            max_epochs=2, random_state=0).fit(X, X[:, 0])
    assert np.isfinite(mc.predict(X)).all()
    with pytest.raises(ValueError, match="'Rprop' takes no weight_decay, but the "
                                         "fit asks for a decay of 0.1"):
        AutoencoderTransformer(optimizer=torch.optim.Rprop, weight_decay=0.1,
                               max_epochs=1).fit(X)


def test_a_validation_split_of_an_autoencoder_keeps_one_copy_of_its_rows():
    # y is X: the training subset's rows were copied twice (X and y gathered
    # apart, +369 MB over 179 MB of data), and every batch gathered twice
    from skorch.dataset import Dataset

    from skdeep.utils._training import _dataset_tensors

    X = torch.randn(50, 4)
    subset = torch.utils.data.Subset(Dataset(X, X), list(range(0, 50, 3)))
    rows, target = _dataset_tensors(subset)
    assert target is rows
    torch.testing.assert_close(rows, X[::3])
    y = torch.arange(50)
    rows, target = _dataset_tensors(torch.utils.data.Subset(Dataset(X, y), [4, 1]))
    torch.testing.assert_close(target, y[[4, 1]])


def test_a_dropped_model_is_freed_at_once_and_keeps_no_gradients():
    # The net listed itself among its batch listeners: a reference cycle that
    # kept every dropped network (weights, gradients, Adam state) alive until
    # a full garbage collection, GPU memory included; and the last step's
    # gradients stayed on the fitted weights, a copy of them kept for nothing.
    import gc
    import weakref

    X = _data()
    AutoencoderTransformer(max_epochs=1, random_state=0).fit(X)  # first-call imports
    for make in (
        lambda: AutoencoderTransformer(max_epochs=2, random_state=0).fit(X),
        lambda: AutoencoderTransformer(random_state=0).partial_fit(X).partial_fit(X),
    ):
        ae = make()
        assert all(p.grad is None for p in ae.module_.parameters())
        gc.collect()
        gc.disable()
        try:
            net = weakref.ref(ae.net_)
            del ae
            assert net() is None
        finally:
            gc.enable()


def test_the_forecaster_keeps_no_gradients():
    pytest.importorskip("sktime")
    import pandas as pd

    from skdeep.recurrent import LSTMForecaster

    for stateful in (False, True):
        forecaster = LSTMForecaster(window_length=4, hidden_size=4, max_epochs=2,
                                    stateful=stateful, random_state=0)
        forecaster.fit(pd.Series(np.sin(np.arange(30) / 3.0)), fh=[1])
        assert all(p.grad is None for p in forecaster.module_.parameters())


def test_fits_inside_the_callers_inference_mode():
    # fits failed in autograd there ("element 0 of tensors does not require
    # grad"), and a fitted network's refused partial_fit put its optimizer
    # state back as inference tensors: every later partial_fit failed
    pytest.importorskip("sktime")
    import pandas as pd

    from skdeep.recurrent import LSTMForecaster
    from skdeep.uncertainty import MCDropoutRegressor

    rng = np.random.RandomState(0)
    X = rng.randn(40, 4).astype(np.float32)
    y = 2 * X[:, 0]
    params = dict(hidden_layer_sizes=(8,), max_epochs=2, random_state=0)
    expected = MCDropoutRegressor(**params).fit(X, y)
    with torch.inference_mode():
        est = MCDropoutRegressor(**params).fit(X, y)
        with pytest.raises(ValueError, match="features"):
            est.partial_fit(X[:, :3], y)
        assert torch.is_inference_mode_enabled()
    np.testing.assert_array_equal(est.predict(X), expected.predict(X))
    est.partial_fit(X, y)  # (refused every later step)
    expected.partial_fit(X, y)
    np.testing.assert_array_equal(est.predict(X), expected.predict(X))
    series = pd.Series(np.sin(np.arange(40) / 3.0))
    forecaster = LSTMForecaster(window_length=4, hidden_size=4, max_epochs=2,
                                random_state=0)
    expected = forecaster.clone().fit(series).predict([1, 2])
    with torch.inference_mode():
        pd.testing.assert_series_equal(forecaster.fit(series).predict([1, 2]),
                                       expected)


def test_float32_default_dtype_blocks_in_threads_restore_the_default_last():
    # (each block restored the caller's default on its way out: a block that
    # ended while another thread's was running put float64 back under it)
    import threading

    from skdeep.utils._sklearn import float32_default_dtype

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    inside, leave, seen = threading.Event(), threading.Event(), []

    def first():
        with float32_default_dtype():
            inside.set()
            leave.wait(10)

    try:
        thread = threading.Thread(target=first)
        thread.start()
        inside.wait(10)
        with float32_default_dtype():
            leave.set()
            thread.join(10)  # the first block ends while this one runs
            seen.append(torch.get_default_dtype())
        seen.append(torch.get_default_dtype())
    finally:
        torch.set_default_dtype(previous)
    assert seen == [torch.float32, torch.float64]


def test_zero_weight_rows_count_for_nothing_in_the_set_up():
    # rows weighing 0 are dropped from training, but max_epochs="auto"
    # counted them (400 steps instead of the documented 2000 here), a class
    # of zero-weight rows passed class_weight="balanced"'s first-chunk check
    # (its weight stayed 0 for good), and CapsNet's reconstruction_output=
    # "auto" read their range
    from skdeep.capsule import CapsNetClassifier
    from skdeep.uncertainty import MCDropoutClassifier, MCDropoutRegressor

    rng = np.random.RandomState(0)
    X = rng.randn(1000, 2)
    w = np.zeros(1000)
    w[:100] = 1.0
    params = dict(hidden_layer_sizes=(4,), max_epochs="auto", batch_size=10,
                  random_state=0)
    weighted = MCDropoutRegressor(**params).fit(X, X[:, 0], sample_weight=w)
    alone = MCDropoutRegressor(**params).fit(X[:100], X[:100, 0])
    assert weighted.max_epochs_ == alone.max_epochs_ == 200

    X, y = rng.randn(12, 3), np.repeat([0, 1, 2], 4)
    w = np.ones(12)
    w[8:] = 0.0
    clf = MCDropoutClassifier(hidden_layer_sizes=(8,), class_weight="balanced",
                              random_state=0)
    with pytest.raises(ValueError, match=r"no sample \(of non-zero weight\) of "
                                         r"class\(es\) \[2\]"):
        clf.partial_fit(X, y, classes=[0, 1, 2], sample_weight=w)

    images, labels = rng.rand(10, 1, 17, 17), np.array([0, 1] * 5)
    images[0, 0, 0, 0] = 5.0
    w = np.ones(10)
    w[0] = 0.0
    caps = CapsNetClassifier(max_epochs=1, batch_size=16, conv_channels=(4,),
                             random_state=0).fit(images, labels, sample_weight=w)
    assert caps.reconstruction_output_ == "sigmoid"


@pytest.mark.parametrize("class_weight, match", [
    ({0: -1.0}, "must be finite and non-negative"),
    ({0: np.nan}, "must be finite and non-negative"),
    ({0: 0.0, 1: 0.0}, "weighs every class 0"),
])
def test_class_weight_values_are_checked(class_weight, match):
    # a negative weight trained the classifier away from its class, all zero
    # trained nothing, and NaN ended in advice to lower lr
    from skdeep.uncertainty import MCDropoutClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    with pytest.raises(ValueError, match=match):
        MCDropoutClassifier(max_epochs=2, class_weight=class_weight).fit(
            X, (X[:, 0] > 0).astype(int))


@pytest.mark.filterwarnings("ignore:.*reached max_epochs")
def test_epoch_losses_are_weighted_means_whatever_the_batch_size():
    # skorch weighs each batch's loss by its row count in the epoch's mean,
    # but a weighted batch loss is a mean over the batch's total weight (or
    # valid steps): the same unchanged network scored 1.36 or 1.15 with
    # batches of 60 or 4 rows
    from skdeep.recurrent import RNNClassifier
    from skdeep.uncertainty import MCDropoutClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = (X[:, 0] > 0).astype(int)
    w = np.where(np.arange(60) % 2 == 0, 10.0, 0.1)
    params = dict(hidden_layer_sizes=(8,), dropout=0.0, lr=1e-12, max_epochs=1,
                  early_stopping=True, validation_fraction=0.5,
                  class_weight={0: 1.0, 1: 3.0}, random_state=0)
    scores = [MCDropoutClassifier(batch_size=size, **params).fit(
        X, y, sample_weight=w) for size in (60, 4)]
    np.testing.assert_allclose(scores[0].validation_scores_,
                               scores[1].validation_scores_, rtol=1e-5)
    np.testing.assert_allclose(scores[0].loss_curve_, scores[1].loss_curve_,
                               rtol=1e-5)
    # padding steps of series of two lengths, no weights
    X = rng.randn(40, 1, 12)
    X[::2, :, 2:] = np.nan
    y = (rng.rand(40, 12) > 0.5).astype(int)
    scores = [RNNClassifier(return_sequences=True, lr=1e-12, max_epochs=1,
                            batch_size=size, early_stopping=True,
                            validation_fraction=0.5, random_state=0).fit(X, y)
              for size in (40, 2)]
    np.testing.assert_allclose(scores[0].validation_scores_,
                               scores[1].validation_scores_, rtol=1e-5)
