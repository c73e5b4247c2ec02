"""PretrainedFeatureExtractor: torchvision backbones with weights from a local file."""

import pickle
import sys
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from skdeep import hookimpl
from skdeep.cnn._pretrained import PretrainedFeatureExtractor, _import_torchvision
from skdeep.plugins import get_registry
from skdeep.utils.estimator_checks import parametrize_with_checks

try:  # the optional "vision" extra
    torchvision = _import_torchvision()
except ImportError:
    pytest.skip("torchvision is not installed", allow_module_level=True)

IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).reshape(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).reshape(1, 3, 1, 1)


class _RegisterForIO:
    """skdeep.io saves registered estimators only. The cnn plugin registers the
    extractor when torchvision imported at registry load; else this does."""

    @staticmethod
    @hookimpl
    def register_estimators(register):
        register(PretrainedFeatureExtractor)


@pytest.fixture(scope="module", autouse=True)
def registered():
    registry = get_registry()
    if "PretrainedFeatureExtractor" in registry.estimators:
        yield
        return
    registry.register_plugin(_RegisterForIO(), "pretrained-test")
    yield
    registry.unregister_plugin("pretrained-test")


def _resnet18(seed=0, **kwargs):
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return torchvision.models.resnet18(weights=None, **kwargs).eval()


@pytest.fixture(scope="module")
def resnet_file(tmp_path_factory):
    """A state_dict file standing in for downloaded ImageNet weights."""
    path = tmp_path_factory.mktemp("weights") / "resnet18.pt"
    torch.save(_resnet18(seed=1).state_dict(), path)
    return path


@pytest.fixture(scope="module")
def images():
    return np.random.RandomState(0).randint(0, 256, size=(6, 3, 32, 32)).astype(
        np.float32
    )


def _penultimate(model, x):
    model.fc = nn.Identity()
    with torch.no_grad():
        return model(x).numpy()


def test_weights_round_trip(resnet_file, images):
    ext = PretrainedFeatureExtractor(weights_path=resnet_file).fit(images)
    expected = _penultimate(
        _resnet18(seed=1),
        (torch.from_numpy(images) / 255 - IMAGENET_MEAN) / IMAGENET_STD,
    )
    features = ext.transform(images)
    assert features.shape == (6, 512) and ext.n_features_out_ == 512
    assert features.dtype == np.float32
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-5)
    # random_state only seeds random weights; the file's weights win.
    other = PretrainedFeatureExtractor(weights_path=str(resnet_file), random_state=3)
    np.testing.assert_array_equal(other.fit_transform(images), features)


def test_random_weights_follow_random_state(images):
    a = PretrainedFeatureExtractor(random_state=0).fit_transform(images)
    b = PretrainedFeatureExtractor(random_state=0).fit_transform(images)
    c = PretrainedFeatureExtractor(random_state=1).fit_transform(images)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_layer_is_pooled(resnet_file, images):
    ext = PretrainedFeatureExtractor(
        weights_path=resnet_file, layer="layer3", input_range=None, normalize=None
    ).fit(images)
    model, seen = _resnet18(seed=1), {}
    model.layer3.register_forward_hook(lambda m, i, out: seen.setdefault("out", out))
    with torch.no_grad():
        model(torch.from_numpy(images))
    assert ext.n_features_out_ == 256
    np.testing.assert_allclose(
        ext.transform(images), seen["out"].mean(dim=(2, 3)).numpy(), rtol=1e-4,
        atol=1e-5,
    )
    assert ext.get_feature_names_out()[-1] == "pretrainedfeatureextractor255"


def test_grayscale_and_flat_rows(resnet_file):
    gray = np.random.RandomState(1).randint(0, 256, size=(5, 16, 16)).astype(np.uint8)
    ext = PretrainedFeatureExtractor(weights_path=resnet_file, resize=32)
    features = ext.fit_transform(gray)
    assert ext.input_shape_ == (1, 16, 16) and ext.n_features_in_ == 1
    assert features.dtype == np.float32  # uint8 in, float32 out
    # The same images as (n, 1, H, W), as RGB copies and as flat rows agree.
    rgb = np.repeat(gray[:, None], 3, axis=1)
    for X, params in (
        (gray[:, None], {}),
        (rgb, {}),
        (gray.reshape(5, -1), {"input_shape": (1, 16, 16)}),
    ):
        other = PretrainedFeatureExtractor(
            weights_path=resnet_file, resize=32, **params
        )
        np.testing.assert_allclose(
            other.fit_transform(X), features, rtol=1e-5, atol=1e-6
        )
    with pytest.raises(ValueError, match="reads 3-channel images, but X has 1"):
        PretrainedFeatureExtractor(grayscale=None).fit(gray)
    with pytest.raises(ValueError, match="X has 3 channels, but .* fitted on 1"):
        PretrainedFeatureExtractor(resize=32).fit(gray[:, None]).transform(rgb)
    with pytest.raises(ValueError, match=r"input_shape=\(1, 4, 4\) holds 16 values"):
        PretrainedFeatureExtractor(input_shape=(1, 4, 4)).fit(gray.reshape(5, -1))


