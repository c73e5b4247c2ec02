"""skdeep.io: safe save/load that never unpickles arbitrary code."""

import copy
import io as _io
import json
import zipfile

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator

from skdeep import io
from skdeep.autoencoder import AutoencoderTransformer


@pytest.fixture(scope="module")
def data():
    return np.random.RandomState(0).randn(50, 5)


@pytest.fixture(scope="module")
def fitted(data):
    return AutoencoderTransformer(
        hidden_layer_sizes=(6, 4), code_size=2, max_epochs=3, random_state=0
    ).fit(data)


def test_round_trip_identical(fitted, data, tmp_path):
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    loaded = io.load(path)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.hidden_layer_sizes == (6, 4)  # tuples survive JSON
    np.testing.assert_array_equal(loaded.transform(data), fitted.transform(data))
    np.testing.assert_array_equal(
        loaded.inverse_transform(fitted.transform(data)),
        fitted.inverse_transform(fitted.transform(data)),
    )
    assert loaded.n_features_in_ == 5 and loaded.n_iter_ == 3
    assert loaded.loss_curve_ == fitted.loss_curve_
    assert loaded.history_[-1, "train_loss"] == fitted.history_[-1, "train_loss"]


def _training_modules(estimator):
    return [
        type(m).__name__
        for value in vars(estimator).values()
        for root in (value, getattr(value, "module_", None))
        if isinstance(root, torch.nn.Module)
        for m in root.modules()
        if m.training
    ]


@pytest.mark.parametrize("training", ["end_to_end", "hybrid"])
def test_trained_and_loaded_modules_rest_in_eval_mode(data, training, tmp_path):
    # Predictions switch a module to eval mode and back to the mode they
    # found: a module resting in train mode went back to it while another
    # thread's prediction ran (dropout on, batch-norm statistics overwritten).
    from skdeep.rbf import RBFNetworkRegressor

    y = data[:, 0]
    for est in (
        AutoencoderTransformer(hidden_layer_sizes=(6,), code_size=2, dropout=0.2,
                               batch_norm=True, max_epochs=2, random_state=0),
        RBFNetworkRegressor(n_centers=5, training=training, max_epochs=2,
                            random_state=0),
    ):
        est.fit(data, y)
        io.save(est, tmp_path / "model.skdeep")
        for copy in (est, io.load(tmp_path / "model.skdeep")):
            assert _training_modules(copy) == []


def test_partial_fit_after_load_continues_as_without_saving(data, tmp_path):
    from skdeep.uncertainty import MCDropoutRegressor

    y = data[:, 0]
    model = MCDropoutRegressor((8,), max_epochs=2, random_state=0).fit(data, y)
    io.save(model, tmp_path / "full.skdeep")
    io.save(model, tmp_path / "weights.skdeep", optimizer_state=False)
    resumed = io.load(tmp_path / "full.skdeep")
    restarted = io.load(tmp_path / "weights.skdeep")
    np.testing.assert_array_equal(restarted.predict(data), model.predict(data))

    def best_scores(est):
        return {name: getattr(cb, "best_score_", None)
                for name, cb in est.net_.callbacks_}

    # the loss callbacks' best scores come back with the history (reset to
    # inf, the next epoch was flagged train_loss_best however bad it was)
    assert best_scores(resumed) == best_scores(model)
    assert best_scores(model)["train_loss"] == min(model.history_[:, "train_loss"])
    for est in (model, resumed, restarted):
        est.partial_fit(data, y)
    np.testing.assert_array_equal(resumed.predict(data), model.predict(data))
    for est in (resumed, restarted):
        assert (est.history_[:, "train_loss_best"]
                == model.history_[:, "train_loss_best"])
    # without Adam's moments the next epoch starts over: other weights
    assert not np.array_equal(restarted.predict(data), model.predict(data))
    size = {name: (tmp_path / f"{name}.skdeep").stat().st_size
            for name in ("full", "weights")}
    assert size["weights"] < size["full"]


def test_partial_fit_after_load_resets_a_schedule_set_to_constant(data, tmp_path):
    # The cosine ends at lr 0; partial_fit trains at the starting rate. After
    # set_params(lr_schedule="constant") and a save/load, the rebuilt net had
    # no scheduler callback to say so: it trained at 0 (no update, no error).
    from skdeep.uncertainty import MCDropoutRegressor

    y = data[:, 0]
    model = MCDropoutRegressor((8,), max_epochs=3, lr=0.05, lr_schedule="cosine",
                               random_state=0).fit(data, y)
    model.set_params(lr_schedule="constant")
    io.save(model, tmp_path / "m.skdeep")
    loaded = io.load(tmp_path / "m.skdeep")
    for est in (model, loaded):
        est.partial_fit(data, y)
        assert [g["lr"] for g in est.net_.optimizer_.param_groups] == [0.05, 0.05]
    np.testing.assert_array_equal(loaded.predict(data), model.predict(data))
    # once: a rate lowered by hand between later calls stays
    for group in model.net_.optimizer_.param_groups:
        group["lr"] = 0.01
    model.partial_fit(data, y)
    assert [g["lr"] for g in model.net_.optimizer_.param_groups] == [0.01, 0.01]


