"""Tests of the seq2seq family: Seq2SeqTranslator, SequenceAutoencoder and
BART's corruptions (``skdeep.seq2seq._noise``)."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skdeep import io
from skdeep.seq2seq import Seq2SeqTranslator, SequenceAutoencoder, _noise
from skdeep.seq2seq._sequences import (
    N_SPECIAL,
    UNK,
    build_vocabulary,
    encode_tokens,
)

ALPHABET = "abcde"

# Small, fast settings: the models below train in a second or two on one core.
FAST = dict(embedding_size=16, hidden_size=32, lr=0.02, batch_size=32, random_state=0)
TINY = dict(
    embedding_size=4, hidden_size=4, max_epochs=1, batch_size=16, random_state=0
)


def all_words(alphabet=ALPHABET, lengths=(3, 4), n=260, seed=0):
    """Distinct random words over ``alphabet``, shuffled deterministically."""
    rng = np.random.RandomState(seed)
    words = set()
    while len(words) < n:
        k = rng.choice(lengths)
        words.add("".join(rng.choice(list(alphabet), k)))
    words = sorted(words)
    rng.shuffle(words)
    return np.array(words)


WORDS = all_words()
TRAIN, TEST = WORDS[:200], WORDS[200:]


def reverse(words):
    return np.array([w[::-1] for w in words])


# -- BART's corruptions on position indices ------------------------------------


def _batch(n=64, width=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, width + 1, (n,), generator=g)
    lengths[0] = width  # one full row, one of length 1
    lengths[1] = 1
    index = torch.arange(width).expand(n, width).clone()
    return index, lengths


def _rows(index, lengths):
    return [row[:k].tolist() for row, k in zip(index, lengths.tolist())]


def test_mask_keeps_lengths_and_positions():
    torch.manual_seed(0)
    index, lengths = _batch()
    out, new_lengths = _noise.mask_tokens(index, lengths, 0.3)
    assert torch.equal(new_lengths, lengths)
    n_masked = 0
    for row, k in zip(_rows(out, lengths), lengths.tolist()):
        assert len(row) == k
        for j, v in enumerate(row):
            assert v in (-1, j)
        n_masked += row.count(-1)
    total = int(lengths.sum())
    assert 0.15 * total < n_masked < 0.45 * total  # about the rate


def test_delete_keeps_order_and_one_element():
    torch.manual_seed(0)
    index, lengths = _batch()
    out, new_lengths = _noise.delete_tokens(index, lengths, 0.9)
    assert (new_lengths >= 1).all() and (new_lengths <= lengths).all()
    assert new_lengths.sum() < lengths.sum()
    for row, k in zip(_rows(out, new_lengths), lengths.tolist()):
        assert all(0 <= v < k for v in row)
        assert row == sorted(set(row))  # increasing: order kept, no repeats
    # Rate 0 deletes nothing, rate 1 keeps exactly the first element.
    same, same_lengths = _noise.delete_tokens(index, lengths, 0.0)
    assert _rows(same, same_lengths) == _rows(index, lengths)
    first, first_lengths = _noise.delete_tokens(index, lengths, 1.0)
    assert (first_lengths == 1).all() and (first[:, 0] == 0).all()


def test_infill_spans_invariants():
    torch.manual_seed(0)
    index, lengths = _batch(n=128)
    out, new_lengths = _noise.infill_spans(index, lengths, 0.4)
    assert (new_lengths >= 1).all()
    n_masks = 0
    for row, k in zip(_rows(out, new_lengths), lengths.tolist()):
        kept = [v for v in row if v >= 0]
        assert kept == sorted(set(kept))  # each position at most once, in order
        assert all(v < k for v in kept)
        n_masks += row.count(-1)
        # Every run of removed positions is replaced by (at least) one mask.
        missing = sorted(set(range(k)) - set(kept))
        for v in missing:
            before = [j for j, u in enumerate(row) if 0 <= u < v]
            after = [j for j, u in enumerate(row) if u > v]
            lo = before[-1] if before else -1
            hi = after[0] if after else len(row)
            assert -1 in row[lo + 1 : hi], (row, v)
    assert n_masks > 0
    # Rate 0 leaves the batch as it was.
    same, same_lengths = _noise.infill_spans(index, lengths, 0.0)
    assert _rows(same, same_lengths) == _rows(index, lengths)


def test_infill_spans_cover_about_rate_of_the_elements():
    # spans started with probability rate / lam covered 1 - exp(-rate) of
    # the elements (overlaps merge): 26% at the default 0.3, 68% at 1
    torch.manual_seed(0)
    n, width = 1000, 100
    lengths = torch.full((n,), width)
    index = torch.arange(width).expand(n, width).clone()
    for rate in (0.15, 0.3, 0.6, 1.0):
        out, new_lengths = _noise.infill_spans(index, lengths, rate)
        valid = torch.arange(out.shape[1]) < new_lengths[:, None]
        kept = ((out >= 0) & valid).sum().item()
        covered = 1 - kept / (n * width)
        assert abs(covered - rate) < 0.04, (rate, covered)


def test_rotate_is_cyclic_shift():
    torch.manual_seed(0)
    index, lengths = _batch()
    out, new_lengths = _noise.rotate(index, lengths)
    assert torch.equal(new_lengths, lengths)
    shifts = set()
    for row, k in zip(_rows(out, lengths), lengths.tolist()):
        s = row[0]
        assert row == [(s + j) % k for j in range(k)]
        shifts.add(s)
    assert len(shifts) > 1  # rotations are drawn, not fixed
    kept, _ = _noise.rotate(index, lengths, rate=0.0)
    assert _rows(kept, lengths) == _rows(index, lengths)


def _segments(row, separators):
    segments, current = [], []
    for v in row:
        if v in separators:
            segments.append(tuple(current))
            current = []
        else:
            current.append(v)
    segments.append(tuple(current))
    return segments


def test_permute_segments_invariants():
    torch.manual_seed(0)
    n, width = 64, 15
    index, lengths = _batch(n, width)
    is_sep = torch.rand(n, width) < 0.25
    out, new_lengths = _noise.permute_segments(index, lengths, is_sep, rate=1.0)
    assert torch.equal(new_lengths, lengths)
    n_changed = 0
    for i, (row, k) in enumerate(zip(_rows(out, lengths), lengths.tolist())):
        separators = {j for j in range(k) if is_sep[i, j]}
        assert sorted(row) == list(range(k))  # same multiset of positions
        # Separators keep their count and their order, segments their inside.
        assert [v for v in row if v in separators] == sorted(separators)
        original = _segments(range(k), separators)
        permuted = _segments(row, separators)
        assert len(permuted) == len(original)
        assert sorted(permuted) == sorted(original)
        n_changed += row != list(range(k))
    assert n_changed > 0
    kept, _ = _noise.permute_segments(index, lengths, is_sep, rate=0.0)
    assert _rows(kept, lengths) == _rows(index, lengths)


def test_permute_segments_of_a_row_of_separators_only():
    # a full-width row of separators has width + 1 (empty) segments: the
    # segment tables had width columns, and gather indexed past them
    index = torch.tensor([[0, 1], [0, 1]])
    lengths = torch.tensor([2, 1])
    is_sep = torch.tensor([[True, True], [True, False]])
    out, new_lengths = _noise.permute_segments(index, lengths, is_sep, rate=1.0)
    assert _rows(out, new_lengths) == [[0, 1], [0]]
    X = np.array(["ab cd", "ef gh", "  ", " "])
    ae = SequenceAutoencoder(noise="permute", hidden_size=4, embedding_size=4,
                             max_epochs=1, batch_size=2, random_state=0).fit(X)
    assert ae.transform(X).shape == (4, 4)


def test_corrupt_composes_all_noises():
    torch.manual_seed(0)
    lengths = torch.tensor([10, 7, 1, 4])
    separators = torch.zeros(4, 10, dtype=torch.bool)
    separators[:, 3] = True
    noise = {name: rate for name, rate in _noise.NOISE_RATES.items()}
    index, new_lengths = _noise.corrupt(lengths, 10, noise, separators)
    assert index.shape[0] == 4 and (new_lengths >= 1).all()
    for row, k in zip(_rows(index, new_lengths), lengths.tolist()):
        kept = [v for v in row if v >= 0]
        assert len(kept) == len(set(kept)) and all(v < k for v in kept)
    # Without separators a sequence is one segment: permuting leaves it alone.
    index, same = _noise.corrupt(lengths, 10, {"permute": 1.0}, None)
    assert torch.equal(same, lengths)
    assert _rows(index, lengths) == [list(range(k)) for k in lengths.tolist()]


# -- learning ------------------------------------------------------------------


@pytest.fixture(scope="module", params=["bahdanau", "luong", None])
def reverser(request):
    """A translator that reverses words, one per attention type."""
    model = Seq2SeqTranslator(attention=request.param, max_epochs=30, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fitting clean data warns about nothing
        return model.fit(TRAIN, reverse(TRAIN))


def test_learns_reversal_of_held_out_words(reverser):
    # Chance is below 1/125 (the first three letters alone); the plain
    # encoder-decoder must squeeze the word into its code, so it learns slower.
    # Measured with random_state 0-3: 0.70-1.0 with attention, 0.40-0.52 without.
    accuracy = reverser.score(TEST, reverse(TEST))
    assert accuracy > (0.6 if reverser.attention else 0.25)
    pred = reverser.predict(TEST)
    assert isinstance(pred, np.ndarray) and pred.shape == (len(TEST),)
    assert all(isinstance(p, str) for p in pred)
    assert np.mean(pred == reverse(TEST)) == pytest.approx(accuracy)
    # Per character the plain model is right much more often than chance.
    chars = np.mean([a == b for p, t in zip(pred, reverse(TEST)) for a, b in zip(p, t)])
    assert chars > 0.7
    assert reverser.score(TRAIN, reverse(TRAIN)) >= accuracy - 0.1


def test_prediction_does_not_depend_on_batch(reverser):
    batch = reverser.predict(TEST[:40])
    alone = np.concatenate([reverser.predict(TEST[i : i + 1]) for i in range(0, 40, 7)])
    assert list(alone) == list(batch[::7])


def test_decoding_parameters_set_after_fit_are_checked(reverser):
    # read at prediction time, they were checked in fit only: beam_width=0
    # gave an IndexError, decoding="bogus" decoded greedily without a word
    from sklearn.utils._param_validation import InvalidParameterError

    for change in ({"decoding": "beam", "beam_width": 0}, {"decoding": "bogus"},
                   {"decoding": "beam", "length_penalty": -1.0}):
        model = copy.deepcopy(reverser).set_params(**change)
        with pytest.raises(InvalidParameterError, match="Seq2SeqTranslator"):
            model.predict(TEST[:2])


def test_beam_search(reverser):
    greedy = reverser.predict(TEST)
    model = copy.deepcopy(reverser).set_params(decoding="beam", beam_width=4)
    beam = model.predict(TEST)
    assert all(isinstance(p, str) and set(p) <= set(ALPHABET) for p in beam)
    assert len(beam) == len(TEST)
    if model.attention is not None:  # the attention of the chosen hypothesis
        for matrix, x, p in zip(model.predict_attention(TEST[:10]), TEST, beam):
            assert matrix.shape == (len(p) + 1, len(x))
            np.testing.assert_allclose(matrix.sum(axis=1), 1.0, rtol=1e-5)
    assert model.score(TEST, reverse(TEST)) >= reverser.score(TEST, reverse(TEST)) - 0.1
    # score_samples() scores the model's own (beam) prediction: the same
    # per-token log-likelihood, up to the renormalisation over the ids a
    # decoder never emits, as teacher-forcing that prediction.
    own = model.score_samples(TEST)
    forced = model.score_samples(TEST, beam)
    assert own.shape == (len(TEST),) and (own <= 0).all()
    assert (own >= forced - 1e-5).all()
    np.testing.assert_allclose(own, forced, atol=0.05)
    # Beam search keeps the likeliest hypotheses: with no length penalty its
    # total log-likelihood is rarely below greedy's.
    model.set_params(length_penalty=0.0)
    beam0 = model.predict(TEST)

    def total(y):  # the summed log-likelihood, the end token included
        return model.score_samples(TEST, y) * (np.char.str_len(y.astype(str)) + 1)

    assert np.mean(total(beam0) >= total(greedy) - 1e-4) > 0.9
    # A beam of one is greedy search.
    one = copy.deepcopy(reverser).set_params(decoding="beam", beam_width=1)
    assert list(one.predict(TEST)) == list(greedy)
    np.testing.assert_allclose(
        one.score_samples(TEST), reverser.score_samples(TEST), rtol=1e-5, atol=1e-6
    )


def test_beam_search_returns_a_finished_hypothesis_where_one_finished():
    # An unfinished hypothesis cut off at max_output_length paid for no end
    # token and outranked the finished ones in the beam: 'aaaa' became 15 a's.
    X = ["a" * k for k in range(1, 8)] * 5
    model = Seq2SeqTranslator(embedding_size=8, hidden_size=8, max_epochs=3,
                              batch_size=16, lr=0.02, random_state=0,
                              decoding="beam", beam_width=7).fit(X, X)
    prediction = model.predict(["aaaa"])[0]
    assert len(prediction) < model.max_output_length_
    assert model.predict_attention(["aaaa"])[0].shape == (len(prediction) + 1, 4)


def test_nul_characters_are_refused_not_dropped():
    # numpy string arrays drop trailing NULs: the symbol '\x00' became '', and
    # predictions came back empty
    with pytest.raises(ValueError, match="ends with a NUL character"):
        Seq2SeqTranslator(max_epochs=1).fit(["ab", "ba"] * 3, ["\x00", "a"] * 3)


def test_predict_attention(reverser):
    X = ["abc", "deab", "ccca", "e"]
    if reverser.attention is None:
        with pytest.raises(ValueError, match="has no attention"):
            reverser.predict_attention(X)
        return
    pred = reverser.predict(X)
    attention = reverser.predict_attention(X)
    assert isinstance(attention, list) and len(attention) == len(X)
    for matrix, x, p in zip(attention, X, pred):
        assert matrix.shape == (len(p) + 1, len(x))  # the end token's row last
        np.testing.assert_allclose(matrix.sum(axis=1), 1.0, rtol=1e-5)
        assert (matrix >= 0).all()
    # Reversing: the first output letter attends mostly to the last input letter.
    firsts = [m[0].argmax() == len(x) - 1 for m, x in zip(attention, X[:3])]
    assert sum(firsts) >= 2


def test_unknown_symbols_map_to_unk(reverser):
    X = ["xyz", "abz", "a?c"]
    pred = reverser.predict(X)
    assert pred.shape == (3,) and all(isinstance(p, str) for p in pred)
    assert all(set(p) <= set(ALPHABET) for p in pred)
    assert np.isfinite(reverser.score_samples(X)).all()
    assert np.isfinite(reverser.score_samples(X, ["zyx", "zba", "c?a"])).all()
    # An unknown target symbol can never be matched.
    assert reverser.score(["abc"], ["cbz"]) == 0.0
    ids, n_unknown = encode_tokens([list("abz")], reverser.source_vocabulary_)
    assert n_unknown == 1 and ids[0, 2] == UNK


@pytest.mark.parametrize("attention", ["bahdanau", "luong", None])
def test_teacher_forcing_schedule(attention):
    model = Seq2SeqTranslator(
        attention=attention,
        teacher_forcing=0.5,
        teacher_forcing_schedule="linear",
        **{**TINY, "max_epochs": 4},
    ).fit(TRAIN[:40], reverse(TRAIN[:40]))
    losses = model.history_[:, "train_loss"]
    assert len(losses) == 4 and np.isfinite(losses).all()
    # The last epoch fed the truth with probability 0.5 * (1 - 3/4).
    assert model.net_.module_.teacher_forcing == pytest.approx(0.125)
    assert model.predict(TEST[:5]).shape == (5,)
    constant = Seq2SeqTranslator(teacher_forcing=0.3, **TINY).fit(
        TRAIN[:40], TRAIN[:40]
    )
    assert constant.net_.module_.teacher_forcing == pytest.approx(0.3)


def test_series_to_series_beats_the_mean():
    rng = np.random.RandomState(0)
    t = np.arange(12)

    def waves(n):
        freq = rng.uniform(0.3, 0.8, n)[:, None]
        phase = rng.uniform(0, 2 * np.pi, n)[:, None]
        return np.sin(freq * t + phase)

    X, X_test = waves(160), waves(40)
    model = Seq2SeqTranslator(attention="luong", max_epochs=25, **FAST)
    model.fit(X, X[:, ::-1])
    pred = model.predict(X_test)
    assert pred.shape == X_test.shape and np.isfinite(pred).all()
    assert model.score(X_test, X_test[:, ::-1]) > 0.5  # R^2; the mean scores 0
    assert model.n_features_in_ == 12
    scores = model.score_samples(X_test, X_test[:, ::-1])
    assert scores.shape == (40,) and (scores <= 0).all()
    with pytest.raises(ValueError, match="needs the targets y"):
        model.score_samples(X_test)


def test_grid_search_and_pipeline():
    search = GridSearchCV(
        Seq2SeqTranslator(**{**TINY, "max_epochs": 3}),
        {"hidden_size": [4, 8]},
        cv=2,
    ).fit(TRAIN[:60], reverse(TRAIN[:60]))
    assert search.best_params_["hidden_size"] in (4, 8)
    assert 0.0 <= search.best_score_ <= 1.0
    assert search.predict(TEST[:3]).shape == (3,)
    # Autoencoder codes as features: does the word start with "a"?
    y = np.array([w[0] == "a" for w in TRAIN])
    pipe = make_pipeline(
        SequenceAutoencoder(max_epochs=15, **{**FAST, "hidden_size": 16}),
        LogisticRegression(),
    ).fit(TRAIN, y)
    assert pipe.score(TEST, np.array([w[0] == "a" for w in TEST])) > 0.75
    names = pipe[0].get_feature_names_out()
    assert len(names) == 16 and names[0] == "sequenceautoencoder0"


# -- kinds of sequences --------------------------------------------------------

SOURCES = np.array(["abc", "bcd", "cab", "dab", "abcd", "bb", "dcba", "a"])
N = len(SOURCES)


def _float_list(rng, channels=None):
    lengths = [3, 4, 5, 3, 2, 6, 4, 1]
    shape = (lambda k: (k,)) if channels is None else (lambda k: (channels, k))
    return [rng.randn(*shape(k)) for k in lengths]


def test_text_targets_give_strings():
    model = Seq2SeqTranslator(**TINY).fit(SOURCES, SOURCES)
    pred = model.predict(SOURCES)
    assert isinstance(pred, np.ndarray) and pred.shape == (N,)
    assert all(isinstance(p, str) for p in pred)
    assert model.target_format_["kind"] == "text"
    # Words: tokens are joined back with spaces.
    words = ["the cat sat", "a dog", "the dog sat down", "a cat"] * 2
    model = Seq2SeqTranslator(tokenizer="word", **TINY).fit(words, words)
    assert set(model.target_vocabulary_) == {"the", "cat", "sat", "a", "dog", "down"}
    for p in model.predict(words):
        assert set(p.split()) <= set(model.target_vocabulary_)
    # A callable tokenizer.
    model = Seq2SeqTranslator(tokenizer=lambda s: s.split("-"), **TINY)
    model.fit(["ab-cd", "cd-ef", "ab", "ef-ab"], ["x", "y", "z", "x"])
    assert sorted(model.source_vocabulary_) == ["ab", "cd", "ef"]
    for bad in (lambda s: [len(s)], len):
        with pytest.raises(TypeError, match="tokenizer must return a list of str"):
            Seq2SeqTranslator(tokenizer=bad, **TINY).fit(["ab", "cd"], ["a", "b"])


def test_pandas_series_in_a_list_are_their_arrays():
    # a list of pandas Series was refused ("found Series"), as the recurrent
    # estimators read it
    import pandas as pd

    rng = np.random.RandomState(0)
    arrays = _float_list(rng)
    series = [pd.Series(a) for a in arrays]
    a = SequenceAutoencoder(**TINY).fit(arrays).transform(arrays)
    np.testing.assert_array_equal(SequenceAutoencoder(**TINY).fit(series)
                                  .transform(series), a)
    words = [pd.Series(list(w)) for w in SOURCES]
    model = Seq2SeqTranslator(**TINY).fit(words, SOURCES)
    assert sorted(model.source_vocabulary_) == ["a", "b", "c", "d"]
    # steps-by-channels series (time first) were a bare numpy error
    with pytest.raises(ValueError, match=r"channels: 1, 2, 3, 4, \.\.\..*time last"):
        SequenceAutoencoder(**TINY).fit([a.T for a in _float_list(rng, 2)])


def test_pretokenized_lists_of_strings():
    X = [["the", "cat"], ["a", "dog"], ["the", "dog"], ["a", "cat"]] * 5
    model = Seq2SeqTranslator(**TINY).fit(X, X)
    assert sorted(model.source_vocabulary_) == ["a", "cat", "dog", "the"]
    pred = model.predict([["the", "cat"], ["a", "bird"]])
    assert pred.dtype == object and len(pred) == 2
    assert all(isinstance(row, list) for row in pred)
    assert all(isinstance(t, str) for row in pred for t in row)
    # a 2-D array of string tokens is the same input (it was refused as
    # mixing sequence types)
    array = np.array(X)
    np.testing.assert_array_equal(
        Seq2SeqTranslator(**TINY).fit(array, X).predict(array[:4]),
        model.predict(X[:4]))


@pytest.mark.parametrize("same_length", [False, True])
def test_ragged_targets_give_object_array_of_lists(same_length):
    y = [[1, 2], [3], [4, 5, 6], [1], [2, 2], [7, 8], [9], [10, 3, 1]]
    if same_length:
        y = [[a, a + 1] for a in range(N)]
    model = Seq2SeqTranslator(**TINY).fit(SOURCES, y)
    pred = model.predict(SOURCES)
    assert isinstance(pred, np.ndarray) and pred.dtype == object and pred.shape == (N,)
    seen = {v for row in y for v in row}
    for row in pred:
        assert isinstance(row, list)
        assert all(isinstance(v, int) and v in seen for v in row)
    # Ragged token ids as sources (numpy rows too).
    model = Seq2SeqTranslator(**TINY).fit([np.array(r) for r in y], SOURCES)
    assert model.source_format_["kind"] == "ragged"
    assert model.predict(y).shape == (N,)
    assert not hasattr(model, "n_features_in_")


def test_padded_token_array_keeps_width():
    y = np.array(
        [
            [1, 2, -1, -1],
            [3, -1, -1, -1],
            [4, 5, 6, 7],
            [1, -1, -1, -1],
            [2, 2, -1, -1],
            [7, 8, -1, -1],
            [9, -1, -1, -1],
            [1, 3, 5, -1],
        ]
    )
    model = Seq2SeqTranslator(**TINY).fit(SOURCES, y)
    pred = model.predict(SOURCES)
    # the array's width, and one column more only where a prediction did not
    # end within it (max_output_length_: four tokens and the end token)
    assert model.max_output_length_ == 5
    assert pred.dtype.kind == "i" and pred.shape[0] == N and pred.shape[1] in (4, 5)
    assert np.isin(pred, np.r_[-1, y[y >= 0]]).all()
    for row in pred:  # -1 only at the end
        pad = row == -1
        assert not (pad[:-1] & ~pad[1:]).any()
    # Without padding the rows have one fixed length: exactly that many ids
    # are emitted, never the end token.
    fixed = np.abs(y)
    model = Seq2SeqTranslator(**TINY).fit(SOURCES, fixed)
    assert model.target_format_["fixed"] and model.max_output_length_ == 4
    pred = model.predict(SOURCES)
    assert pred.shape == (N, 4) and (pred >= 0).all()
    # Token arrays as sources set n_features_in_.
    model = Seq2SeqTranslator(**TINY).fit(y, SOURCES)
    assert model.n_features_in_ == 4 and model.predict(y[:3]).shape == (3,)


def test_scalar_token_targets_give_1d_ints():
    y = np.array([0, 1, 2, 0, 1, 2, 7, 7])
    model = Seq2SeqTranslator(**TINY).fit(SOURCES, y)
    pred = model.predict(SOURCES)
    assert pred.shape == (N,) and pred.dtype.kind == "i"
    assert np.isin(pred, y).all()
    assert model.max_output_length_ == 1


@pytest.mark.parametrize("shape", [(N, 5), (N, 2, 5)])
def test_series_targets_keep_their_shape(shape):
    y = np.random.RandomState(0).randn(*shape)
    model = Seq2SeqTranslator(**TINY).fit(SOURCES, y)
    pred = model.predict(SOURCES)
    assert pred.shape == shape and pred.dtype == np.float64
    assert np.isfinite(pred).all()  # fixed length: no NaN padding
    # NaN-padded targets: predictions have the same width, NaN after the end.
    padded = y.copy()
    padded[:, ..., 3:] = np.nan
    pred = Seq2SeqTranslator(**TINY).fit(SOURCES, padded).predict(SOURCES)
    assert pred.shape == shape
    for row in pred.reshape(N, -1, 5):
        steps = ~np.isnan(row).all(axis=0)
        assert steps[0] and not (~steps[:-1] & steps[1:]).any()


@pytest.mark.parametrize("channels", [None, 2])
def test_list_of_series_gives_list(channels):
    rng = np.random.RandomState(0)
    y = _float_list(rng, channels)
    model = Seq2SeqTranslator(**TINY).fit(SOURCES, y)
    pred = model.predict(SOURCES)
    assert isinstance(pred, list) and len(pred) == N
    for p in pred:
        assert isinstance(p, np.ndarray) and np.isfinite(p).all()
        if channels is None:
            assert p.ndim == 1 and 1 <= len(p) <= model.max_output_length_
        else:
            assert p.ndim == 2 and p.shape[0] == 2
    # Lists of series as sources too.
    model = Seq2SeqTranslator(**TINY).fit(y, SOURCES)
    assert model.predict(y).shape == (N,)


def test_scalar_series_targets():
    y = np.random.RandomState(0).randn(N)
    model = Seq2SeqTranslator(**TINY).fit(SOURCES, y)
    pred = model.predict(SOURCES)
    assert pred.shape == (N,) and pred.dtype == np.float64
    assert np.isfinite(model.score(SOURCES, y))


# -- vocabularies and truncation -----------------------------------------------


def test_vocabulary_min_frequency_and_max_vocabulary():
    X = ["aaab", "aab", "abc", "aaz"]  # a: 8, b: 3, c: 1, z: 1
    y = ["x", "x", "y", "q"]
    model = Seq2SeqTranslator(min_frequency=2, **TINY).fit(X, y)
    assert model.source_vocabulary_.tolist() == ["a", "b"]
    assert model.target_vocabulary_.tolist() == ["x"]
    ids, n_unknown = encode_tokens([list("abcz")], model.source_vocabulary_)
    assert ids[0].tolist() == [N_SPECIAL, N_SPECIAL + 1, UNK, UNK] and n_unknown == 2
    model = Seq2SeqTranslator(max_vocabulary=1, **TINY).fit(X, y)
    assert model.source_vocabulary_.tolist() == ["a"]
    assert model.target_vocabulary_.tolist() == ["x"]
    assert all(set(p) <= {"x"} for p in model.predict(X))
    # Ties are broken by the symbol, not by the order of the data.
    assert build_vocabulary([list("cb"), list("bc")], max_vocabulary=1).tolist() == [
        "b"
    ]
    assert build_vocabulary([[3, 1], [1, 3]], max_vocabulary=1).tolist() == [1]
    with pytest.raises(ValueError, match="No token occurs at least min_frequency=9"):
        Seq2SeqTranslator(min_frequency=9, **TINY).fit(X, y)


def test_max_length_truncates_with_a_warning():
    X = ["abcdefg", "abc", "abcdef", "ab"]
    with pytest.warns(
        UserWarning, match=r"2 sequence\(s\) of X are longer than max_length=4"
    ):
        model = Seq2SeqTranslator(max_length=4, **TINY).fit(X, X)
    with pytest.warns(UserWarning, match="longer than max_length=4") as seen:
        model.predict(["abcdef"])
    assert seen[0].filename == __file__  # the caller's line, not skdeep's
    assert model.predict_attention(["abcd"])[0].shape[1] == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(["abcd", "a"])  # not too long: no warning
    with pytest.warns(UserWarning, match="longer than max_length=3"):
        Seq2SeqTranslator(max_length=3, **TINY).fit(np.ones((4, 6)), np.ones((4, 2)))
    # Targets are cut to max_output_length, leaving a place for the end token.
    with pytest.warns(UserWarning, match=r"max_output_length \(minus one"):
        model = Seq2SeqTranslator(max_output_length=3, **TINY).fit(X, X)
    assert model.max_output_length_ == 3
    assert all(len(p) <= 3 for p in model.predict(X))
    # By default predictions may be twice as long as the longest target.
    assert Seq2SeqTranslator(**TINY).fit(X, X).max_output_length_ == 15


# -- errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, error, match",
    [
        (["abc", ""], ValueError, r"1 empty sequence\(s\), first at index 1"),
        ([[1, 2], []], ValueError, "empty sequence"),
        ([], ValueError, "0 sample"),
        ("abc", ValueError, "not a single string"),
        (None, ValueError, "requires X to be passed"),
        (["abc", 3], TypeError, "mixes strings with other types"),
        ([["a", "b"], ["c", 1]], TypeError, "mixes sequence types"),
        ([[1, 2], [1.5, 2.0]], TypeError, "mixes sequence types"),
        # a missing value read as a mix of types (int and object, ...)
        ([[1, 2], [3, None]], ValueError, "missing value .* in sequence 1"),
        ([[1, np.nan], [3, 4]], ValueError, "missing value .* in sequence 0"),
        ([["a", None], ["b"]], ValueError, "missing value .* in sequence 0"),
        ([[1.0, None, 2.0], [1.0]], ValueError, "missing value .* in sequence 0"),
        ([[1, 2], [3, -2]], ValueError, "negative token id -2"),
        ([[1, -1], [3, 4]], ValueError, "negative token id -1"),
        (np.array([[1, 2], [3, -2]]), ValueError, r"X\[1, 1\] = -2"),
        (np.array([[1, -1, 2], [3, 4, -1]]), ValueError, "padding .* before a token"),
        (np.array([[-1, -1], [3, 4]]), ValueError, "holds only padding"),
        (
            np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]]),
            ValueError,
            "NaN inside sample 0",
        ),
        (np.array([[1.0, np.inf, 2.0], [1.0, 2.0, 3.0]]), ValueError, "infinity"),
        ([np.array([1.0, np.nan, 2.0]), np.ones(2)], ValueError, "NaN inside sample 0"),
        (np.ones(4), ValueError, "Expected 2D array"),
        (np.ones((2, 2, 2, 2)), ValueError, "got an array with shape"),
        (np.ones((2, 0)), ValueError, "0 time points|0 feature"),
        (5, ValueError, "a collection of sequences; got a scalar int"),  # TypeError
    ],
)
def test_bad_inputs_raise_clear_errors(X, error, match):
    with pytest.raises(error, match=match):
        Seq2SeqTranslator(**TINY).fit(X, ["ab"] * 2)
    with pytest.raises(error, match=match):
        SequenceAutoencoder(**TINY).fit(X)


def test_a_memoryview_is_read_as_its_array():
    # (np.isscalar calls every memoryview a scalar: "got a scalar memoryview")
    series = np.random.RandomState(0).randn(8, 6)
    model = SequenceAutoencoder(**TINY)
    np.testing.assert_array_equal(
        model.fit(memoryview(series)).transform(memoryview(series)),
        clone(model).fit(series).transform(series))


def test_bad_targets_raise_clear_errors():
    with pytest.raises(ValueError, match="requires y to be passed"):
        Seq2SeqTranslator(**TINY).fit(["ab", "cd"], None)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Seq2SeqTranslator(**TINY).fit(["ab", "cd"], ["a", "b", "c"])
    with pytest.raises(ValueError, match="minimum of 2"):
        Seq2SeqTranslator(**TINY).fit(["ab"], ["a"])
    with pytest.raises(ValueError, match=r"y\[0, 1\] = -3"):
        Seq2SeqTranslator(**TINY).fit(["ab", "cd"], np.array([[1, -3], [1, 2]]))
    with pytest.raises(ValueError, match="empty sequence"):
        Seq2SeqTranslator(**TINY).fit(["ab", "cd"], ["a", ""])


@pytest.fixture(scope="module")
def tiny_models():
    rng = np.random.RandomState(0)
    series = rng.randn(8, 6)
    return {
        "text": Seq2SeqTranslator(**TINY).fit(SOURCES, SOURCES),
        "series": Seq2SeqTranslator(**TINY).fit(series, series),
        "tokens": Seq2SeqTranslator(**TINY).fit(
            np.abs(rng.randint(0, 5, (8, 3))), SOURCES
        ),
        "plain": Seq2SeqTranslator(attention=None, **TINY).fit(SOURCES, SOURCES),
        "ae": SequenceAutoencoder(**TINY).fit(SOURCES),
        "ae_attention": SequenceAutoencoder(attention="luong", **TINY).fit(SOURCES),
        "ae_series": SequenceAutoencoder(**TINY).fit(series),
    }


def test_predict_time_errors(tiny_models):
    text, series, tokens = (
        tiny_models["text"],
        tiny_models["series"],
        tiny_models["tokens"],
    )
    with pytest.raises(ValueError, match="fitted on token X but X now holds series"):
        text.predict(np.ones((2, 6)))
    with pytest.raises(ValueError, match="fitted on series X but X now holds tokens"):
        series.predict(["abc"])
    with pytest.raises(
        ValueError, match="X has 5 features, but Seq2SeqTranslator is expecting 6"
    ):
        series.predict(np.ones((2, 5)))
    with pytest.raises(ValueError, match="X has 4 features, but .* expecting 3"):
        tokens.predict(np.ones((2, 4), dtype=int))
    with pytest.raises(
        ValueError, match="X has 2 channels, but .* fitted on 1 channels"
    ):
        series.predict(np.ones((2, 2, 6)))
    # the same series as (n, 1, T) said "X has 1 features"
    with pytest.raises(ValueError, match="fitted on 2-D series input but X is 3-D"):
        series.predict(np.ones((2, 1, 6)))
    with pytest.raises(ValueError, match="NaN inside sample 1"):
        series.predict(np.array([[1.0] * 6, [1.0, np.nan] + [1.0] * 4]))
    with pytest.raises(ValueError, match="infinity"):
        series.predict(np.full((1, 6), np.inf))
    with pytest.raises(ValueError, match="has no attention"):
        tiny_models["plain"].predict_attention(["abc"])
    # (no inverse_transform with attention: hasattr, and so Pipeline, see it)
    ae = tiny_models["ae_attention"]
    assert not hasattr(ae, "inverse_transform")
    assert hasattr(tiny_models["ae"], "inverse_transform")
    with pytest.raises(AttributeError, match="has no attribute 'inverse_transform'"):
        ae.inverse_transform(ae.transform(["abc"]))
    unfitted = SequenceAutoencoder(attention="luong")
    assert not hasattr(unfitted, "inverse_transform")
    assert hasattr(unfitted.set_params(attention=None), "inverse_transform")
    with pytest.raises(ValueError, match="X has 3 features, but inverse_transform"):
        tiny_models["ae"].inverse_transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="X has 2 features, but SequenceAutoencoder"):
        tiny_models["ae_series"].transform(np.ones((2, 2)))


@pytest.mark.parametrize(
    "method, args",
    [
        ("predict", (SOURCES,)),
        ("predict_attention", (SOURCES,)),
        ("score", (SOURCES, SOURCES)),
        ("score_samples", (SOURCES,)),
    ],
)
def test_unfitted_translator(method, args):
    with pytest.raises(NotFittedError):
        getattr(Seq2SeqTranslator(), method)(*args)


@pytest.mark.parametrize("method", ["transform", "inverse_transform", "score_samples"])
def test_unfitted_autoencoder(method):
    X = np.zeros((2, 4)) if method == "inverse_transform" else SOURCES
    with pytest.raises(NotFittedError):
        getattr(SequenceAutoencoder(), method)(X)


@pytest.mark.parametrize(
    "noise, X, match",
    [
        ("shuffle", SOURCES, r"Unknown noise \['shuffle'\]"),
        (["mask", "drop"], SOURCES, r"Unknown noise \['drop'\]"),
        ({"mask": 1.5}, SOURCES, r"rate of noise 'mask' must be in \[0, 1\]"),
        ("permute", np.ones((4, 5)), "series have no separators"),
        (["mask", "permute"], [np.ones(3), np.ones(4)], "series have no separators"),
    ],
)
def test_bad_noise(noise, X, match):
    with pytest.raises(ValueError, match=match):
        SequenceAutoencoder(noise=noise, **TINY).fit(X)


# -- determinism and persistence -----------------------------------------------


def test_random_state_makes_fits_identical():
    kwargs = dict(FAST, max_epochs=3)
    a = Seq2SeqTranslator(**kwargs).fit(TRAIN[:64], reverse(TRAIN[:64]))
    b = Seq2SeqTranslator(**kwargs).fit(TRAIN[:64], reverse(TRAIN[:64]))
    assert list(a.predict(TEST)) == list(b.predict(TEST))
    np.testing.assert_array_equal(a.score_samples(TEST), b.score_samples(TEST))
    ae_kwargs = dict(FAST, max_epochs=2, noise=["infill", "mask", "rotate"])
    c = SequenceAutoencoder(**ae_kwargs).fit(TRAIN[:64])
    d = SequenceAutoencoder(**ae_kwargs).fit(TRAIN[:64])
    np.testing.assert_array_equal(c.transform(TEST), d.transform(TEST))
    e = SequenceAutoencoder(**{**ae_kwargs, "random_state": 1}).fit(TRAIN[:64])
    assert not np.allclose(c.transform(TEST), e.transform(TEST))


@pytest.mark.parametrize("kind", ["text", "series", "tokens"])
def test_save_load_and_pickle(tiny_models, kind, tmp_path):
    model = tiny_models[kind]
    X = {
        "text": SOURCES,
        "series": np.random.RandomState(1).randn(5, 6),
        "tokens": np.array([[1, 2, 3], [4, 0, 0]]),
    }[kind]
    for loaded in (
        pickle.loads(pickle.dumps(model)),
        io.load(io.save(model, tmp_path / "m.skdeep") or tmp_path / "m.skdeep"),
    ):
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        assert loaded.source_format_ == model.source_format_
        assert loaded.target_format_ == model.target_format_
        assert loaded.max_output_length_ == model.max_output_length_
        for name in ("source_vocabulary_", "target_vocabulary_"):
            if getattr(model, name) is None:
                assert getattr(loaded, name) is None
            else:
                np.testing.assert_array_equal(
                    getattr(loaded, name), getattr(model, name)
                )
        if kind == "text":
            np.testing.assert_allclose(
                loaded.predict_attention(X)[0], model.predict_attention(X)[0]
            )


def test_autoencoder_save_load(tiny_models, tmp_path):
    ae = tiny_models["ae"]
    io.save(ae, tmp_path / "ae.skdeep")
    for loaded in (io.load(tmp_path / "ae.skdeep"), pickle.loads(pickle.dumps(ae))):
        np.testing.assert_array_equal(loaded.vocabulary_, ae.vocabulary_)
        assert loaded.noise_ == ae.noise_
        np.testing.assert_array_equal(loaded.transform(SOURCES), ae.transform(SOURCES))
        assert list(loaded.inverse_transform(ae.transform(SOURCES))) == list(
            ae.inverse_transform(ae.transform(SOURCES))
        )
    noisy = SequenceAutoencoder(noise={"mask": 0.2, "infill": 0.3}, **TINY).fit(SOURCES)
    io.save(noisy, tmp_path / "noisy.skdeep")
    loaded = io.load(tmp_path / "noisy.skdeep")
    assert loaded.noise_ == {"mask": 0.2, "infill": 0.3}
    np.testing.assert_array_equal(
        loaded.score_samples(SOURCES), noisy.score_samples(SOURCES)
    )


# -- the autoencoder -----------------------------------------------------------


def sorted_words(n, seed, alphabet="abcdefgh"):
    """Words whose letters never decrease ("aceg", "bbdh", ...)."""
    rng = np.random.RandomState(seed)
    return np.array(
        [
            "".join(sorted(rng.choice(list(alphabet), rng.randint(3, 6))))
            for _ in range(n)
        ]
    )


@pytest.fixture(scope="module")
def autoencoder():
    X = sorted_words(240, seed=0)
    return SequenceAutoencoder(max_epochs=60, **FAST).fit(X), X


def test_autoencoder_reconstructs_training_words(autoencoder):
    ae, X = autoencoder
    codes = ae.transform(X)
    assert codes.shape == (len(X), 32) and codes.dtype == np.float64
    assert np.isfinite(codes).all() and np.abs(codes).max() <= 1  # tanh codes
    restored = ae.inverse_transform(codes)
    assert isinstance(restored, np.ndarray) and all(
        isinstance(s, str) for s in restored
    )
    assert np.mean(restored == X) > 0.9
    assert ae.get_feature_names_out().tolist() == [
        f"sequenceautoencoder{i}" for i in range(32)
    ]
    # fit_transform is fit then transform (same seed, same data).
    ae2 = copy.deepcopy(ae).set_params(max_epochs=2)
    np.testing.assert_allclose(ae2.fit_transform(X[:50]), ae2.transform(X[:50]))


def test_autoencoder_score_samples_flags_unusual_strings(autoencoder):
    ae, X = autoencoder
    typical = sorted_words(60, seed=1)
    unusual = np.array([w[::-1] for w in typical if len(set(w)) > 2])  # decreasing
    strange = np.array(["zzz", "hxa", "q"])  # unknown symbols
    s_typical, s_unusual = ae.score_samples(typical), ae.score_samples(unusual)
    assert s_typical.shape == (len(typical),) and (s_typical <= 0).all()
    assert np.median(s_unusual) < np.median(s_typical)
    assert np.mean(s_unusual < np.median(s_typical)) > 0.8
    assert (ae.score_samples(strange) < np.min(s_typical)).all()


@pytest.mark.parametrize(
    "noise",
    [
        "mask",
        "delete",
        "infill",
        "rotate",
        "permute",
        ["permute", "infill", "mask"],
        {"rotate": 0.5, "delete": 0.3},
    ],
)
def test_autoencoder_trains_with_each_noise(noise):
    X = ["the cat sat", "a dog ran", "the dog sat down", "a cat", "dogs run far"] * 4
    ae = SequenceAutoencoder(noise=noise, **{**TINY, "max_epochs": 2}).fit(X)
    names = [noise] if isinstance(noise, str) else list(noise)
    assert set(ae.noise_) == set(names)
    assert np.isfinite(ae.history_[:, "train_loss"]).all()
    assert ae.transform(X).shape == (20, 4)
    assert ae.inverse_transform(ae.transform(X)).shape == (20,)
    if noise == "permute":
        # Spaces separate the segments of strings by default.
        assert ae.net_.module_.separator_ids.tolist() == [
            N_SPECIAL + ae.vocabulary_.tolist().index(" ")
        ]


@pytest.mark.parametrize("noise", ["mask", "delete", "infill", "rotate"])
def test_autoencoder_series_noise(noise):
    rng = np.random.RandomState(0)
    X = np.sin(np.linspace(0, 3, 8) + rng.uniform(0, 6, (16, 1)))
    ae = SequenceAutoencoder(noise=noise, **{**TINY, "max_epochs": 2}).fit(X)
    assert ae.transform(X).shape == (16, 4)
    restored = ae.inverse_transform(ae.transform(X))
    assert restored.shape == X.shape and np.isfinite(restored).all()
    assert ae.score_samples(X).shape == (16,)


def test_autoencoder_separators_for_token_ids():
    X = [[1, 2, 0, 3, 4, 0, 5], [3, 0, 4, 5], [1, 2, 3], [5, 0, 1]] * 3
    ae = SequenceAutoencoder(noise="permute", separators=[0], **TINY).fit(X)
    assert ae.net_.module_.separator_ids.tolist() == [N_SPECIAL]  # id of symbol 0
    pred = ae.inverse_transform(ae.transform(X))
    assert pred.dtype == object and all(isinstance(p, list) for p in pred)
    # No separators are assumed for token ids, nor for strings without
    # spaces: "permute" then has nothing to shuffle.
    plain = SequenceAutoencoder(noise="permute", **TINY).fit(X)
    assert plain.net_.module_.separator_ids.numel() == 0
    words = SequenceAutoencoder(noise=["permute", "mask"], **TINY).fit(SOURCES)
    assert words.net_.module_.separator_ids.numel() == 0
    assert words.transform(SOURCES).shape == (N, 4)


def test_scoring_checks_lengths_and_symbol_kinds():
    import pandas as pd

    words = np.array(["abc", "bca", "cab", "acb"] * 4)
    model = Seq2SeqTranslator(**TINY).fit(words, words)
    # a longer y was cut to X's length in score_samples, silently
    for X, y in [(words[:3], words), (words, words[:3])]:
        with pytest.raises(ValueError, match="inconsistent numbers of samples"):
            model.score_samples(X, y)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\)"):
        model.score(words, words, sample_weight=np.ones(3))
    # integer ids for a vocabulary of strings (and the other way round):
    # every token was <unk>, silently
    with pytest.raises(ValueError, match="fitted on string tokens in X, but X now "
                                         "holds integer token ids"):
        model.predict(np.array([[0, 1], [1, 2]]))
    ids = np.random.RandomState(0).randint(0, 5, (16, 4))
    on_ids = Seq2SeqTranslator(**TINY).fit(ids, ids[:, ::-1])
    with pytest.raises(ValueError, match="fitted on integer token ids in y"):
        on_ids.score(ids, ["3210"] * 16)
    # 2-D object arrays and DataFrames of string tokens read as '<U' arrays
    rows = np.array([["a", "b"], ["c", "a"]])
    expected = model.predict(rows)
    for form in (rows.astype(object), pd.DataFrame(rows)):
        np.testing.assert_array_equal(model.predict(form), expected)


def test_sequence_autoencoder_reads_the_fitted_sizes():
    words = np.array(["ab cd", "cd ab", "a b c", "dc ba"] * 4)
    with pytest.raises(NotFittedError):
        SequenceAutoencoder(hidden_size=3).get_feature_names_out()
    ae = SequenceAutoencoder(**TINY).fit(words)
    width = ae.transform(words).shape[1]
    ae.set_params(hidden_size=width + 8)  # the fitted network's size counts
    assert len(ae.get_feature_names_out()) == width
    ae.set_output(transform="pandas")
    assert ae.transform(words).shape == (16, width)
    # words hold no space: permute needs separators that are tokens
    sentences = np.array(["the cat sat . a dog ran", "it rained . we left"] * 4)
    params = dict(TINY, noise="permute", tokenizer="word")
    plain = SequenceAutoencoder(**params).fit(sentences)
    assert plain.net_.module_.separator_ids.numel() == 0  # documented: no-op
    fitted = SequenceAutoencoder(**params, separators=["."]).fit(sentences)
    assert fitted.net_.module_.separator_ids.tolist() == [
        5 + fitted.vocabulary_.tolist().index(".")]


def test_dataframe_column_names_are_checked():
    # renamed or reordered columns (a scrambled time order) were taken
    import pandas as pd

    frame = pd.DataFrame(np.random.RandomState(0).randn(16, 6),
                         columns=[f"t{i}" for i in range(6)])
    ae = SequenceAutoencoder(**TINY).fit(frame)
    assert list(ae.feature_names_in_) == list(frame.columns)
    with pytest.raises(ValueError, match="feature names should match"):
        ae.transform(frame[frame.columns[::-1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ae.transform(frame)
    assert not hasattr(SequenceAutoencoder(**TINY).fit(frame.to_numpy()),
                       "feature_names_in_")


def test_integer_ids_in_nullable_frames_and_object_arrays_are_tokens():
    # nullable Int64 columns (pd.NA padding) and 2-D object arrays of ints
    # were read as float series: the translator trained a regression
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"t0": [5, 6, 7, 8] * 3, "t1": [6, 7, 8, 5] * 3})
    kw = dict(hidden_size=8, embedding_size=4, max_epochs=1, random_state=0)
    padded = X.astype("Int64")
    padded.iloc[0, 1] = pd.NA
    for given in (X.astype("Int64"), X.to_numpy().astype(object), padded):
        model = Seq2SeqTranslator(**kw).fit(given, given)
        assert model.source_format_["kind"] == "tokens"
        assert np.asarray(model.predict(given[:2])).dtype.kind == "i"


def test_tokenizer_set_since_fit_changes_no_prediction():
    # predict split the input with the new tokenizer: every token was unknown
    words = ["abc", "bca", "cab", "acb"] * 5
    model = Seq2SeqTranslator(hidden_size=8, max_epochs=2, random_state=0)
    model.fit(words, [w[::-1] for w in words])
    before = model.predict(words[:3])
    np.testing.assert_array_equal(model.set_params(tokenizer="word").predict(words[:3]),
                                  before)


def test_max_output_length_one_for_token_targets_is_refused():
    # every target was cut to no token: a model that only emits ''
    words = ["abc", "bca", "ca"] * 4
    with pytest.raises(ValueError, match="leaves no place for a token"):
        Seq2SeqTranslator(max_output_length=1, max_epochs=1).fit(words, words)


def test_numpy_integer_sizes_from_a_parameter_grid():
    # torch's embedding and recurrent layers refused np.int64 sizes
    words = ["ab", "ba", "abc"] * 2
    model = Seq2SeqTranslator(embedding_size=np.int64(4), hidden_size=np.int64(4),
                              num_layers=np.int64(1), max_epochs=1, random_state=0)
    assert len(model.fit(words, words).predict(words)) == 6


def test_string_token_rows_padded_by_pandas():
    # pd.DataFrame pads ragged rows with None: rows of string tokens then
    # failed with "could not convert string to float: 'a'"
    import pandas as pd

    rows = [["a", "b"], ["b", "a"], ["a", "b", "c"]] * 2
    y = ["ab", "ba", "abc"] * 2
    framed = Seq2SeqTranslator(max_epochs=1, random_state=0).fit(pd.DataFrame(rows), y)
    listed = Seq2SeqTranslator(max_epochs=1, random_state=0).fit(rows, y)
    np.testing.assert_array_equal(framed.predict(pd.DataFrame(rows)),
                                  listed.predict(rows))
    inside = pd.DataFrame([["a", None, "b"], ["b", "a", "c"]] * 3)
    with pytest.raises(ValueError, match="missing value inside row 0 of string"):
        Seq2SeqTranslator(max_epochs=1).fit(inside, y)


def test_padded_array_predictions_are_not_cut_to_the_fitted_width():
    # -1-padded targets of width 4 left max_output_length_ at 9: predictions
    # longer than 4 tokens were cut to 4 without a word, and score (reading
    # them whole) then disagreed with predict (0.0 for score(X, predict(X)))
    rng = np.random.RandomState(0)
    src = [list(rng.randint(0, 6, rng.randint(2, 5))) for _ in range(30)]
    A, B = np.full((30, 4), -1), np.full((30, 4), -1)
    for i, s in enumerate(src):
        A[i, : len(s)], B[i, : len(s)] = s, s[::-1]
    kw = dict(embedding_size=4, hidden_size=4, max_epochs=1, batch_size=16,
              random_state=0)
    padded = Seq2SeqTranslator(**kw).fit(A, B)
    assert padded.max_output_length_ == 5  # four tokens and the end token
    found = padded.predict(A)
    assert found.shape[1] in (4, 5)
    assert padded.score(A, found) == 1.0
    # a longer max_output_length widens the array instead of cutting it
    listed = Seq2SeqTranslator(**kw).fit(src, [s[::-1] for s in src])
    wide = Seq2SeqTranslator(**kw, max_output_length=9).fit(A, B)
    expected = listed.predict(src)
    found = wide.predict(A)
    assert found.shape[1] == max(map(len, expected)) > 4  # (longer here)
    for row, tokens in zip(found, expected):
        assert row[row >= 0].tolist() == list(tokens)
    assert wide.score(A, found) == 1.0


def test_text_model_refuses_a_one_column_frame_of_text():
    # df[["text"]] (a 2-D container) is read as rows of tokens: each whole
    # string was one unknown token, and every prediction the same
    import pandas as pd

    words = ["abc", "bca", "cab", "acb"] * 4
    model = Seq2SeqTranslator(**TINY).fit(words, words)
    frame = pd.DataFrame({"text": words})
    for X in (frame[["text"]], np.array(words)[:, None]):
        with pytest.raises(ValueError, match=r"tokenizer would split 'abc'.*"
                                             r"df\['text'\], not df\[\['text'\]\]"), \
                warnings.catch_warnings():
            # (a frame for a model fitted without feature names also warns)
            warnings.filterwarnings("ignore", "X has feature names", UserWarning)
            model.predict(X)
    # pre-tokenized rows that the tokenizer would not split still pass
    np.testing.assert_array_equal(model.predict(frame["text"]), model.predict(words))
    model.predict([list("abc"), list("ca")])
    on_words = Seq2SeqTranslator(**TINY, tokenizer="word").fit(
        ["ab cd", "cd ab"] * 4, ["x y", "y x"] * 4
    )
    on_words.predict([["ab", "cd"]])
    with pytest.raises(ValueError, match="would split 'ab cd'"):
        on_words.predict(np.array([["ab cd"]], dtype=object))


def test_fit_on_a_one_column_frame_of_text_warns():
    # fit read df[["text"]] as rows of one whole-string token without a word:
    # every new string was then unknown, and predicted alike
    import pandas as pd

    words = ["abc", "bca", "cab", "acb"] * 4
    frame = pd.DataFrame({"text": words})
    for X in (frame[["text"]], np.array(words)[:, None]):
        with pytest.warns(UserWarning, match=r"one column, read as rows of one "
                          r"token each .* would split 'abc'") as seen:
            Seq2SeqTranslator(**TINY).fit(X, words)
        assert {w.filename for w in seen} == {__file__}
    with warnings.catch_warnings():  # lists of tokens, one column of words
        warnings.simplefilter("error")
        Seq2SeqTranslator(**TINY).fit([[w] for w in words], words)
        Seq2SeqTranslator(**TINY).fit(np.array(list("abcdabcdabcdabcd"))[:, None],
                                      words)
        # a tokenizer that only normalises splits nothing; one that fails on
        # the check's call (fit never tokenizes such rows) stopped fit
        Seq2SeqTranslator(**TINY, tokenizer=lambda s: s.lower().split()).fit(
            np.array([w.upper() for w in words])[:, None], words)
        Seq2SeqTranslator(**TINY, tokenizer=lambda s: iter(s)).fit(
            np.array(words)[:, None], [[w] for w in words])


@pytest.mark.parametrize("dtype", ["Int64", "int64", "boolean", "bool"])
def test_integer_and_boolean_pandas_targets_are_tokens(dtype):
    # nullable Int64 or boolean pandas targets were read as floats: a
    # regression, predicting floats instead of labels
    import pandas as pd

    words = ["abc", "bca", "cab", "aab", "bba", "ccb", "acb", "bac"] * 2
    labels = np.arange(16) % 3
    y = pd.Series(labels == 1 if "b" in dtype[:1] else labels).astype(dtype)
    model = Seq2SeqTranslator(**TINY).fit(words, y)
    plain = Seq2SeqTranslator(**TINY).fit(words, y.to_numpy(dtype=np.int64))
    assert model.target_format_["kind"] == "scalar_tokens"
    np.testing.assert_array_equal(model.predict(words), plain.predict(words))
    assert model.predict(words).dtype.kind == "i"


@pytest.mark.parametrize("decoding", ["greedy", "beam"])
def test_predictions_are_never_empty_and_score_as_targets(decoding):
    # an undertrained model emitted the end token first: "" predictions,
    # which score(X, predict(X)) refused as empty targets
    words = np.array(["abc", "bca", "cab", "acb", "bac", "cba", "ab", "ba",
                      "abcab"] * 6)
    reversed_ = np.array([w[::-1] for w in words])
    model = Seq2SeqTranslator(hidden_size=8, max_epochs=3, lr=0.01, random_state=0,
                              decoding=decoding).fit(words, reversed_)
    predicted = model.predict(words)
    assert min(len(p) for p in predicted) >= 1
    assert model.score(words, predicted) == 1.0


def test_series_in_any_units_are_learnt_alike():
    # series were cast to float32 and learnt in their own units: targets at
    # 1e6 were predicted as 0 (R2 -0.01), a level of 1e7 was lost in the
    # cast; now each side is standardized per channel in float64
    rng = np.random.RandomState(0)
    X = rng.randn(40, 6)
    y = X.sum(1)
    params = dict(hidden_size=16, max_epochs=30, lr=0.01, random_state=0)
    unit = Seq2SeqTranslator(**params).fit(X, y)
    for c in (1e6, 1e-6):
        scaled = Seq2SeqTranslator(**params).fit(X, y * c)
        np.testing.assert_allclose(scaled.predict(X) / c, unit.predict(X), rtol=1e-4)
        np.testing.assert_allclose(scaled.score_samples(X, y * c) / c**2,
                                   unit.score_samples(X, y), rtol=1e-3)
    assert unit.score(X, y) > 0.9
    level = 1e7 + np.cumsum(X, axis=1)
    far = Seq2SeqTranslator(**params).fit(X, level)
    assert far.score(X, level) > 0.5
    ae = SequenceAutoencoder(hidden_size=8, max_epochs=10, random_state=0)
    near = ae.fit(X).inverse_transform(ae.transform(X))
    np.testing.assert_allclose(
        ae.fit(X * 1e6).inverse_transform(ae.transform(X * 1e6)) / 1e6, near,
        rtol=1e-4, atol=1e-6)


def test_loss_reports_each_batchs_tokens():
    # an epoch's loss weighed batches by their rows, not their tokens: it
    # moved with batch_size (2.25 against 2.40), as did the validation loss
    # early stopping reads
    from skdeep.seq2seq._modules import Seq2SeqLoss
    from skdeep.seq2seq._sequences import PAD

    torch.manual_seed(0)
    outputs = torch.randn(4, 6, 9)
    tokens = torch.randint(5, 9, (4, 6))
    tokens[0, 1:] = PAD  # lengths 1, 6, 6, 3
    tokens[3, 3:] = PAD
    series = torch.randn(4, 6, 2)
    series[0, 2:] = float("nan")
    loss = Seq2SeqLoss()
    for target, out in ((tokens, outputs), (series, outputs[..., :3])):
        whole = loss(out, target)
        parts = [(loss(out[s], target[s]), loss.last_total_)
                 for s in (slice(0, 1), slice(1, 4))]
        combined = sum(v * t for v, t in parts) / sum(t for _, t in parts)
        if target.is_floating_point():  # (two means, each over valid steps)
            assert loss.last_total_ == 18
        else:
            torch.testing.assert_close(combined, whole)
