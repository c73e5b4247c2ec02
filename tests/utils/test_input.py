"""The series-input helpers shared by the time-series families."""

import numpy as np
import pytest

from skdeep.utils._input import check_trailing_nan_padding, pad_ragged_series


def test_pad_ragged_series():
    one_d = [np.arange(3.0), np.arange(5.0)]
    out = pad_ragged_series(one_d)
    assert out.shape == (2, 5) and np.isnan(out[0, 3:]).all()
    np.testing.assert_array_equal(out[1], np.arange(5.0))
    assert pad_ragged_series(one_d, max_length=7).shape == (2, 7)  # fitted length
    with pytest.raises(ValueError, match="A series has 5 time points, but Foo was "
                                         "fitted on series of at most 4"):
        pad_ragged_series(one_d, max_length=4, estimator_name="Foo")
    two_d = [np.ones((2, 3)), np.ones((2, 6))]
    assert pad_ragged_series(two_d, max_length=4).shape == (2, 2, 6)  # any length
    with pytest.raises(ValueError, match="different numbers of channels"):
        pad_ragged_series([np.ones((2, 3)), np.ones((3, 4))])
    with pytest.raises(ValueError, match="not both"):
        pad_ragged_series([np.ones(3), np.ones((1, 4))])
    # checked for series of one length too, which are otherwise left as they are
    with pytest.raises(ValueError, match=r"channels: 2, 3\..*time last"):
        pad_ragged_series([np.ones((2, 5)), np.ones((3, 5))])
    with pytest.raises(ValueError, match="not both"):
        pad_ragged_series([np.ones(4), np.ones((1, 4))])
    same = [[1.0, 2.0], [3.0, 4.0]]
    assert pad_ragged_series(same) is same  # nothing ragged: left to validation
    assert pad_ragged_series(same, max_length=2) is same  # the fitted length
    # one length below the fitted one (or one short series): padded to it
    # (they were left as they were, and refused as having too few features)
    for short in (same, same[:1]):
        out = pad_ragged_series(short, max_length=4)
        assert out.shape == (len(short), 4) and np.isnan(out[:, 2:]).all()
    with pytest.raises(ValueError, match="A series has 2 time points, but Foo"):
        pad_ragged_series(same, max_length=1, estimator_name="Foo")
    arr = np.ones((2, 3))
    assert pad_ragged_series(arr) is arr


def test_check_trailing_nan_padding():
    X = np.ones((2, 2, 5))
    X[0, :, 3:] = np.nan
    check_trailing_nan_padding(X)  # trailing whole steps: fine
    partial = X.copy()
    partial[1, 0, 4] = np.nan
    with pytest.raises(ValueError, match="some channels but not all at sample 1"):
        check_trailing_nan_padding(partial)
    inner = X.copy()
    inner[1, :, 2] = np.nan
    with pytest.raises(ValueError, match="NaN inside sample 1"):
        check_trailing_nan_padding(inner)
    empty = X.copy()
    empty[1] = np.nan
    with pytest.raises(ValueError, match="NaN only for sample 1"):
        check_trailing_nan_padding(empty)


def test_lists_of_frames_are_time_by_variable_panels():
    # sktime's df-list: one (n_timepoints, n_variables) frame per series; the
    # list was read as (n, T, C), a univariate panel as T channels of one
    # time point (silently, or a message about series too short)
    import pandas as pd

    from skdeep.capsule import CapsNetClassifier
    from skdeep.cnn import CNNClassifier
    from skdeep.recurrent import RNNClassifier
    from skdeep.signal import ShapeletClassifier

    rng = np.random.RandomState(0)
    X3 = rng.randn(12, 2, 24)
    y = np.repeat([0, 1], 6)
    X3[y == 1, 0, 4:9] += 2.0
    frames = [pd.DataFrame(x.T, columns=["a", "b"]) for x in X3]
    cut = [x[:, : 18 + i % 5] for i, x in enumerate(X3)]
    np.testing.assert_array_equal(pad_ragged_series([pd.DataFrame(x.T) for x in cut]),
                                  pad_ragged_series(cut))
    models = [
        RNNClassifier(hidden_size=4, max_epochs=1, random_state=0),
        CNNClassifier(conv_channels=(4,), max_epochs=1, random_state=0),
        ShapeletClassifier(n_shapelets=2, max_epochs=1, random_state=0),
        CapsNetClassifier(max_epochs=1, random_state=0),
    ]
    for model in models:
        from_frames = model.fit(frames, y).predict_proba(frames)
        np.testing.assert_array_equal(from_frames, model.fit(X3, y).predict_proba(X3),
                                      err_msg=type(model).__name__)
    # a list of Series is a univariate panel
    series = [pd.Series(x[0]) for x in X3]
    np.testing.assert_array_equal(pad_ragged_series(series[:2] + [series[2][:9]])[:2],
                                  X3[:2, 0])


def test_sktime_pandas_panels_get_a_clear_error():
    # nested_univ gave numpy's "setting an array element with a sequence"; a
    # multivariate pd-multiindex panel was featurized row by row, silently
    import pandas as pd

    from skdeep.cnn import CNNClassifier
    from skdeep.recurrent import RNNClassifier
    from skdeep.seq2seq import SequenceAutoencoder
    from skdeep.signal import ShapeletClassifier, WaveletFeaturizer

    rng = np.random.RandomState(0)
    X3 = rng.randn(6, 2, 12)
    y = np.repeat([0, 1], 3)
    nested = pd.DataFrame({f"c{c}": [pd.Series(x[c]) for x in X3] for c in range(2)})
    index = pd.MultiIndex.from_product([range(6), range(12)], names=["case", "t"])
    multi = pd.DataFrame(X3.transpose(0, 2, 1).reshape(-1, 2), index=index)
    for panel, kind in ((nested, "nested_univ"), (multi, "pd-multiindex")):
        # (a CNN on images reads no ragged series: refused on the other road)
        for model in (RNNClassifier(max_epochs=1), CNNClassifier(max_epochs=1),
                      CNNClassifier(conv_dims=2, max_epochs=1),
                      ShapeletClassifier(max_epochs=1)):
            with pytest.raises(ValueError, match=f"X is a {kind} panel"):
                model.fit(panel, y)
        with pytest.raises(ValueError, match="convert_to"):
            WaveletFeaturizer("haar", level=1).fit_transform(panel)
        with pytest.raises(ValueError, match=f"X is a {kind} panel"):
            SequenceAutoencoder(max_epochs=1).fit(panel)
    # a plain table of series (one row each) is still read as it was
    table = pd.DataFrame(X3[:, 0])
    assert WaveletFeaturizer("haar", level=1).fit_transform(table).shape[0] == 6
