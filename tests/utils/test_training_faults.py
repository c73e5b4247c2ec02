"""Training faults: non-finite losses, KeyboardInterrupt and out-of-memory errors."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from skdeep.autoencoder import AutoencoderTransformer
from skdeep.uncertainty import MCDropoutClassifier
from skdeep.utils._training import (
    StopOnNonFiniteLoss,
    is_out_of_memory,
    raise_if_non_finite,
)


def _data(n=60, seed=0):
    return np.random.RandomState(seed).randn(n, 4).astype(np.float32)


# -- non-finite losses ---------------------------------------------------------


def test_raise_if_non_finite_names_estimator_epoch_and_advice():
    raise_if_non_finite(1.0, 1, "X")
    raise_if_non_finite(None, 1, "X")
    with pytest.raises(FloatingPointError, match=r"^Foo: the training loss became inf "
                       r"at epoch 4; training was stopped\. Lower lr, scale X"):
        raise_if_non_finite(float("inf"), 4, "Foo")
    with pytest.raises(FloatingPointError, match="AutoencoderTransformer: the valid"):
        raise_if_non_finite(float("nan"), 2, AutoencoderTransformer(), "valid loss")


def test_shared_road_names_the_estimator():
    X = _data() * 1e25  # finite input, but its square overflows float32
    with pytest.raises(
        FloatingPointError,
        match="^AutoencoderTransformer: the train loss became .* at epoch 1;.*Lower lr",
    ):
        AutoencoderTransformer(max_epochs=3, random_state=0).fit(X)


def test_huge_lr_classifier_stops():
    X, y = _data(), np.arange(60) % 2
    with pytest.raises(FloatingPointError, match="^MCDropoutClassifier: .* at epoch"):
        MCDropoutClassifier(
            hidden_layer_sizes=(8,), lr=1e38, optimizer="sgd", max_epochs=5,
            random_state=0,
        ).fit(X * 1e18, y)


def test_divergence_under_weight_decay_names_it():
    # with SGD, lr * weight_decay above 2 grows the weights whatever the
    # data: the advice named lr alone
    from skdeep.uncertainty import MCDropoutRegressor

    X = _data()
    with pytest.raises(FloatingPointError, match="Lower lr or weight_decay"):
        MCDropoutRegressor(optimizer="sgd", lr=0.01, weight_decay=1e3,
                           max_epochs=10, random_state=0).fit(X, X[:, 0])


def test_non_finite_weights_stop_training():
    # an epoch's loss is measured before its updates: weights the last
    # updates made NaN passed, and every prediction was NaN
    model = AutoencoderTransformer(max_epochs=1, random_state=0).fit(_data())
    net = model.net_
    StopOnNonFiniteLoss("Foo").on_epoch_end(net)  # finite: nothing
    with torch.no_grad():
        next(net.module_.parameters())[0, 0] = float("nan")
    with pytest.raises(FloatingPointError,
                       match=r"^Foo: the network's weights \(.*\) became NaN or "
                             r"infinite at epoch 1; training was stopped\. Lower lr"):
        StopOnNonFiniteLoss("Foo").on_epoch_end(net)


def test_an_lr_past_float32_names_lr():
    # torch's "value cannot be converted to type float without overflow"
    from skdeep.uncertainty import MCDropoutRegressor

    X = _data()
    for optimizer in ("adam", "sgd"):
        with pytest.raises(ValueError, match=r"lr=1e\+40 gives optimizer steps "
                                             r"too large for float32.*Lower lr"):
            MCDropoutRegressor(lr=1e40, optimizer=optimizer, max_epochs=1,
                               random_state=0).fit(X, X[:, 0])


def test_old_pickled_callback_still_works():
    # Callbacks pickled before estimator_name existed lack the attribute.
    cb = StopOnNonFiniteLoss.__new__(StopOnNonFiniteLoss)

    class Net:
        history = [{"epoch": 2, "train_loss": float("nan")}]

    with pytest.raises(FloatingPointError, match="The estimator: .* at epoch 2"):
        cb.on_epoch_end(Net())


def test_som_stops_on_overflowing_distances():
    from skdeep.som import SOMClusterer

    # (refused before training since the distances' scale is checked; it
    # stopped with "the quantization error became nan at epoch 1" before)
    with pytest.raises(ValueError, match="SOMClusterer computes squared distances "
                       "in float32, which overflow float32 .*Scale X"):
        SOMClusterer(n_rows=3, n_columns=3, max_epochs=2, random_state=0).fit(
            _data(n=30).astype(np.float64) * 1e19
        )


def test_graph_embedder_refuses_lr_overflowing_float32():
    from sklearn.utils._param_validation import InvalidParameterError

    from skdeep.graph import DeepWalkEmbedder

    adjacency = np.ones((4, 4)) - np.eye(4)
    with pytest.raises(InvalidParameterError, match="'lr' parameter"):
        DeepWalkEmbedder(dimensions=2, lr=1e300).fit(adjacency)


def test_lstm_forecaster_stops_with_the_epoch():
    pytest.importorskip("sktime")
    import pandas as pd

    from skdeep.recurrent import LSTMForecaster

    y = pd.Series(np.sin(np.arange(40) / 3.0))
    forecaster = LSTMForecaster(
        window_length=5, hidden_size=4, max_epochs=3, lr=1e30, random_state=0
    )
    with pytest.raises(FloatingPointError, match="^LSTMForecaster: the training "
                       r"loss became .* at epoch \d; .*Lower lr"):
        forecaster.fit(y, fh=[1])


# -- KeyboardInterrupt -----------------------------------------------------------


class InterruptAt(Callback):
    """Raise KeyboardInterrupt (as a Ctrl-C would) in a batch of ``epoch``."""

    def __init__(self, epoch, hook="on_batch_end"):
        self.epoch = epoch
        self.hook = hook

    def _maybe(self, net):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt

    def on_batch_end(self, net, **kwargs):
        if self.hook == "on_batch_end":
            self._maybe(net)

    def on_epoch_begin(self, net, **kwargs):
        if self.hook == "on_epoch_begin":
            self._maybe(net)

    def on_epoch_end(self, net, **kwargs):
        if self.hook == "on_epoch_end":
            self._maybe(net)


@pytest.mark.parametrize("hook", ["on_batch_end", "on_epoch_begin"])
def test_interrupt_leaves_a_usable_model_and_warns(hook):
    X = _data()
    ae = AutoencoderTransformer(
        code_size=2, max_epochs=10, batch_size=16, random_state=0,
        callbacks=[InterruptAt(3, hook)],
    )
    with pytest.warns(UserWarning, match="AutoencoderTransformer was interrupted "
                      "by a KeyboardInterrupt after 2 finished epoch") as seen:
        ae.fit(X)
    assert seen[0].filename == __file__  # the fit call, not skdeep's code
    assert ae.n_iter_ == 2 and len(ae.history_) == 2 and len(ae.loss_curve_) == 2
    assert [row["epoch"] for row in ae.history_] == [1, 2]
    assert all(np.isfinite(ae.loss_curve_))
    Z = ae.transform(X)
    assert Z.shape == (60, 2) and np.isfinite(Z).all()
    again = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(again.transform(X), Z)


def test_interrupt_classifier_predicts():
    X, y = _data(), np.arange(60) % 3
    clf = MCDropoutClassifier(
        hidden_layer_sizes=(8,), max_epochs=10, batch_size=16, random_state=0,
        callbacks=[InterruptAt(3)],
    )
    with pytest.warns(UserWarning, match="after 2 finished epoch"):
        clf.fit(X, y)
    assert clf.n_iter_ == 2
    assert set(clf.predict(X)) <= {0, 1, 2}
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1, rtol=1e-5)


def test_interrupt_in_first_epoch_leaves_empty_history():
    ae = AutoencoderTransformer(code_size=2, max_epochs=5, batch_size=16,
                                random_state=0, callbacks=[InterruptAt(1)])
    with pytest.warns(UserWarning, match="after 0 finished epoch"):
        ae.fit(_data())
    assert ae.n_iter_ == 0 and ae.loss_curve_ == []
    assert np.isfinite(ae.transform(_data())).all()


def test_interrupt_in_partial_fit():
    if not hasattr(AutoencoderTransformer, "partial_fit"):
        pytest.skip("no partial_fit yet")
    X = _data()
    ae = AutoencoderTransformer(code_size=2, batch_size=16, random_state=0,
                                callbacks=[InterruptAt(1)])
    with pytest.warns(UserWarning, match="after 0 finished epoch"):
        ae.partial_fit(X)
    assert ae.n_iter_ == 0 and ae.loss_curve_ == []
    assert np.isfinite(ae.transform(X)).all()


def test_epoch_end_stop_is_not_an_interruption():
    # skorch's convention: a callback stops training by raising
    # KeyboardInterrupt at the end of an epoch (EarlyStopping does); that epoch
    # is complete and nothing is warned.
    ae = AutoencoderTransformer(code_size=2, max_epochs=10, random_state=0,
                                callbacks=[InterruptAt(3, "on_epoch_end")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ae.fit(_data())
    assert ae.n_iter_ == 3 and len(ae.loss_curve_) == 3


def test_early_stopping_is_not_an_interruption():
    X = _data(n=200)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ae = AutoencoderTransformer(
            code_size=2, max_epochs=200, early_stopping=True, n_iter_no_change=2,
            tol=0.5, random_state=0,
        ).fit(X)
    assert ae.n_iter_ < 200
    assert all("valid_loss" in row for row in ae.history_)


@pytest.mark.parametrize("inherent_noise", [True, False])
def test_interrupt_in_a_loop_of_its_own(monkeypatch, inherent_noise):
    # LSTMForecaster trains outside skorch; a Ctrl-C there behaves the same,
    # and one in its hold-out training ends the fit (no second training).
    pytest.importorskip("sktime")
    import pandas as pd

    from skdeep.recurrent import LSTMForecaster

    y = pd.Series(np.sin(np.arange(40) / 3.0))
    steps = {"n": 0}
    step = torch.optim.Adam.step

    def counting_step(self, *args, **kwargs):
        steps["n"] += 1
        if steps["n"] > 2:  # one batch per epoch: Ctrl-C in epoch 3
            raise KeyboardInterrupt
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", counting_step)
    forecaster = LSTMForecaster(
        window_length=5, hidden_size=4, max_epochs=10, batch_size=64,
        inherent_noise=inherent_noise, random_state=0,
    )
    with pytest.warns(UserWarning, match="LSTMForecaster was interrupted by a "
                      "KeyboardInterrupt after 2 finished epoch.*loss_curve_"):
        forecaster.fit(y, fh=[1])
    assert steps["n"] == 3 and len(forecaster.loss_curve_) == 2
    assert "_fit_interrupted" not in vars(forecaster)
    assert np.isfinite(forecaster.predict().to_numpy()).all()



def test_interrupt_in_the_som_keeps_finished_epochs(monkeypatch):
    # The SOM trains outside skorch too: Ctrl-C in epoch 3 keeps the map of
    # epoch 2, its curve and a warning, and the map still predicts.
    from skdeep.som import SOMClusterer, _som

    maps = []
    batch_epoch = _som._batch_epoch

    def interrupted_epoch(*args, **kwargs):
        if len(maps) == 2:
            raise KeyboardInterrupt
        W, qe = batch_epoch(*args, **kwargs)
        maps.append(W.cpu().numpy().copy())
        return W, qe

    monkeypatch.setattr(_som, "_batch_epoch", interrupted_epoch)
    X = np.random.RandomState(0).normal(size=(60, 3))
    with pytest.warns(UserWarning, match="SOMClusterer was interrupted by a "
                      "KeyboardInterrupt after 2 finished epoch.*"
                      "quantization_error_curve_"):
        som = SOMClusterer(n_rows=3, n_columns=3, max_epochs=10,
                           training="batch", random_state=0).fit(X)
    assert som.n_iter_ == 2 and len(som.quantization_error_curve_) == 2
    assert "_fit_interrupted" not in vars(som)
    assert not np.allclose(maps[0], maps[1])
    np.testing.assert_array_equal(som.cluster_centers_, maps[1])
    assert som.predict(X).shape == (60,)


def test_interrupt_outside_training_leaves_the_fitted_model(monkeypatch):
    # A Ctrl-C in a step outside the training loop (here the RBF network's
    # k-means start) propagates and leaves the fitted model as it was: it
    # left new classes_ beside the old network, predicting out of bounds.
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_iris

    from skdeep.rbf import RBFNetworkClassifier

    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = RBFNetworkClassifier(n_centers=10, random_state=0).fit(X, labels)
    before = clf.predict_proba(X)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(KMeans, "fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, np.where(y == 0, "no", "yes"))
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(clf.predict_proba(X), before)


@pytest.mark.parametrize("name", ["NEATClassifier", "HyperNEATClassifier"])
def test_interrupt_in_the_evolution_keeps_finished_generations(monkeypatch, name):
    # NEAT evolves outside skorch: a Ctrl-C in generation 3 of a refit on
    # other data keeps the fittest genome of the two finished generations,
    # with the new data's classes, features and substrate; before, the
    # interrupt propagated and left the old network with the new classes.
    from sklearn.datasets import make_blobs

    from skdeep import neuroevolution

    cls = getattr(neuroevolution, name)
    X, y = make_blobs(60, n_features=4, centers=3, random_state=0)
    X2, y2 = make_blobs(60, n_features=6, centers=2, random_state=1)
    est = cls(n_generations=3, pop_size=20, random_state=0).fit(X, y)
    losses, calls = cls._losses, []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return losses(self, *args, **kwargs)

    monkeypatch.setattr(cls, "_losses", interrupted)
    with pytest.warns(UserWarning, match=f"Evolution of {name} was interrupted by "
                      "a KeyboardInterrupt after 2 finished generation"):
        est.fit(X2, y2)
    assert est.n_features_in_ == 6 and list(est.classes_) == [0, 1]
    assert est.n_generations_ == 2
    assert est.predict_proba(X2).shape == (60, 2)
    # a Ctrl-C before any generation finished leaves the model as it was
    calls.clear()
    calls.extend([1, 1])
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.n_features_in_ == 6 and est.n_generations_ == 2


def test_failed_warm_evolution_leaves_the_run_to_continue(monkeypatch):
    # A warm_start NEAT fit that fails keeps the stored population as it was:
    # its generations leaked into the next warm fit (8 instead of 6).
    from sklearn.datasets import make_blobs

    from skdeep.neuroevolution import NEATClassifier

    X, y = make_blobs(60, n_features=4, centers=3, random_state=0)

    def run(fail):
        est = NEATClassifier(n_generations=3, pop_size=20, warm_start=True,
                             random_state=0).fit(X, y)
        if fail:
            losses, calls = NEATClassifier._losses, []

            def failing(self, *args, **kwargs):
                calls.append(1)
                if len(calls) == 3:
                    raise MemoryError("simulated")
                return losses(self, *args, **kwargs)

            with monkeypatch.context() as patch:
                patch.setattr(NEATClassifier, "_losses", failing)
                with pytest.raises(MemoryError):
                    est.fit(X, y)
        return est.fit(X, y)

    clean, failed = run(False), run(True)
    assert failed.n_generations_ == clean.n_generations_ == 6
    assert failed.best_fitness_ == clean.best_fitness_
    assert failed.history_ == clean.history_


def test_failed_partial_fit_leaves_the_module_in_eval_mode():
    # skorch puts a trained module back in eval mode at the end of training;
    # a partial_fit that failed mid-epoch put the weights back but left it
    # in train mode, where a forward pass rewrote batch-norm statistics.
    from sklearn.datasets import make_classification

    from skdeep.cnn import CNNClassifier

    class FailingLogger(Callback):
        fail = False  # (a class attribute: the net holds a copy of the instance)

        def on_batch_end(self, net, **kwargs):
            if FailingLogger.fail:
                raise OSError("No space left on device")

    X, y = make_classification(64, 16, random_state=0)
    clf = CNNClassifier(conv_channels=(4,), batch_size=32, random_state=0,
                        callbacks=[FailingLogger()])
    clf.partial_fit(X, y, classes=[0, 1])
    FailingLogger.fail = True
    with pytest.raises(OSError):
        clf.partial_fit(X, y)
    assert not clf.module_.training

# -- out of memory -----------------------------------------------------------------


def _oom(*args, **kwargs):
    raise torch.cuda.OutOfMemoryError(
        "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79 GiB total)"
    )


def _runtime_oom(*args, **kwargs):
    raise RuntimeError("CUDA error: out of memory")


def test_is_out_of_memory():
    assert is_out_of_memory(torch.cuda.OutOfMemoryError("x"))
    assert is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    assert not is_out_of_memory(ValueError("out of memory"))
    # the CPU allocator's failure (a predict padded to a huge batch_size)
    assert is_out_of_memory(RuntimeError(
        "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: "
        "can't allocate memory: you tried to allocate 63999999936 bytes."))


def test_cpu_allocation_failure_in_inference_names_batch_size(monkeypatch):
    # a batch_size that trained (batches stop at the rows) padded inference
    # batches to 1e9 rows: torch's allocator error came through bare (the
    # rows per call are capped now: lifted here to reach the allocator)
    from skdeep.utils import _torch

    monkeypatch.setattr(_torch, "MAX_INFERENCE_ROWS", 10**13)
    ae = AutoencoderTransformer(code_size=2, max_epochs=1, batch_size=10**12,
                                random_state=0).fit(_data())
    with pytest.raises(RuntimeError, match=r"during inference with batch_size=10+; "
                                           r"lower batch_size\. The original error"):
        ae.transform(_data()[:1])


def test_convolutional_networks_infer_in_small_calls_on_the_cpu():
    # inference pads each call to a constant number of rows; a CNN's cost per
    # row is flat, so it needs no batch_size-sized call for one image (one
    # row took 7x as long with 128 rows per call as with 16), and the rows'
    # outputs stay independent of the rows predicted with them
    from skdeep.cnn import CNNClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(40, 16)
    clf = CNNClassifier(conv_channels=(4,), max_epochs=1, batch_size=10**12,
                        random_state=0).fit(X, np.repeat([0, 1], 20))
    calls = []
    hook = clf.module_.register_forward_pre_hook(
        lambda module, args: calls.append(len(args[0])))
    one = clf.predict_proba(X[3:4])
    assert calls == [16]
    calls.clear()
    every = clf.predict_proba(X)
    hook.remove()
    assert calls == [16, 16, 16]
    np.testing.assert_array_equal(one, every[3:4])


@pytest.mark.parametrize("raiser", [_oom, _runtime_oom])
def test_out_of_memory_in_fit_names_batch_size(monkeypatch, raiser):
    monkeypatch.setattr(torch.nn.Linear, "forward", raiser)
    ae = AutoencoderTransformer(code_size=2, max_epochs=2, batch_size=512)
    with pytest.raises(RuntimeError, match=r"AutoencoderTransformer ran out of "
                       r"memory during fit with batch_size=512; lower batch_size "
                       r"\(or use device='cpu'\)\. The original error: CUDA") as info:
        ae.fit(_data())
    if raiser is _oom:
        assert isinstance(info.value, torch.cuda.OutOfMemoryError)
    assert is_out_of_memory(info.value.__cause__)


def test_out_of_memory_in_inference_names_batch_size(monkeypatch):
    ae = AutoencoderTransformer(code_size=2, max_epochs=1, batch_size=64,
                                random_state=0).fit(_data())
    monkeypatch.setattr(torch.nn.Linear, "forward", _oom)
    with pytest.raises(torch.cuda.OutOfMemoryError, match="ran out of memory "
                       "during inference with batch_size=64; lower batch_size"):
        ae.transform(_data())


def test_other_runtime_errors_pass_unchanged(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(torch.nn.Linear, "forward", broken)
    with pytest.raises(RuntimeError, match="^mat1 and mat2 shapes"):
        AutoencoderTransformer(max_epochs=1).fit(_data())


# -- one-way dependency: the training road does not import skdeep.io ----------


def test_training_road_does_not_import_io():
    # io sits on top of the training road, never the other way round.
    import ast

    import skdeep.utils._torch
    import skdeep.utils._training

    for module in (skdeep.utils._training, skdeep.utils._torch):
        with open(module.__file__) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [
                    f"{node.module}.{a.name}" for a in node.names
                ]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any(n == "skdeep.io" or n.startswith("skdeep.io.")
                           for n in names), (module.__name__, names)


def test_gpu_pickle_restores_through_the_training_road(monkeypatch):
    # The GPU branch of __getstate__/__setstate__, faked on the CPU: the net
    # claims to be on "cuda", so its weights travel as a CPU state_dict and
    # the net is rebuilt by restore_net at unpickling.
    X = _data()
    ae = AutoencoderTransformer(code_size=2, max_epochs=2, random_state=0).fit(X)
    expected = ae.transform(X)
    ae.net_.device = "cuda"
    state = ae.__getstate__()
    assert state["net_"] is None and "_gpu_net_weights" in state
    ae.net_.device = "cpu"
    clone = AutoencoderTransformer.__new__(AutoencoderTransformer)
    clone.__setstate__(pickle.loads(pickle.dumps(state)))
    assert str(clone.net_.device) == "cpu"  # no GPU here: loaded on the CPU
    np.testing.assert_array_equal(clone.transform(X), expected)
    assert clone.loss_curve_ == ae.loss_curve_ and len(clone.history_) == 2


def test_early_stopping_split_too_small_names_the_estimator():
    # scikit-learn's stratified split said only "The test_size = 1 should be
    # greater or equal to the number of classes = 3"
    X = np.random.RandomState(0).randn(6, 3)
    with pytest.raises(ValueError, match=r"MCDropoutClassifier\(early_stopping=True\) "
                       r"holds out validation_fraction=0.1 of the 6 training rows "
                       r"\(stratified by class, .* number of classes = 3\. Raise "
                       r"validation_fraction"):
        MCDropoutClassifier(early_stopping=True, max_epochs=2).fit(
            X, np.repeat([0, 1, 2], 2))


def test_failed_partial_fit_leaves_the_network_as_it_was():
    # the epoch that ended in an inf loss had stepped every weight to NaN
    # before the error: transform gave NaN from then on, and history_ kept
    # the failed epoch
    X = _data(n=30).astype(np.float64)
    ae = AutoencoderTransformer(code_size=2, max_epochs=2, random_state=0).fit(X)
    untouched = copy.deepcopy(ae)
    bad = X.copy()
    bad[0, 0] = 1e30
    with pytest.raises(FloatingPointError, match="became inf"):
        ae.partial_fit(bad)
    assert ae.n_iter_ == len(ae.history_) == 2
    np.testing.assert_array_equal(ae.transform(X), untouched.transform(X))
    # and training goes on as if the failed call had not been made
    np.testing.assert_array_equal(ae.partial_fit(X).transform(X),
                                  untouched.partial_fit(X).transform(X))