def test_partial_fit_leaves_a_users_own_schedule_going(data):
    # the reset of the built-in schedule's rates froze a user's StepLR at its
    # first step (0.025 at every call)
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import StepLR

    from skdeep.uncertainty import MCDropoutRegressor

    model = MCDropoutRegressor((8,), lr=0.1, random_state=0,
                               callbacks=[LRScheduler(StepLR, step_size=1, gamma=0.5)])
    rates = []
    for _ in range(4):
        model.partial_fit(data, data[:, 0])
        rates.append(model.net_.optimizer_.param_groups[0]["lr"])
    assert rates == pytest.approx([0.05, 0.0125, 0.003125, 0.00078125])


@pytest.mark.parametrize("numbers", ["lr float32", "lr float64, cosine schedule",
                                     "weight_decay float64"])
def test_numpy_number_parameters_save_and_load(numbers, data, tmp_path):
    # GridSearchCV over np.logspace gives numpy numbers: they reached the
    # optimizer's parameter groups, which torch.load(weights_only=True)
    # refused, so the saved model could not be loaded
    from skdeep.uncertainty import MCDropoutRegressor

    y = data[:, 0]
    if numbers == "weight_decay float64":  # (MC dropout derives its own)
        model = AutoencoderTransformer(code_size=2, max_epochs=2, random_state=0,
                                       weight_decay=np.float64(1e-4)).fit(data)
        output, y = model.transform, None
    else:
        params = ({"lr": np.float32(0.003)} if numbers == "lr float32" else
                  {"lr": np.float64(0.003), "lr_schedule": "cosine"})
        model = MCDropoutRegressor((8,), max_epochs=2, random_state=0, **params)
        output = model.fit(data, y).predict
    io.save(model, tmp_path / "m.skdeep")
    loaded = io.load(tmp_path / "m.skdeep")
    loaded_output = getattr(loaded, output.__name__)
    np.testing.assert_array_equal(loaded_output(data), output(data))
    for est in (model, loaded):
        est.partial_fit(data) if y is None else est.partial_fit(data, y)
    np.testing.assert_array_equal(loaded_output(data), output(data))


def test_stateful_partial_fit_after_load_continues_as_without_saving(tmp_path):
    # the loaded net was rebuilt without the stateful batching: it trained
    # on shuffled batches with no state resets
    from skdeep.recurrent import RNNRegressor

    rng = np.random.RandomState(0)
    X, y = rng.rand(32, 5), rng.rand(32)
    model = RNNRegressor(stateful=True, hidden_size=4, max_epochs=1, batch_size=4,
                         random_state=0).partial_fit(X, y)
    io.save(model, tmp_path / "rnn.skdeep")
    loaded = io.load(tmp_path / "rnn.skdeep")
    for _ in range(2):
        for est in (model, loaded):
            est.partial_fit(X, y)
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_nested_arrays_keep_their_shape_and_complex_infinities():
    # arrays inside lists, tuples and dicts are written as nested lists: a
    # zero dimension lost the ones after it ((0, 3) came back as (0,)), and
    # an infinite imaginary part came back with a NaN real part
    from skdeep.io import _decode, _encode

    for array in (np.zeros((0, 3)), np.zeros((2, 0, 3), np.float32),
                  np.array([1 + 2j, complex(1, np.inf)]), np.arange(6).reshape(2, 3)):
        back = _decode(json.loads(json.dumps(_encode((array,), "test"))))[0]
        assert back.shape == array.shape and back.dtype == array.dtype
        np.testing.assert_array_equal(back, array)
    # files written before shapes were recorded read as before
    assert _decode({"__array__": [[1, 2]], "dtype": "int64"}).shape == (1, 2)


def test_unfitted_round_trip(tmp_path):
    path = tmp_path / "ae.skdeep"
    io.save(AutoencoderTransformer(code_size=3), path)
    loaded = io.load(path)
    assert loaded.code_size == 3 and not hasattr(loaded, "net_")