def test_other_sizes_and_flat_rows_without_shape(resnet_file, images):
    ext = PretrainedFeatureExtractor(weights_path=resnet_file).fit(images)
    assert ext.transform(images[:, :, :24, :20]).shape == (6, 512)
    flat = PretrainedFeatureExtractor(resize=8, random_state=0).fit(np.ones((3, 7)))
    assert flat.input_shape_ == (1, 1, 7) and flat.transform(np.ones((2, 7))).shape == (
        2, 512)


def test_transform_of_images_the_network_cannot_read_says_so():
    # fit said it with a hint; transform of another size gave torch's error
    ext = PretrainedFeatureExtractor("squeezenet1_1", layer="features",
                                     random_state=0).fit(
        np.random.RandomState(0).randint(0, 256, size=(2, 3, 64, 64)))
    with pytest.raises(ValueError, match=r"cannot read images of shape \(3, 8, 8\)"
                                         r".*resize="):
        ext.transform(np.zeros((2, 3, 8, 8)))


def test_values_outside_input_range_warn(images):
    # float images in [0, 1] under the default 0-255 were taken as nearly
    # black, silently
    with pytest.warns(UserWarning, match=r"from 0 to 1, but input_range=\(0, 255\)"
                                         r".*pass input_range=\(0, 1\)"):
        PretrainedFeatureExtractor(resize=8, random_state=0).fit(images / 255)
    with pytest.warns(UserWarning, match="maps 0 and 16 to 0 and 1"):
        PretrainedFeatureExtractor(resize=8, input_range=(0, 16),
                                   random_state=0).fit(images)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for input_range, X in (((0, 255), images), ((0, 1), images / 255),
                               (None, images / 255)):
            PretrainedFeatureExtractor(resize=8, input_range=input_range,
                                       random_state=0).fit(X)


def test_wrong_file_errors(tmp_path, images):
    other = tmp_path / "mobilenet.pt"
    torch.save(torchvision.models.mobilenet_v3_small().state_dict(), other)
    with pytest.raises(ValueError, match=r"does not fit architecture 'resnet18'.*"
                       r"missing keys \['conv1.weight'"):
        PretrainedFeatureExtractor(weights_path=other).fit(images)
    missing = tmp_path / "nope.pt"
    with pytest.raises(FileNotFoundError, match="nope.pt.*no such file.*torch.save"):
        PretrainedFeatureExtractor(weights_path=missing).fit(images)
    model = tmp_path / "model.pt"
    torch.save(_resnet18(), model)  # the pickled module, not its state_dict
    with pytest.raises(ValueError, match="weights_only=True.*Save model.state_dict"):
        PretrainedFeatureExtractor(weights_path=model).fit(images)


def test_fine_tuned_head_needs_model_kwargs(tmp_path, images):
    path = tmp_path / "tuned.pt"
    torch.save(_resnet18(num_classes=10).state_dict(), path)
    with pytest.raises(ValueError, match=r"shape mismatches \['fc.weight: \(10, 512\)"):
        PretrainedFeatureExtractor(weights_path=path).fit(images)
    ext = PretrainedFeatureExtractor(
        weights_path=path, model_kwargs={"num_classes": 10}
    )
    assert ext.fit_transform(images).shape == (6, 512)
    with pytest.raises(ValueError, match="may not hold 'weights'"):
        PretrainedFeatureExtractor(model_kwargs={"weights": "DEFAULT"}).fit(images)


