"""skdeep.io: safe save/load that never unpickles arbitrary code."""

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