def test_feature_names_survive(tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(np.random.RandomState(0).randn(20, 3), columns=["a", "b", "c"])
    ae = AutoencoderTransformer(code_size=2, max_epochs=2, random_state=0).fit(df)
    io.save(ae, tmp_path / "ae.skdeep")
    loaded = io.load(tmp_path / "ae.skdeep")
    assert list(loaded.feature_names_in_) == ["a", "b", "c"]


def _rewrite(path, name, content):
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = content
    with zipfile.ZipFile(path, "w") as zf:
        for n, c in members.items():
            zf.writestr(n, c)


def test_refuses_unknown_estimator(fitted, tmp_path):
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    meta["estimator"] = "os.system"
    _rewrite(path, "meta.json", json.dumps(meta))
    with pytest.raises(ValueError, match="names estimator 'os.system'.*refusing"):
        io.load(path)


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_never_unpickles_code_in_weights(fitted, tmp_path):
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    buffer = _io.BytesIO()
    torch.save({"x": Evil()}, buffer)
    _rewrite(path, "state_dict.pt", buffer.getvalue())
    with pytest.raises(ValueError, match="other than tensors.*Weights only load failed"):
        io.load(path)


def test_not_an_skdeep_file(tmp_path):
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("other.txt", "hi")
    with pytest.raises(ValueError, match="not an skdeep model file"):
        io.load(path)


def test_unsafe_parameter_is_refused(data, tmp_path):
    from skorch.callbacks import EpochTimer

    ae = AutoencoderTransformer(max_epochs=1, callbacks=[EpochTimer()])
    with pytest.raises(TypeError, match="parameter 'callbacks'.*pickle/joblib"):
        io.save(ae, tmp_path / "ae.skdeep")


def test_an_attribute_named_net_is_saved_where_it_is_not_a_skorch_net(tmp_path):
    # (skipped for every estimator: a plugin's net_ was silently lost)
    from sklearn.base import TransformerMixin
    from sklearn.utils.validation import check_is_fitted, validate_data

    import skdeep
    from skdeep.plugins import get_registry

    class NetStats(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            self.net_ = validate_data(self, X).mean(axis=0)
            return self

        def transform(self, X):
            check_is_fitted(self)
            return validate_data(self, X, reset=False) - self.net_

    class Plugin:
        @skdeep.hookimpl
        def register_estimators(self, register):
            register(NetStats)

    registry = get_registry()
    registry.register_plugin(Plugin(), "netstats")
    try:
        X = np.random.RandomState(0).rand(10, 3)
        io.save(NetStats().fit(X), tmp_path / "stats.skdeep")
        loaded = io.load(tmp_path / "stats.skdeep")
        np.testing.assert_array_equal(loaded.transform(X), NetStats().fit_transform(X))
    finally:
        registry.unregister_plugin("netstats")


def test_a_class_whose_name_another_class_holds_is_told_so(tmp_path):
    # (it was told it "is not registered", to a plugin's author whose plugin
    # lost the name conflict)
    class AutoencoderTransformer(BaseEstimator):
        pass

    with pytest.raises(TypeError, match=r"its name is taken by skdeep\.autoencoder\."
                                        r".*AutoencoderTransformer of plugin "
                                        r"'autoencoder'"):
        io.save(AutoencoderTransformer(), tmp_path / "ae.skdeep")


def test_load_says_when_third_party_plugins_are_disabled(tmp_path, monkeypatch):
    pytest.importorskip("skdeep_plugin_template")
    import skdeep.plugins
    from skdeep_plugin_template import SoftmaxRegressionClassifier

    X = np.random.RandomState(0).rand(20, 3)
    model = SoftmaxRegressionClassifier().fit(X, np.arange(20) % 2)
    io.save(model, tmp_path / "softmax.skdeep")
    monkeypatch.setattr(skdeep.plugins, "_registry",
                        skdeep.plugins.PluginRegistry(autoload=False))
    with pytest.raises(ValueError, match="no installed skdeep plugin registers "
                       r"\(third-party plugins are not loaded: "
                       r"SKDEEP_DISABLE_PLUGIN_AUTOLOAD is set\)"):
        io.load(tmp_path / "softmax.skdeep")


def test_unregistered_class_is_refused(tmp_path):
    class Stranger(BaseEstimator):
        pass

    with pytest.raises(TypeError, match="not registered with skdeep"):
        io.save(Stranger(), tmp_path / "s.skdeep")


def test_records_versions(fitted, tmp_path):
    import skdeep

    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    with zipfile.ZipFile(path) as zf:
        versions = json.loads(zf.read("meta.json"))["versions"]
    assert versions["skdeep"] == skdeep.__version__
    assert versions["torch"] == torch.__version__ and versions["numpy"] == np.__version__


def test_truncated_file_is_refused(fitted, tmp_path):
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated"):
        io.load(path)


@pytest.mark.parametrize("member", ["meta.json", "arrays.npz", "state_dict.pt",
                                    "optimizer_state.pt"])
@pytest.mark.parametrize("where", ["start", "middle"])
def test_a_damaged_member_is_refused_with_its_name(member, where, fitted, tmp_path):
    # a flipped byte surfaced as zlib.error or zipfile.BadZipFile
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    name_length, extra_length = np.frombuffer(
        bytes(raw[info.header_offset + 26 : info.header_offset + 30]), "<u2")
    start = info.header_offset + 30 + int(name_length) + int(extra_length)
    raw[start + (0 if where == "start" else info.compress_size // 2)] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=f"corrupted {member}"):
        io.load(path)


def test_pickled_arrays_are_refused(fitted, tmp_path):
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    buffer = _io.BytesIO()
    np.savez(buffer, evil=np.array([Evil()], dtype=object))
    _rewrite(path, "arrays.npz", buffer.getvalue())
    with pytest.raises(ValueError, match="need pickle.*refusing"):
        io.load(path)


def test_newer_format_version_is_refused(fitted, tmp_path):
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    meta["format_version"] = io.FORMAT_VERSION + 1
    meta["versions"]["skdeep"] = "99.0"
    _rewrite(path, "meta.json", json.dumps(meta))
    with pytest.raises(ValueError, match="format version 2 \\(saved by skdeep 99.0\\)"):
        io.load(path)


def test_integer_keyed_dicts_and_random_states_round_trip(tmp_path):
    from skdeep.cnn import CNNClassifier

    state = np.random.RandomState(7)
    state.rand(3)  # not at the start of its stream
    estimator = CNNClassifier(class_weight={0: 1.0, 3: 2.5}, random_state=state)
    path = tmp_path / "cnn.skdeep"
    io.save(estimator, path)
    loaded = io.load(path)
    assert loaded.class_weight == {0: 1.0, 3: 2.5}
    assert isinstance(loaded.random_state, np.random.RandomState)
    np.testing.assert_array_equal(loaded.random_state.rand(5), state.rand(5))


def test_unsafe_parameter_error_names_the_parameter(tmp_path):
    estimator = AutoencoderTransformer(hidden_layer_sizes=(4,), random_state=object())
    with pytest.raises(TypeError, match="Set parameter 'random_state' to one of those"):
        io.save(estimator, tmp_path / "ae.skdeep")


def test_estimator_parameter_error_says_estimators_are_not_stored(tmp_path):
    from sklearn.decomposition import PCA

    from skdeep.siamese import PrototypeClassifier

    estimator = PrototypeClassifier(PCA(2)).fit(np.eye(4), [0, 0, 1, 1])
    with pytest.raises(TypeError, match="Estimator objects are not stored") as info:
        io.save(estimator, tmp_path / "proto.skdeep")
    assert "to one of those" not in str(info.value)  # (no number replaces it)
    assert not (tmp_path / "proto.skdeep").exists()


# -- graph= as scipy.sparse matrices and networkx graphs (#23 item 7) ----------

SPARSE_FORMATS = ["csr", "csc", "coo", "bsr", "dia", "lil", "dok"]


def _karate():
    nx = pytest.importorskip("networkx")
    return nx.karate_club_graph()  # node, edge and graph attributes


def _adjacency():
    nx = pytest.importorskip("networkx")
    return nx.to_scipy_sparse_array(_karate(), format="csr")


def _embedder(graph):
    from skdeep.graph import Node2VecEmbedder

    return Node2VecEmbedder(
        dimensions=4, graph=graph, n_walks=2, walk_length=8, p=0.5, q=2.0,
        random_state=0,
    )


@pytest.mark.parametrize("kind", ["matrix", "array"])
@pytest.mark.parametrize("fmt", SPARSE_FORMATS)
def test_sparse_parameter_round_trips_as_the_same_class(fmt, kind, tmp_path):
    import scipy.sparse as sp

    graph = getattr(sp, f"{fmt}_{kind}")(_adjacency().astype(np.float32))
    path = tmp_path / "e.skdeep"
    io.save(_embedder(graph), path)
    loaded = io.load(path).graph
    assert type(loaded) is type(graph) and loaded.dtype == np.float32
    assert loaded.shape == graph.shape and (loaded != graph).nnz == 0


def test_sparse_entries_kept_as_stored(tmp_path):
    # Unsorted column indices, duplicates and explicit zeros are data too:
    # the random walks read the neighbours in stored order.
    import scipy.sparse as sp

    csr = sp.csr_matrix(
        (np.array([1.0, 2.0, 0.0, 4.0]), np.array([2, 1, 0, 0]),
         np.array([0, 2, 3, 4])),
        shape=(3, 3),
    )
    coo = sp.coo_matrix((np.array([1.0, 2.0]), (np.array([0, 0]), np.array([1, 1]))),
                        shape=(2, 2))
    cases = [(csr, ("data", "indices", "indptr")), (coo, ("data", "row", "col"))]
    for graph, parts in cases:
        io.save(_embedder(graph), tmp_path / "e.skdeep")
        loaded = io.load(tmp_path / "e.skdeep").graph
        for name in parts:
            np.testing.assert_array_equal(getattr(loaded, name), getattr(graph, name))


@pytest.mark.parametrize("cls", ["Graph", "DiGraph", "MultiGraph", "MultiDiGraph"])
def test_networkx_parameter_round_trips(cls, tmp_path):
    nx = pytest.importorskip("networkx")
    graph = getattr(nx, cls)(_karate())
    graph.add_edge("a", (1, 2), weight=0.5, tags=["x"])  # mixed node ids
    graph.graph["note"] = {3: "int-keyed"}
    io.save(_embedder(graph), tmp_path / "e.skdeep")
    loaded = io.load(tmp_path / "e.skdeep").graph
    assert type(loaded) is type(graph)
    assert nx.utils.graphs_equal(loaded, graph)
    assert list(loaded.nodes(data=True)) == list(graph.nodes(data=True))
    assert list(loaded.edges(data=True)) == list(graph.edges(data=True))
    assert loaded.graph == {"name": "Zachary's Karate Club", "note": {3: "int-keyed"}}


def test_a_file_needing_a_missing_package_names_it(tmp_path, monkeypatch):
    # (loading where networkx is missing was a bare "No module named ...")
    import sys

    pytest.importorskip("networkx")
    io.save(_embedder(_karate()), tmp_path / "e.skdeep")
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(ImportError, match=r"e.skdeep holds networkx objects; "
                       r"loading it needs networkx: pip install 'skdeep\[graph\]'"):
        io.load(tmp_path / "e.skdeep")


def test_networkx_refusals_name_the_parameter(tmp_path):
    nx = pytest.importorskip("networkx")
    graph = nx.path_graph(4)
    graph.nodes[1]["payload"] = object()
    with pytest.raises(TypeError, match="parameter 'graph' \\(node attributes\\)"):
        io.save(_embedder(graph), tmp_path / "e.skdeep")

    class MyGraph(nx.Graph):
        pass

    with pytest.raises(TypeError, match="'graph', a .*MyGraph.*not subclasses"):
        io.save(_embedder(MyGraph(nx.path_graph(4))), tmp_path / "e.skdeep")


@pytest.mark.parametrize("form", ["csr", "coo", "dense", "networkx"])
def test_graph_embedder_fitted_and_unfitted_round_trip(form, tmp_path):
    import scipy.sparse as sp

    graph = {
        "csr": lambda: sp.csr_matrix(_adjacency()),
        "coo": lambda: sp.coo_matrix(_adjacency()),
        "dense": lambda: _adjacency().toarray(),
        "networkx": _karate,
    }[form]()
    ids = np.arange(34).reshape(-1, 1)
    unfitted = _embedder(graph)
    io.save(unfitted, tmp_path / "u.skdeep")
    fitted = _embedder(graph)
    Z = fitted.fit_transform(ids)
    io.save(fitted, tmp_path / "f.skdeep")
    loaded = io.load(tmp_path / "f.skdeep")
    assert type(loaded.graph) is type(graph)
    np.testing.assert_array_equal(loaded.transform(ids), Z)
    np.testing.assert_array_equal(loaded.transform(ids[::-1]), Z[::-1])
    # The unfitted file's graph trains to the very same embedding.
    np.testing.assert_array_equal(io.load(tmp_path / "u.skdeep").fit_transform(ids), Z)


def test_old_csr_tag_still_loads(tmp_path):
    import scipy.sparse as sp

    A = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    path = tmp_path / "e.skdeep"
    io.save(_embedder(A), path)
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    meta["params"]["graph"] = {  # the tag of files saved before sparse formats
        "__csr__": [{"__array__": [1.0, 1.0], "dtype": "float64"},
                    {"__array__": [1, 0], "dtype": "int32"},
                    {"__array__": [0, 1, 2], "dtype": "int32"}],
        "shape": [2, 2],
    }
    _rewrite(path, "meta.json", json.dumps(meta))
    loaded = io.load(path).graph
    assert isinstance(loaded, sp.csr_matrix) and (loaded != A).nnz == 0


def test_other_values_refused_with_parameter_named(tmp_path):
    ae = AutoencoderTransformer(optimizer=torch.optim.SGD)
    with pytest.raises(TypeError, match="parameter 'optimizer' of type type"):
        io.save(ae, tmp_path / "ae.skdeep")


# -- tampered files: nothing named in the JSON is imported or called (#23 item 3)


@pytest.mark.parametrize("target", ["subprocess.Popen", "os.system", "marker"])
def test_json_naming_an_importable_class_is_refused(target, fitted, tmp_path,
                                                     monkeypatch):
    import sys

    # A module whose import would leave a trace: it must never be imported.
    trace = tmp_path / "imported.txt"
    (tmp_path / "skdeep_io_marker.py").write_text(
        f"open({str(trace)!r}, 'w').write('imported')\n"
        "class Boom:\n    def __init__(self, **kw):\n        raise SystemExit\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    name = "skdeep_io_marker.Boom" if target == "marker" else target
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    meta["estimator"] = meta["class"] = name
    meta["params"]["random_state"] = {"__class__": name, "args": ["echo pwned"]}
    _rewrite(path, "meta.json", json.dumps(meta))
    with pytest.raises(ValueError, match=f"names estimator '{name}'.*refusing"):
        io.load(path)
    assert not trace.exists() and "skdeep_io_marker" not in sys.modules


def test_tagged_json_never_calls_anything(fitted, tmp_path):
    # A registered class with a parameter holding a made-up tag: the tag is
    # data (a dict), not a class to call.
    path = tmp_path / "ae.skdeep"
    io.save(AutoencoderTransformer(code_size=2), path)
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    meta["params"]["callbacks"] = [{"__class__": "os.system", "args": ["echo pwned"]}]
    _rewrite(path, "meta.json", json.dumps(meta))
    loaded = io.load(path)
    assert loaded.callbacks == [{"__class__": "os.system", "args": ["echo pwned"]}]


@pytest.mark.parametrize(
    "section, key",
    [("params", "evil"), ("attributes", "__class__"), ("attributes", "transform"),
     ("attributes", "module_"), ("attributes", "not a name_"), ("attributes", "plain")],
)
def test_unexpected_names_are_refused(section, key, fitted, tmp_path):
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    meta[section][key] = 1
    _rewrite(path, "meta.json", json.dumps(meta))
    with pytest.raises(ValueError, match="refusing to load it"):
        io.load(path)


def _round_trip(value, tmp_path):
    """``value`` through a saved parameter of an unfitted estimator."""
    from skdeep.cnn import CNNClassifier

    path = tmp_path / "value.skdeep"
    io.save(CNNClassifier(class_weight={"value": value}), path)
    return io.load(path).class_weight["value"]


def test_pandas_values_round_trip(tmp_path):
    import pandas as pd

    days = pd.date_range("2020-03-28", periods=4, freq="D", tz="Europe/Paris",
                         name="when")
    indexes = [
        pd.RangeIndex(3, 12, 3, name="r"),
        pd.period_range("1949-01", periods=5, freq="M"),
        days,
        pd.date_range("2021-01-01", periods=3, freq="h"),
        pd.Index([3, 1, 2]),
        pd.Index(["a", "b"], name=0),
    ]
    for index in indexes:
        back = _round_trip(index, tmp_path)
        assert type(back) is type(index) and back.equals(index)
        assert back.name == index.name and back.dtype == index.dtype
        assert getattr(back, "freq", None) == getattr(index, "freq", None)
    series = pd.Series([1.5, np.nan, 3.0], index=indexes[1][:3], name="y")
    pd.testing.assert_series_equal(_round_trip(series, tmp_path), series)
    frame = pd.DataFrame({"x": [1, 2], "label": ["u", "v"]}, index=days[:2])
    pd.testing.assert_frame_equal(_round_trip(frame, tmp_path), frame)
    # what the file cannot hold exactly is refused, naming the parameter
    refused = [pd.Series([1, 2], dtype="category"),
               pd.MultiIndex.from_tuples([(1, 2)])]
    for value in refused:
        with pytest.raises(TypeError, match="class_weight.*pickle or joblib"):
            _round_trip(value, tmp_path)


def test_forecasting_horizons_round_trip(tmp_path):
    import pandas as pd
    from sktime.forecasting.base import ForecastingHorizon

    for fh in [ForecastingHorizon([1, 2, 5]),
               ForecastingHorizon(pd.period_range("1961-01", periods=3, freq="M"),
                                  is_relative=False)]:
        back = _round_trip(fh, tmp_path)
        assert back.to_pandas().equals(fh.to_pandas())
        assert back.is_relative == fh.is_relative and back.freq == fh.freq


def test_lstm_forecaster_round_trip(tmp_path):
    import pandas as pd
    from sktime.datasets import load_longley

    from skdeep.recurrent import LSTMForecaster

    y, X = load_longley()
    forecaster = LSTMForecaster(max_epochs=2, hidden_size=8, random_state=0)
    forecaster.fit(y.iloc[:-3], X=X.iloc[:-3], fh=[1, 2, 3])
    io.save(forecaster, tmp_path / "forecaster.skdeep")
    loaded = io.load(tmp_path / "forecaster.skdeep")
    pd.testing.assert_series_equal(loaded.predict(X=X.iloc[-3:]),
                                   forecaster.predict(X=X.iloc[-3:]))
    # (16 points give 3 calibration origins: coverage 0.75 at most is finite)
    interval = loaded.predict_interval(X=X.iloc[-3:], coverage=0.5)
    assert np.all(np.isfinite(interval.to_numpy()))
    pd.testing.assert_frame_equal(
        interval, forecaster.predict_interval(X=X.iloc[-3:], coverage=0.5))
    # the loaded forecaster goes on as the original does
    for model in (loaded, forecaster):
        model.update(y.iloc[-3:-1], X=X.iloc[-3:-1], update_params=False)
    pd.testing.assert_series_equal(loaded.predict(fh=[1], X=X.iloc[-1:]),
                                   forecaster.predict(fh=[1], X=X.iloc[-1:]))


@pytest.mark.parametrize("change", [{"activation": "tanh"}, {"code_size": 3}])
def test_a_network_changed_by_set_params_since_fit_is_not_saved(change, data, tmp_path):
    # load rebuilds the network from the saved parameters: one that sets the
    # layers (activation) loaded as another model, silently; one that sets
    # the shapes (code_size) wrote a file that no load could read
    ae = AutoencoderTransformer(code_size=2, max_epochs=2, random_state=0).fit(data)
    ae.set_params(**change)
    path = tmp_path / "changed.skdeep"
    with pytest.raises(ValueError, match="changed with set_params since fit"):
        io.save(ae, path)
    assert not path.exists()
    ae.set_params(activation="relu", code_size=2)  # set back: saved as fitted
    io.save(ae, path)
    np.testing.assert_array_equal(io.load(path).transform(data), ae.transform(data))


@pytest.mark.parametrize("name, change", [
    ("SiameseTransformer", {"normalize": False}),
    ("RNNClassifier", {"readout": "mean"}),
    ("CNNClassifier", {"global_pooling": "max"}),
    ("CapsNetClassifier", {"routing_iters": 5}),
    ("ShapeletClassifier", {"alpha": 7.0}),
    ("GATClassifier", {"negative_slope": 0.5}),
    ("GraphSAGEClassifier", {"aggregator": "max"}),
    # (statistics in buffers a state_dict leaves out)
    ("PretrainedFeatureExtractor", {"normalize": ((0.5,), (0.25,))}),
])
def test_a_setting_changed_by_set_params_since_fit_is_not_saved(name, change,
                                                                tmp_path):
    # settings kept as plain module attributes (a readout, a pooling mode, L2
    # normalization, routing iterations) did not show in the modules'
    # repr: the file was written and loaded another model (outputs off by
    # up to 0.13)
    import skdeep
    from skdeep.utils.estimator_checks import _check_data, test_instances

    cls = skdeep.get_estimator(name)
    est = test_instances(cls)[0]
    if est.get_params().get(next(iter(change))) == next(iter(change.values())):
        pytest.skip("the test parameters already have that value")
    est.set_params(random_state=0).fit(*_check_data(est))
    est.set_params(**change)
    with pytest.raises(ValueError, match="changed with set_params since fit"):
        io.save(est, tmp_path / "changed.skdeep")


def test_an_rbf_kernel_changed_since_fit_is_not_saved(tmp_path):
    from skdeep.rbf import RBFNetworkRegressor

    X = np.random.RandomState(0).rand(30, 3)
    rbf = RBFNetworkRegressor(n_centers=4, random_state=0).fit(X, X.sum(1))
    rbf.set_params(kernel="multiquadric")  # the hybrid's module: no net_
    with pytest.raises(ValueError, match="fitted attribute 'module_hybrid_'"):
        io.save(rbf, tmp_path / "rbf.skdeep")


def test_metadata_requests_round_trip(data, tmp_path):
    # scikit-learn's routing state (set_fit_request) was taken for a fitted
    # attribute that could not be stored: such models could not be saved
    import sklearn

    from skdeep.rbf import RBFNetworkRegressor

    with sklearn.config_context(enable_metadata_routing=True):
        est = RBFNetworkRegressor(n_centers=4, random_state=0)
        est.set_fit_request(sample_weight=True).set_score_request(sample_weight=False)
        est.fit(data, data[:, 0], sample_weight=np.ones(len(data)))
    io.save(est, tmp_path / "routed.skdeep")
    loaded = io.load(tmp_path / "routed.skdeep")
    assert (loaded._metadata_request._serialize()
            == est._metadata_request._serialize()
            == {"fit": {"sample_weight": True}, "score": {"sample_weight": False}})
    np.testing.assert_array_equal(loaded.predict(data), est.predict(data))
    plain = AutoencoderTransformer(max_epochs=1)  # no requests: none stored
    io.save(plain, tmp_path / "plain.skdeep")
    assert "_metadata_request" not in vars(io.load(tmp_path / "plain.skdeep"))


@pytest.mark.parametrize("damage", ["compression method", "encrypted flag"])
def test_damaged_central_directory_fields_are_refused(damage, fitted, tmp_path):
    # zipfile raised NotImplementedError ("That compression method is not
    # supported") or RuntimeError ("password required"), not load's ValueError
    import struct

    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    raw = bytearray(path.read_bytes())
    entry = raw.find(b"PK\x01\x02")  # meta.json's central directory entry
    if damage == "compression method":
        raw[entry + 10 : entry + 12] = struct.pack("<H", 99)
    else:
        raw[entry + 8] |= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupted meta.json"):
        io.load(path)


def test_a_trained_model_without_its_weights_is_refused(fitted, tmp_path):
    # a file without state_dict.pt loaded as a half-fitted estimator whose
    # transform failed later with an AttributeError about net_
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    cut = tmp_path / "cut.skdeep"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(cut, "w") as dst:
        for item in src.infolist():
            if item.filename != "state_dict.pt":
                dst.writestr(item, src.read(item.filename))
    with pytest.raises(ValueError, match="history but no state_dict.pt"):
        io.load(tmp_path / "cut.skdeep")


@pytest.mark.parametrize("change, message", [
    (lambda meta: meta.pop("params"), "'params' is missing"),
    (lambda meta: meta.update(params=[]), "'params' is a list"),
    (lambda meta: meta.update(attributes=None), "'attributes' is a NoneType"),
    (lambda meta: meta.update(format_version=2, versions="0.2"),
     "has format version 2; this skdeep reads version 1"),
    (lambda meta: meta["params"].update(hidden_layer_sizes={"__sparse__": True}),
     "a saved value could not be decoded"),
    (lambda meta: meta["params"].update(device={"__device__": "bogus"}),
     "a saved value could not be decoded"),
])
def test_malformed_meta_json_is_a_clear_error(fitted, tmp_path, change, message):
    # valid JSON of another structure failed with KeyError, AttributeError,
    # TypeError or torch's RuntimeError instead of the documented ValueError
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    change(meta)
    _rewrite(path, "meta.json", json.dumps(meta))
    with pytest.raises(ValueError, match=message):
        io.load(path)


def test_saving_a_pipeline_says_it_is_not_registered(tmp_path):
    # the encoding of its parameters came first: "Cannot save parameter
    # 'steps' of type StandardScaler safely"
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), AutoencoderTransformer())
    with pytest.raises(TypeError, match="Pipeline is not registered with skdeep"):
        io.save(pipe, tmp_path / "pipe.skdeep")


@pytest.mark.parametrize("name", ["GCNClassifier", "SDNEEmbedder", "GEMSECEmbedder"])
def test_a_copied_graph_model_saves_and_loads(name, tmp_path):
    # fit left the module's graph attribute set to None, which pickle and
    # deepcopy dropped: a copy (joblib's, too) then differed from the network
    # its parameters rebuild, and save blamed a set_params call never made
    import copy
    import pickle

    import scipy.sparse as sp

    from skdeep import gnn, graph

    ids = np.arange(34).reshape(-1, 1)
    A = sp.csr_matrix(_adjacency())
    if name == "GCNClassifier":
        y = np.array([_karate().nodes[i]["club"] == "Officer" for i in range(34)])
        est = gnn.GCNClassifier(graph=A, hidden_layer_sizes=(4,), max_epochs=3,
                                random_state=0).fit(ids, y)
        out = est.predict_proba
    else:
        est = getattr(graph, name)(
            graph=A, dimensions=2, max_epochs=2, random_state=0,
            **({"walk_length": 5, "n_walks": 1} if name == "GEMSECEmbedder" else {}),
        ).fit(ids)
        out = est.transform
    for copied in (pickle.loads(pickle.dumps(est)), copy.deepcopy(est)):
        io.save(copied, tmp_path / "copy.skdeep")
        loaded = io.load(tmp_path / "copy.skdeep")
        method = "predict_proba" if name == "GCNClassifier" else "transform"
        np.testing.assert_array_equal(getattr(loaded, method)(ids), out(ids))


def test_loading_under_a_float64_default_dtype(fitted, data, tmp_path):
    # the network was rebuilt in the caller's default dtype: float64 weights
    # then refused float32 input ("mat1 and mat2 must have the same dtype")
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        loaded = io.load(path)
        Z = loaded.transform(data)
        loaded.partial_fit(data)
    finally:
        torch.set_default_dtype(previous)
    assert next(loaded.module_.parameters()).dtype == torch.float32
    np.testing.assert_array_equal(Z, fitted.transform(data))


def test_weights_that_do_not_fit_the_parameters_are_a_clear_error(fitted, tmp_path):
    # torch's "Error(s) in loading state_dict" came through unexplained
    path = tmp_path / "ae.skdeep"
    io.save(fitted, path)
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("meta.json"))
    meta["params"]["code_size"] = 3
    _rewrite(path, "meta.json", json.dumps(meta))
    with pytest.raises(ValueError, match="is corrupted: its networks could not be "
                       "restored.*RuntimeError"):
        io.load(path)


def test_load_device_is_checked_and_given_to_the_som(tmp_path):
    # the SOM has no torch weights: load(device=...) was neither checked nor
    # applied (its map stayed on the saved device)
    from skdeep.som import SOMClusterer

    som = SOMClusterer(2, n_columns=2, max_epochs=1, random_state=0)
    som.fit(np.random.RandomState(0).rand(20, 3))
    path = tmp_path / "som.skd"
    io.save(som.set_params(device=torch.device("cpu")), path)
    loaded = io.load(path, device="cpu")
    assert loaded.device == "cpu"
    np.testing.assert_array_equal(loaded.predict(som.cluster_centers_),
                                  som.predict(som.cluster_centers_))
    for bad, match in ((0, "device must be a str"), ("gpu", "Unknown device 'gpu'")):
        with pytest.raises(ValueError, match=match):
            io.load(path, device=bad)


def test_optimizer_states_a_load_could_not_apply(tmp_path):
    # set_params(head_lr=...) or optimizer= since fit: save wrote a file whose
    # optimizer state load could not put back (torch's ValueError), or which
    # loaded and failed at the next partial_fit (KeyError: 'betas')
    from skdeep.cnn import CNNClassifier

    X = np.random.RandomState(0).normal(size=(40, 1, 10, 10)).astype(np.float32)
    y = np.repeat([0, 1], 20)
    params = dict(conv_channels=(4,), max_epochs=1, batch_size=16, random_state=0)
    model = CNNClassifier(head_lr=0.1, **params).fit(X, y)
    state = torch.get_rng_state()
    io.save(model, tmp_path / "ok.skdeep")  # (the check draws nothing)
    assert torch.equal(state, torch.get_rng_state())
    for change in ({"head_lr": None}, {"optimizer": "sgd"}):
        changed = copy.deepcopy(model).set_params(**change)
        with pytest.raises(ValueError, match="optimizer_state=False"):
            io.save(changed, tmp_path / "bad.skdeep")
        io.save(changed, tmp_path / "weights.skdeep", optimizer_state=False)
        loaded = io.load(tmp_path / "weights.skdeep")
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
        loaded.partial_fit(X, y)
    # a file written before save refused them: the weights, and a warning
    with zipfile.ZipFile(tmp_path / "ok.skdeep") as src, zipfile.ZipFile(
            tmp_path / "old.skdeep", "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "meta.json":
                meta = json.loads(data)
                meta["params"]["head_lr"] = None
                data = json.dumps(meta)
            dst.writestr(item, data)
    with pytest.warns(UserWarning, match="optimizer starts afresh"):
        loaded = io.load(tmp_path / "old.skdeep")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_failed_save_leaves_the_file_there_as_it_was(data, tmp_path, monkeypatch):
    # the archive was written straight into the target: a save stopped
    # midway (a full disk, Ctrl-C) had emptied the good file already there
    model = AutoencoderTransformer(code_size=2, max_epochs=1, random_state=0).fit(data)
    path = tmp_path / "model.skdeep"
    io.save(model, path)
    before = path.read_bytes()
    calls = []
    writestr = zipfile.ZipFile.writestr

    def interrupted(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:
            raise KeyboardInterrupt
        return writestr(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupted)
    with pytest.raises(KeyboardInterrupt):
        io.save(model, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.skdeep"]  # nothing left
    np.testing.assert_array_equal(io.load(path).transform(data), model.transform(data))
    with pytest.raises(IsADirectoryError):
        io.save(model, tmp_path)


def test_save_keeps_links_permissions_and_file_objects(data, tmp_path):
    # the atomic save first replaced a link by a plain file (its target kept
    # the old model), reset a private file's mode to the umask's, refused
    # file objects and failed on names near the length limit
    import os
    import stat

    model = AutoencoderTransformer(code_size=2, max_epochs=1, random_state=0).fit(data)
    target = tmp_path / "target.skdeep"
    io.save(AutoencoderTransformer(code_size=3), target)
    os.chmod(target, 0o600)
    link = tmp_path / "link.skdeep"
    link.symlink_to(target)
    io.save(model, link)
    assert link.is_symlink() and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert io.load(target).code_size == 2
    buffer = _io.BytesIO()
    io.save(model, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(io.load(buffer).transform(data),
                                  model.transform(data))
    long = tmp_path / ("m" * 240 + ".skdeep")
    io.save(model, long)
    assert io.load(long).code_size == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["target.skdeep", "link.skdeep", long.name])