def test_parameter_errors(images):
    with pytest.raises(ValueError, match="Unknown architecture 'resnet19'.*resnet18"):
        PretrainedFeatureExtractor("resnet19").fit(images)
    with pytest.raises(ValueError, match="layer='layer9' is not a module.*'layer4'"):
        PretrainedFeatureExtractor(layer="layer9").fit(images)
    with pytest.raises(ValueError, match="no linear layer.*'features'"):
        PretrainedFeatureExtractor("squeezenet1_1").fit(images)
    with pytest.raises(ValueError, match="cannot read images of shape.*resize="):
        PretrainedFeatureExtractor("vgg11").fit(np.ones((2, 3, 8, 8)))
    with pytest.raises(NotFittedError):
        PretrainedFeatureExtractor().transform(images)
    bad = images.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PretrainedFeatureExtractor().fit(bad)



@pytest.mark.parametrize("normalize", [(0.5, 0.0), ((0.5,) * 3, (0.2, 0.0, 0.2)),
                                       (0.5, float("nan")), (float("inf"), 0.2)])
def test_normalize_refuses_a_zero_or_non_finite_std(images, normalize):
    # a zero std divided every feature into NaN, silently
    with pytest.raises(ValueError, match="normalize needs finite means and "
                                         "positive, finite standard deviations"):
        PretrainedFeatureExtractor(normalize=normalize, random_state=0).fit(images)


@pytest.mark.parametrize("input_range", [(), (2,), (5, 5), (0, float("inf"))])
def test_input_range_errors_name_the_parameter(images, input_range):
    # () or a 1-tuple ended in a bare "not enough values to unpack"
    with pytest.raises(ValueError, match="input_range must be \\(low, high\\)"):
        PretrainedFeatureExtractor(input_range=input_range, random_state=0).fit(images)


def test_missing_torchvision_is_a_clear_import_error(monkeypatch, images):
    monkeypatch.setitem(sys.modules, "torchvision", None)
    with pytest.raises(ImportError, match=r"pip install 'skdeep\[vision\]'"):
        PretrainedFeatureExtractor().fit(images)


def test_digits_pipeline_beats_chance():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X[:400].reshape(-1, 8, 8), y[:400], test_size=0.5, random_state=0
    )
    # Random (not pretrained) weights: a baseline that still beats chance (10%)
    # by far (0.965 here).
    pipe = make_pipeline(
        PretrainedFeatureExtractor(input_range=(0, 16), resize=32, random_state=0),
        StandardScaler(),
        LogisticRegression(max_iter=200),
    ).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.7


def test_deterministic_and_persistent(resnet_file, images, tmp_path):
    from skdeep import io

    ext = PretrainedFeatureExtractor(weights_path=resnet_file, batch_size=4).fit(images)
    first = ext.transform(images)
    np.testing.assert_array_equal(ext.transform(images), first)
    np.testing.assert_array_equal(ext.transform(images[3:]), first[3:])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ext)).transform(images),
                                  first)
    # The saved file holds the weights: loading needs no weights_path file.
    moved = tmp_path / "copy.pt"
    moved.write_bytes(resnet_file.read_bytes())
    ext = PretrainedFeatureExtractor(weights_path=moved, layer="layer2").fit(images)
    io.save(ext, tmp_path / "ext.skdeep")
    moved.unlink()
    loaded = io.load(tmp_path / "ext.skdeep")
    np.testing.assert_array_equal(loaded.transform(images), ext.transform(images))
    assert not loaded.model_.training


# (the checks' random data in [0, 1] meet the default input_range 0-255)
@pytest.mark.filterwarnings("ignore:PretrainedFeatureExtractor. X holds values")
@parametrize_with_checks([PretrainedFeatureExtractor])
def test_conformance(estimator, check):
    check(estimator)


def test_pickle_loads_in_a_fresh_process(images, tmp_path):
    # unpickling the torchvision module imported torchvision directly, which
    # fails beside a CPU-only torch ("operator torchvision::nms does not
    # exist") unless something had run _import_torchvision first
    import subprocess

    ext = PretrainedFeatureExtractor(architecture="mobilenet_v3_small",
                                     random_state=0).fit(images)
    (tmp_path / "ext.pkl").write_bytes(pickle.dumps(ext))
    np.save(tmp_path / "images.npy", images)
    np.save(tmp_path / "expected.npy", ext.transform(images))
    child = (
        "import pickle, numpy as np, pathlib; d = pathlib.Path(r'%s'); "
        "ext = pickle.loads((d / 'ext.pkl').read_bytes()); "
        "np.testing.assert_array_equal(ext.transform(np.load(d / 'images.npy')), "
        "np.load(d / 'expected.npy')); print('same')" % tmp_path
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True,
                          text=True, timeout=300)
    assert done.stdout.strip() == "same", done.stderr[-2000:]
