r"""Benchmark: skdeep signal featurizers and learned shapelets against sktime.

Parts, each run on its own with ``--part NAME`` (``--part all`` runs them in
this order; the default is ``featurizers``, the original benchmark). Results
merge into ``benchmarks/results/signal.md`` (``--results``), one section per
part (``<!-- part:NAME -->``), so parts can be rerun separately. Needs the
``timeseries`` extra (sktime) and numba (``benchmark`` extra). Network access
is disabled for every part (``socket.connect`` raises), so nothing can be
downloaded; BLAS and numba run on one thread (threadpoolctl).

Usage::

    python benchmarks/signal.py                          # featurizers
    python benchmarks/signal.py --quick                  # two data sets
    python benchmarks/signal.py --part shapelets         # resumable
    python benchmarks/signal.py --part shapelets --datasets GunPoint,OSULeaf
    python benchmarks/signal.py --part shapelets_gunpoint
    python benchmarks/signal.py --part shapelets_scaling
    python benchmarks/signal.py --part shapelets --table-only   # tables only
    python benchmarks/signal.py --part all --smoke       # harness check
    # re-run chosen cells after a library change (see "Re-runs" below)
    python benchmarks/signal.py --part shapelets --methods wavelet_cwt --rerun
    python benchmarks/signal.py --methods wavelet_dwt,dwt_fft

``featurizers``
    Data: the UCR/UEA archive data sets that sktime ships *inside its package*
    (GunPoint, ItalyPowerDemand, ArrowHead, OSULeaf, BasicMotions, plus ACSF1
    and JapaneseVowels, which the issue does not name, as general-case
    checks), read from the installed package (``sktime/datasets/data/``) with
    sktime's bundled loaders on their default train/test splits.

    1. Accuracy and time (fit + predict, process CPU time) of
       ``featurizer -> StandardScaler -> RidgeClassifierCV`` against sktime's
       MiniRocket (MiniRocketMultivariate for multivariate data) +
       RidgeClassifierCV, and against 1-NN with the Euclidean distance.
    2. Transform throughput of the featurizers against calling PyWavelets
       directly on the same batch (best of several repeats).

    (This part keeps no JSON lines; ``--quick`` and ``--repeats`` apply to
    it only.)

The three shapelet parts below were declared here before any of their runs;
nothing in them is tuned on their results. They keep each finished cell as a
JSON line in ``--out-dir`` (default ``benchmarks/signal_runs/<part>.jsonl``);
a cell already there with the same settings is skipped (resume), and the
tables are built from all the lines present with the current settings, so
runs of ``--datasets`` subsets merge and ``--table-only`` rebuilds the
tables. Torch runs on ``--threads`` threads (default 1: every method of
these parts then computes on one core, sktime's with ``n_jobs=1``, so fit
times compare; the machine line of each table gives the count). Times are
wall clock (``time.perf_counter``) and, beside them, the process CPU time
(``time.process_time``); other jobs may share the machine, so the load
average is printed with each table. Before the timings each part fits a tiny
ShapeletClassifier once (2 shapelets, 2 epochs, 12 random series), so that
torch's one-off start-up is not charged to the first cell.

``shapelets`` (accuracy and fit time on sktime's bundled UCR/UEA sets)
    Data: every classification set with TRAIN/TEST ``.ts`` files in
    ``sktime/datasets/data/`` of the installed sktime: UnitTest (sktime's
    test fixture, a 20/22-series subset of Chinatown; included because it is
    one), ItalyPowerDemand, BasicMotions, GunPoint, ArrowHead,
    JapaneseVowels, OSULeaf, ACSF1, PLAID (run in this order, cheapest
    first; Tecator and Covid3Month carry regression targets and are not
    classification sets). ``--datasets`` (comma-separated) chooses a subset.
    Read with ``benchmarks/cnn.py``'s ``load_ucr`` (imported from it): the
    archive's train/test splits, univariate series z-normalised each,
    multivariate sets standardised per channel with training statistics,
    unequal lengths (JapaneseVowels, PLAID) NaN-padded at the end. Every
    method sees these same normalised series. Methods that need equal
    lengths (sktime's shapelet classifier, 1-NN, the wavelet pipelines) get
    both splits padded at the end with zeros (the series' or channel's mean
    after the normalisation) to the longest series of train and test
    together (JapaneseVowels 29, PLAID 1344); ShapeletClassifier takes the
    NaN padding (no window reaching into it is a match) and MiniRocket is
    ``MiniRocketMultivariateVariable(pad_value_short_series=0)`` there, as in
    ``benchmarks/cnn.py``. Methods, all fitted on the training split and
    scored (accuracy) on the test split, in one run on the same data:

    * skdeep ``ShapeletClassifier(random_state=seed)`` with its defaults:
      at first 10 shapelets at each of the lengths 0.1, 0.2, 0.3 of the
      shortest training series, no PAA, ``alpha=100``, soft minimum at
      inference, ``l2=0.01``, Adam ``lr=0.01``, ``batch_size=128``,
      ``max_epochs=200``, no early stopping (the network after the last
      epoch); since the ``shapelet_defaults`` selection below, 20 shapelets
      per length and ``max_timepoints=128`` (series longer than 128 steps
      shortened by PAA), the rest unchanged. The ShapeletClassifier rows
      were re-run with ``--methods shapelet --rerun`` after that change;
      each record carries its commit and its ``n_shapelets`` and
      ``max_timepoints``. Since the ``shapelet_defaults2`` selection,
      ``max_timepoints="auto"`` (PAA blocks read off the training
      spectrum), 20 per length; the ShapeletClassifier and STC rows were
      re-run together once after it (``--methods shapelet,stc --rerun``).
      Since the ``shapelet_defaults3`` selection (session 16), Adam
      ``lr=0.02``; the ShapeletClassifier rows were re-run once after it
      (``--methods shapelet --rerun``).
      Session 15 changed only the engineering, no default (written before
      its run): the distances' products come from an FFT for long
      shapelets (a cost rule), the soft minimum and its gradient are one
      hand-written autograd function, windows in the NaN padding are not
      computed; the learned model is the same up to float rounding. The
      ShapeletClassifier and STC rows were re-run together once after it
      (``--methods shapelet,stc --rerun``, one process at a time on the
      shared machine); the table of re-run cells shows each set's record
      before and after, accuracies included (rounding can move a model
      whose training has not converged, ACSF1 for one).
      Session 16 changed only the engineering again, no default (written
      before its run): the FFT road writes the gradient into a zero-padded
      buffer and multiplies by the series' conjugate spectrum, the padded
      series are sorted once for all shapelet lengths, the matrix-product
      road keeps its windows for the backward pass and works in the
      products' own layout. On these nine sets the float32 operations and
      their order are unchanged: ``benchmarks/signal_runs/ab_shapelets.py``
      fits old and new code side by side and finds equal loss curves and
      equal test probabilities, bit for bit. Only the ShapeletClassifier
      rows were re-run (``--methods shapelet --rerun``, once the machine's
      other long benchmark had ended); the STC rows stay those of
      session 15 (not re-run, recorded under that run's load). Each
      ShapeletClassifier record carries the load average at its fit.
      Session 22 changed only the engineering, no default: the soft
      minimum's weights in base 2 (``exp2``, about three times faster than
      ``exp`` on this CPU) and FFT lengths that are multiples of 8
      (``benchmarks/signal_runs/calibrate_fft_sizes.py``; 1,536 instead of
      1,500 for ACSF1). The float rounding changes, so the models are equal
      to rounding, not bit for bit. ``ab_shapelets.py --ref ca97d13``
      (seed 0, old and new code in one process): total fit CPU 59.1 s old,
      54.2 s new (1.09x), ACSF1 1.32x, the other eight sets 0.94-1.03x in
      that run (within run-to-run noise: alternating the order, GunPoint,
      ItalyPowerDemand, OSULeaf and PLAID gave 1.01-1.08x); accuracies
      equal except ItalyPowerDemand (0.9563 / 0.9543) and ACSF1 (0.62 /
      0.66). The rows of the tables were not re-run after it.
    * sktime ``ShapeletTransformClassifier(time_limit_in_minutes=M,
      random_state=seed, n_jobs=1)``, otherwise its defaults (random
      shapelet transform, at most ``min(10 n_train, 1000)`` shapelets kept,
      rotation forest); M = ``--stc-minutes``, default 1: sktime gives 2/3
      of the contract (less a fifth for the final transform) to the shapelet
      search, which then samples as many candidates as fit in it
      (overriding ``n_shapelet_samples``), and 1/3 to the rotation forest.
      Its fit time is therefore set by the contract and its accuracy grows
      with it; the comparison below is against this 1-minute contract, which
      keeps the whole part within about 30 minutes on the 2-core machine. Its numba
      code is compiled on a few series before the timings.
    * sktime MiniRocket + ``StandardScaler(with_mean=False)`` +
      ``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))``, as
      ``benchmarks/cnn.py``'s ``ucr`` part (its ``_minirocket`` and
      ``warm_up_minirocket``, imported), seeded, ``n_jobs=1``.
    * 1-NN Euclidean: scikit-learn ``KNeighborsClassifier(n_neighbors=1)``
      on the flattened (zero-padded) series.
    * skdeep's wavelet pipelines of the ``featurizers`` part,
      ``WaveletFeaturizer -> StandardScaler -> RidgeClassifierCV`` with the
      DWT (db4), wavelet packet (db4, level 3) and CWT (morl, 16 scales)
      statistics (2-D input for univariate sets, 3-D otherwise).

    Seeds: ``--seeds`` (comma-separated, default "0"). Reported per data set
    and method: test accuracy (mean ± std over seeds), fit seconds (wall and
    CPU), predict seconds; means over the data sets where every method has
    results. Targets, fixed before the runs:

    (a) ShapeletClassifier's mean test accuracy over the data sets is higher
        than that of the reference wavelet pipeline, the CWT statistics
        pipeline (declared as the reference because it is the most accurate
        wavelet pipeline of the ``featurizers`` part's committed results,
        mean 0.893 against 0.793 for DWT and 0.801 for packets; the other
        two are shown for information).
    (b) ShapeletClassifier fits at least 10 times faster than sktime's
        shapelet classifier at equal or better accuracy. Per data set: the
        ratio of the wall-clock fit times STC / ShapeletClassifier (means
        over seeds) and the accuracy difference ShapeletClassifier - STC
        (no tolerance: >= 0); met on a set when ratio >= 10 and difference
        >= 0. Overall: the ratio of the summed fit times over the data sets
        and the difference of the mean accuracies; met when both hold. The
        geometric mean of the per-set ratios, the CPU-time ratio and the
        number of sets that meet it are shown beside.

    Session 21 (written before its run; the seed-0 results above had been
    seen, (a) missed by 0.0021): ShapeletClassifier is a randomised
    learner, and one seed measures its mean accuracy with an error of the
    same size as that miss, while the reference pipeline is deterministic
    (ridge on fixed features). So the ShapeletClassifier rows are run for
    seeds 0-4 (``--methods shapelet --seeds 0,1,2,3,4 --rerun``: all five
    on the current code, the earlier seed-0 record kept as history; no
    default or parameter changes). Reported: the per-seed means over the
    nine sets, their mean M and its standard error SE (sd of the five
    per-seed means, ddof=1, over sqrt(5)). Because this run was decided
    after a miss (optional stopping favours a pass), (a) is judged met only
    if M exceeds the reference's mean by at least 2 SE, not merely by any
    amount; otherwise it stays not met, whatever M is. (b) is recomputed
    from the seed-mean fit times and accuracies by its rule above.
    Added after that run, before the next: its ShapeletClassifier fits took
    longer than session 16's (51.8 s for the nine sets against 37.3 s; the
    session-16 code itself, refitted on ACSF1 with seed 0 the same hour,
    took 18.8 s against the 13.0 s it recorded then), so the machine ran
    slower, and (b) would compare them with STC times recorded in session
    15. STC is therefore re-run too (seed 0, ``--methods stc --seeds 0
    --rerun``) right after, and (b) judged on times of the same hour; the
    tables are then rebuilt with ``--table-only --seeds 0,1,2,3,4``.

    Session 52: WaveletFeaturizer's zero crossings and entropies of float64
    input changed (coefficients below 1e-11 of the channel's norm, not
    1e-5, count as zero; see ``skdeep/signal/_wavelet.py``), so the
    featurizers part was run again in full and the wavelet cells here
    re-run (``--methods wavelet_dwt,wavelet_wpt,wavelet_cwt --rerun``, then
    ``--table-only --seeds 0,1,2,3,4``); no parameter changed. The reference
    CWT pipeline's mean went from 0.8720 to 0.8700 (ShapeletClassifier
    0.8700: difference +0.0001, still short of 2 SE). Both ran on a machine
    loaded by other work (load average about 4 on 2 cores): their times are
    CPU times, less affected than wall times, but not comparable with the
    earlier ones.

``shapelets_gunpoint`` (interpretability on GunPoint)
    GunPoint (``load_ucr``: 50 training and 150 test series of 150 steps; the
    actor's hand position while drawing a gun from a hip holster, class "1",
    or pointing a finger, class "2"). The classes differ where the hand
    moves: reaching to the holster and putting the gun back show in the
    transitions into and out of the raised-arm part in the middle. The
    discriminative region R is derived from the TRAINING set alone, before
    any model is fitted: the absolute difference of the two class means at
    each time step, ``d(t) = |mean_{y=1} x_t - mean_{y=2} x_t|``; R is the
    set of time steps with ``d(t) >= 0.25 max_t d(t)`` (a union of
    intervals, printed). The factor was set by looking at d(t) on the
    training series only (no model fitted): half the maximum kept only the
    rise into the raised-arm part (steps 27-40 and a few around 55), while
    the description says both transitions differ; the return (around steps
    96-108) peaks at about 0.4 of the maximum, so a quarter keeps both
    transitions (about 45 of the 150 steps). Model:
    ``ShapeletClassifier(random_state=seed)`` with its defaults (as above:
    at first 10 shapelets of 15, 30, 45 steps, 200 epochs; since the
    ``shapelet_defaults`` change, 20 per length on the series averaged in
    pairs of steps by PAA, spans 16, 30, 44 steps; re-run with ``--rerun``;
    the ``shapelet_defaults2`` default ``max_timepoints="auto"`` gives the
    same pairs of steps on GunPoint, so the model is unchanged).
    The best shapelet, as in the gallery
    example
    (``docs/gallery/plot_signal_shapelets_gunpoint.py``): the one whose
    distance (``transform``) separates the classes best on the TRAINING
    series by the Fisher score ``|m_1 - m_2| / sqrt(v_1 + v_2)`` (class means
    and variances of its distance). Its match on each test series is the
    window ``[p, p + L - 1]`` with ``p`` from ``best_match_positions`` (the
    exact minimum). The match overlaps R when at least half of its L steps
    lie in R (the primary number: a window of 45 steps touches one of R's
    three bands from every start, so "at least one step in R" holds by
    chance alone and is shown only beside it). Reported per seed: the
    fraction of the 150 test series whose match overlaps R, per class too,
    and its chance level for a window of the same length at a uniformly
    random start (every start 0..T-L counted once); the same for "at least
    one step in R". For
    information, the same for the shapelet with the largest head-weight
    difference ``|coef_[1] - coef_[0]|``, and the test accuracy. Seeds:
    ``--seeds`` (default "0"). No target is set; the fractions are reported.

``shapelets_scaling`` (fit time against series length and series count)
    Synthetic two-class data, generated for each (n, T) with seed 0: each
    series a Gaussian random walk (cumulative sum of N(0, 1) steps),
    z-normalised; the series of class 1 (every second one) get a planted
    pattern added, one period of ``2 sin`` of length ``round(0.1 T)`` at a
    uniformly random start, and are z-normalised again.
    ``ShapeletClassifier(max_epochs=E, random_state=0)``, otherwise its
    defaults, E = ``--scaling-epochs`` (default 50; fixed, no early
    stopping), fit on all n series. Three sweeps: (1) length T in 150, 300,
    600, 1000, 1500 at n = 100 with the default lengths (fractions 0.1, 0.2,
    0.3 of T, so the work per epoch grows about as n T^2); (2) the same T
    with fixed lengths ``shapelet_lengths=(15, 30, 45)`` (work about n T);
    (3) n in 100, 200, 400, 800 at T = 300 with the default lengths. Each
    fit is repeated ``--scaling-repeats`` times (default 3, alternating over
    the grid); reported: the median fit seconds (wall and CPU, k-means
    initialisation included), the seconds per epoch, microseconds per
    series x time point (median fit seconds / (n T)), and the training
    accuracy as a check that the model learns. (The records on file were
    made with the first defaults, 10 shapelets per length and no PAA, before
    the ``shapelet_defaults`` change; since then the defaults that size the
    work, ``n_shapelets`` and ``max_timepoints``, are part of the records'
    settings, so a defaults change starts a new set of cells and the table
    shows the current defaults' cells only, each with its PAA factor; the
    first records stay in the file as history.) ``--rerun`` measures every
    cell again (after the session-15 speed-up, defaults unchanged); the
    newest record of a cell counts, and the column "first" gives the
    median of the oldest records of the same settings.

``shapelet_defaults`` (selection of ShapeletClassifier's defaults; written
    here on 2026-12-02 before any of its runs)
    Why: with the first defaults, fit time on the long series (OSULeaf 427
    steps, ACSF1 1,460, PLAID up to 1,344) grows about as positions x
    shapelet length, and the ``shapelets`` part's target (b) failed there,
    target (a) failed overall. Every classification set that sktime ships
    (``sktime/datasets/data/``) is already reported by the ``shapelets``
    part, and ``/work/shared/data`` holds no other series classification
    set, so the defaults are chosen on data whose results are NOT reported
    as evidence:

    * S1, generated tasks (``selection_tasks``; seeds 101-105 for training,
      201-205 for the held-out test series, 300 per task): each series a
      Gaussian random walk plus N(0, 0.5^2) noise, z-normalised; every series
      carries one pattern of its class's shape (classes in order: one sine
      period, a Hann bump, a square wave of one period, a sawtooth), times
      1.5, at a uniformly random start, then z-normalised again. G1: 3
      classes, T = 150, pattern 15 steps, 60 training series. G2: 3
      classes, T = 600, pattern 30, 90 series. G3: 2 classes, T = 1400,
      pattern 40, 100 series. G4: 3 classes, 3 channels (the pattern on
      every channel, channels with independent backgrounds), T = 300,
      pattern 20, 60 series. G5: 4 classes, unequal lengths drawn uniformly
      in 100..1200, NaN-padded, pattern 12, 150 series.
    * S2, inner validation on the TRAINING split of each of the 9 sets of
      the ``shapelets`` part (``load_ucr``, NaN padding): one stratified
      split of the training part (``StratifiedShuffleSplit(test_size=1/3,
      random_state=0)``), fit on 2/3, accuracy on the other 1/3. The test
      splits are never read by this part.

    Candidates (fixed here; ``ShapeletClassifier(random_state=0, ...)``,
    every other parameter at the first defaults: lengths 0.1/0.2/0.3,
    alpha 100, l2 0.01, Adam lr 0.01, batch 128, 200 epochs):
    C0 ``max_timepoints=None, n_shapelets=10`` (the first defaults);
    C1 ``max_timepoints=256, n_shapelets=10``; C2 ``256, 20``;
    C3 ``128, 10``; C4 ``128, 20``. (None with 20 shapelets is left out: it
    costs more than C0 and cannot help the speed target.)
    Metric: score = the mean of the 14 accuracies (5 S1 held-out test
    accuracies and 9 S2 validation accuracies, equal weights); cost = the
    summed wall-clock fit seconds of the 14 fits (one process, one torch
    thread, OMP_NUM_THREADS=1, load average recorded). Rule: among the
    candidates whose cost is at most 1/4 of C0's, the one with the highest
    score (within 0.005 of each other: the cheaper one) becomes the default;
    if its score is more than 0.01 below C0's, the defaults stay as they
    were. Only that choice is made here; the ``shapelets`` part's test
    accuracies (the evidence) are then re-run with the chosen defaults.

    Outcome (run on 2026-12-02 at a load average of 7-9 on the 2 cores, see
    the results file): scores / wall costs C0 0.7093 / 1087 s, C1 0.6939 /
    238, C2 0.7420 / 319, C3 0.6776 / 146, C4 0.7113 / 189; eligible (cost
    <= 272 s) C1, C3, C4, so C4 (``max_timepoints=128, n_shapelets=20``)
    became the default. The process CPU seconds give the same choice (C0
    361, C2 107 > 90, C4 69). The S2 cells already showed the price: PAA
    with blocks of 6-12 steps cut ACSF1's validation accuracy from 0.65 to
    0.41 and PLAID's from 0.77 to 0.67; the equal weights of the 14 tasks
    let the generated tasks, where 20 shapelets helped most, outweigh them.

``shapelet_defaults2`` (second selection round, accuracy first; written on
    2026-12-02 at 21:24 UTC before any of its runs, but AFTER the first
    round's choice had been evaluated on the ``shapelets`` part's test splits:
    mean 0.8623 -> 0.8185, ACSF1 0.680 -> 0.360, PLAID 0.780 -> 0.629. This
    round's candidate list and its accuracy-first rule were shaped by those
    held-out results, so the test accuracies reported after it are not a
    clean held-out estimate of its choice; the tables say so.)
    Data: exactly round 1's S1 (the 5 generated tasks, same seeds) and S2
    (the same stratified 2/3 - 1/3 splits of the 9 sets' TRAINING parts);
    the test splits are never read by this part.
    Candidates (``max_timepoints``, ``n_shapelets``), every other parameter at
    the current defaults (lengths 0.1/0.2/0.3, alpha 100, l2 0.01, Adam lr
    0.01, batch 128, 200 epochs), ``random_state=0``: D1 ``None, 20``;
    D2 ``512, 20``; D3 ``256, 20``; D4 ``128, 20`` (the current defaults);
    D5 ``"auto", 20``: the PAA factor read off the training series'
    spectrum, ``paa_factor_`` = the largest integer f in 1 ..
    ``max(1, m_min // 64)`` (m_min: the shortest training series' observed
    steps, so that at least 64 blocks remain) for which at most 1% of the
    spectral energy lies above the blocks' Nyquist frequency 1/(2f) cycles
    per step (energy: per training series and channel, its observed steps,
    mean removed, squared ``rfft`` magnitudes without the zero frequency,
    normalised to sum 1; the fraction above the cut-off averaged over the
    series and channels). The 0.01 and the 64 are fixed here, not tuned.
    All five run in this round in one process (OMP_NUM_THREADS=1, one
    torch thread); no cell is taken from round 1's file (the library code
    changed after some of its cells). If D5 is not implemented and run by
    22:10 UTC the choice is among D1-D4, and the table says so.
    Metric: score = the mean of the 14 accuracies (5 S1 test accuracies, 9
    S2 validation accuracies, equal weights); cost = the summed process CPU
    seconds of the 14 fits (process CPU rather than wall time because other
    jobs share the 2 cores; a tie-break only). Rule: the candidate with the
    highest score; among the candidates within 0.005 of it, the one with
    the lowest cost. The choice becomes the default; then the ``shapelets``
    part's ShapeletClassifier and STC rows are re-run once, in one process
    (``--methods shapelet,stc --rerun``), and reported whatever they show.

``shapelet_defaults3`` (third selection round: the learning rate; written on
    2026-12-03 at 06:00 UTC before any of its runs, and AFTER the current
    defaults had been scored on the ``shapelets`` part's test splits, where
    target (a) missed by 0.0018 (0.8702 against the CWT pipeline's 0.8720).
    This round exists because of that miss, so the test accuracies reported
    after it are not a clean held-out estimate of its choice.)
    Cause, from training data only (session 16): on their training parts,
    ACSF1 and PLAID end the 200 epochs underfitted (training accuracy 0.75
    and 0.85, final loss 1.07 and 0.53, against 0.96-1.00 on the other seven
    sets): the optimisation has not converged. More epochs would cost fit
    time linearly (target (b)); a larger step does not. Candidates, Adam's
    ``lr``, every other parameter at the current defaults (the D5 choice of
    round 2), ``random_state=0``: E0 0.01 (the current default), E1 0.02,
    E2 0.04. Data: exactly rounds 1-2's S1 and S2 (the test splits are never
    read); all three candidates run in this round with the current code (no
    cell taken from earlier rounds), OMP_NUM_THREADS=1. Metric: as round 2
    (score = mean of the 14 accuracies; cost = summed process CPU seconds).
    Rule (conservative, fixed here): E0 stays the default unless the best
    other candidate's score exceeds E0's by more than 0.005; then that one
    becomes the default. Afterwards the ``shapelets`` part's
    ShapeletClassifier rows are re-run once (``--methods shapelet
    --rerun``) only if the default changed, and reported whatever they show.

Re-runs. ``--methods`` (comma-separated keys, listed by ``--help``) runs
only the chosen methods. In the shapelet part, cells already on file are
skipped unless ``--rerun`` is given (``shapelets_gunpoint`` takes
``--rerun`` too: its seeds run again and the newest record counts); a
re-run cell's new record (with the
git commit, ``commit``, and the time) is appended to the JSON lines, the
earlier ones stay there as history, and the tables count the newest record
of each (data set, method, seed) only, saying which cells were re-run. The
featurizers part keeps no JSON lines: with ``--methods`` it re-runs those
accuracy rows and writes them into the section on file in place of the old
ones (ratios against the MiniRocket row on file), with a note naming the
re-run rows, the command, the date and the commit; every other row and the
throughput table stay as they were.

``--smoke`` shrinks every part (shapelet parts: 30 evenly spaced series per
split, 2 epochs, a 0.05-minute STC contract, smaller scaling grids, 1 repeat;
featurizers: one data set, one repeat, a small throughput batch) to check
the harness in a few minutes; it prints the tables and writes no
results file (unless ``--results`` is given) and keeps its JSON lines in a
temporary folder (unless ``--out-dir`` is given). Its numbers mean nothing.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import sys

if __name__ == "signal":  # pragma: no cover - import-time guard
    # Any script run from this folder (python benchmarks/som.py) has the folder
    # first on sys.path, so its `import signal` (joblib's, hence scikit-learn's)
    # finds this file. Load the standard library's signal module in its place.
    import importlib.util
    import os
    import sysconfig

    _spec = importlib.util.spec_from_file_location(
        "signal", os.path.join(sysconfig.get_paths()["stdlib"], "signal.py")
    )
    _stdlib_signal = importlib.util.module_from_spec(_spec)
    sys.modules["signal"] = _stdlib_signal
    _spec.loader.exec_module(_stdlib_signal)

from pathlib import Path  # noqa: E402

# Run as a script, this file's folder comes first on sys.path and the file's own
# name, "signal", would shadow the standard library's signal module (which
# joblib, hence scikit-learn, imports). Drop that folder before anything else.
_HERE = Path(__file__).resolve().parent
if __name__ == "__main__":
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    sys.path.append(str(_HERE))  # after the stdlib: _common, cnn

import os  # noqa: E402

# As in cnn.py: numba's own "workqueue" pool, not its OpenMP one, which slows
# torch's OpenMP runtime in the same process.
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from _common import load_average, mean_std  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "signal.md"
OUT_DIR = _HERE / "signal_runs"
PARTS = ("featurizers", "shapelet_defaults", "shapelet_defaults2",
         "shapelet_defaults3", "shapelets",
         "shapelets_gunpoint",
         "shapelets_scaling")
TITLE = "Signal featurizers and learned shapelets: benchmark"
ALPHAS = np.logspace(-3, 3, 10)
DATASETS = [
    "GunPoint",
    "ItalyPowerDemand",
    "ArrowHead",
    "OSULeaf",
    "BasicMotions",
    "ACSF1",
    "JapaneseVowels",
]


class NetworkDisabled(RuntimeError):
    pass


def _no_network(*args, **kwargs):
    raise NetworkDisabled("network access attempted during the benchmark")


def disable_network():
    socket.socket.connect = _no_network
    socket.socket.connect_ex = _no_network
    socket.create_connection = _no_network


def load(name):
    """Bundled train/test split as (n, C, T) float64 arrays, from sktime's package."""
    import sktime.datasets as ds

    if name == "JapaneseVowels":
        return _load_japanese_vowels()
    loader = {
        "GunPoint": ds.load_gunpoint,
        "ItalyPowerDemand": ds.load_italy_power_demand,
        "ArrowHead": ds.load_arrow_head,
        "OSULeaf": ds.load_osuleaf,
        "BasicMotions": ds.load_basic_motions,
        "ACSF1": ds.load_acsf1,
    }[name]
    out = []
    for split in ("train", "test"):
        X, y = loader(split=split, return_X_y=True, return_type="numpy3D")
        out += [np.ascontiguousarray(X, dtype=np.float64), np.asarray(y)]
    return out


def _load_japanese_vowels():
    """Unequal lengths (7 to 29): zero-padded at the end to 29 by sktime's padder."""
    from sktime.datasets import load_japanese_vowels
    from sktime.transformations.series.padder import PaddingTransformer

    out = []
    for split in ("train", "test"):
        X, y = load_japanese_vowels(split=split, return_X_y=True)
        X = PaddingTransformer(pad_length=29, fill_value=0).fit_transform(X)
        X = np.stack([np.stack([np.asarray(c, dtype=float) for c in row])
                      for row in X.to_numpy()])
        out += [np.ascontiguousarray(X), np.asarray(y)]
    return out


# Short keys for ``--methods`` in the featurizers part (labels as printed).
FEATURIZER_METHODS = {
    "wavelet_dwt": "Wavelet DWT stats (db4)",
    "wavelet_wpt": "Wavelet packet stats (db4, level 3)",
    "wavelet_cwt": "Wavelet CWT stats (morl, 16 scales)",
    "fft": "FFT features (k=5, 4 bands)",
    "dwt_fft": "DWT stats + FFT",
    "denoise_dwt_fft": "Denoise + DWT stats + FFT",
    "minirocket": "sktime MiniRocket + RidgeClassifierCV",
    "1nn": "1-NN Euclidean",
}


def git_commit():
    """Short commit of HEAD, with "+modified" when skdeep/ differs from it.

    Recorded with every re-run, so that results can be tied to the library
    code that produced them (the working tree may hold uncommitted changes).
    """
    import subprocess

    root = _HERE.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                                capture_output=True, text=True,
                                check=True).stdout.strip()
        clean = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "skdeep"],
                               cwd=root).returncode == 0
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit if clean else commit + "+modified"


def skdeep_pipelines():
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import StandardScaler

    from skdeep.signal import FFTFeaturizer, WaveletDenoiser, WaveletFeaturizer

    def ridge(*steps):
        return make_pipeline(*steps, StandardScaler(), RidgeClassifierCV(alphas=ALPHAS))

    return {
        "Wavelet DWT stats (db4)": lambda: ridge(WaveletFeaturizer("db4")),
        "Wavelet packet stats (db4, level 3)": lambda: ridge(
            WaveletFeaturizer("db4", decomposition="wpt", level=3)
        ),
        "Wavelet CWT stats (morl, 16 scales)": lambda: ridge(
            WaveletFeaturizer("morl", decomposition="cwt")
        ),
        "FFT features (k=5, 4 bands)": lambda: ridge(FFTFeaturizer()),
        "DWT stats + FFT": lambda: ridge(
            make_union(WaveletFeaturizer("db4"), FFTFeaturizer())
        ),
        "Denoise + DWT stats + FFT": lambda: ridge(
            WaveletDenoiser("db4"),
            make_union(WaveletFeaturizer("db4"), FFTFeaturizer()),
        ),
    }


def peer_pipelines(n_channels):
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    MiniRocket, MiniRocketMultivariate = _minirocket_classes()
    rocket = MiniRocket if n_channels == 1 else MiniRocketMultivariate

    def minirocket():
        from sklearn.preprocessing import StandardScaler

        # sktime's recommended MiniRocket classifier: features -> scaler -> ridge
        return make_pipeline(
            _SktimeToSklearn(rocket(random_state=0)),
            StandardScaler(with_mean=False),
            RidgeClassifierCV(alphas=ALPHAS),
        )

    def one_nn():
        flat = FunctionTransformer(lambda X: X.reshape(len(X), -1))
        return make_pipeline(flat, KNeighborsClassifier(n_neighbors=1))

    return {
        "sktime MiniRocket + RidgeClassifierCV": minirocket,
        "1-NN Euclidean": one_nn,
    }


def _minirocket_classes():
    try:  # sktime >= 1.0 (the panel path is deprecated there)
        from sktime.transformations.rocket import MiniRocket, MiniRocketMultivariate
    except ImportError:
        from sktime.transformations.panel.rocket import (
            MiniRocket,
            MiniRocketMultivariate,
        )
    return MiniRocket, MiniRocketMultivariate


class _SktimeToSklearn:
    """Minimal sklearn-style wrapper so an sktime transformer sits in a Pipeline."""

    def __init__(self, transformer):
        self.transformer = transformer

    def fit(self, X, y=None):
        self.transformer.fit(X)
        return self

    def transform(self, X):
        return np.asarray(self.transformer.transform(X))

    def get_params(self, deep=True):
        return {"transformer": self.transformer}

    def set_params(self, **params):
        for k, v in params.items():
            setattr(self, k, v)
        return self


def warm_up_numba():
    """Compile MiniRocket's numba kernels once, so that timings exclude the JIT."""
    MiniRocket, MiniRocketMultivariate = _minirocket_classes()

    X = np.random.RandomState(0).randn(10, 1, 50)
    MiniRocket(random_state=0).fit_transform(X)
    MiniRocketMultivariate(random_state=0).fit_transform(np.repeat(X, 2, axis=1))


def accuracy_table(names, repeats, methods=None):
    """Rows of the accuracy table; ``methods`` (labels) restricts the methods run."""
    rows = []
    for name in names:
        X_train, y_train, X_test, y_test = load(name)
        n_channels = X_train.shape[1]
        # 2-D for univariate data (the common scikit-learn shape), 3-D otherwise
        Xtr = X_train[:, 0] if n_channels == 1 else X_train
        Xte = X_test[:, 0] if n_channels == 1 else X_test
        candidates = {**skdeep_pipelines(), **peer_pipelines(n_channels)}
        for method, make in candidates.items():
            if methods is not None and method not in methods:
                continue
            peer = method.startswith(("sktime", "1-NN"))
            times, acc = [], None
            for _ in range(repeats):
                model = make()
                start = time.process_time()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if peer and "MiniRocket" in method:
                        model.fit(X_train, y_train)
                        pred = model.predict(X_test)
                    else:
                        model.fit(Xtr, y_train)
                        pred = model.predict(Xte)
                times.append(time.process_time() - start)
                acc = float(np.mean(pred == y_test))
            rows.append(
                {
                    "dataset": name,
                    "shape": f"{len(X_train)}/{len(X_test)} x {n_channels} x "
                    f"{X_train.shape[-1]}",
                    "method": method,
                    "accuracy": acc,
                    "seconds": float(np.min(times)),
                }
            )
            print(f"{name:18s} {method:40s} acc={acc:.4f} "
                  f"time={rows[-1]['seconds']:.3f}s", flush=True)
    return rows


def _best_times(fn_a, fn_b, repeats):
    """Best CPU time of each of two functions, run alternately.

    Process CPU time (both sides are single-threaded numpy/PyWavelets code) is
    far less disturbed than wall time by other jobs on a shared machine.
    """
    fn_a(), fn_b()  # warm-up
    best_a = best_b = np.inf
    for _ in range(repeats):
        start = time.process_time()
        fn_a()
        best_a = min(best_a, time.process_time() - start)
        start = time.process_time()
        fn_b()
        best_b = min(best_b, time.process_time() - start)
    return best_a, best_b


def _direct_statistics(coeffs, q=(25, 50, 75)):
    """The nine per-band statistics written plainly with numpy (the baseline)."""
    energies = [np.sum(c**2, axis=-1) for c in coeffs]
    total = np.sum(energies, axis=0)
    feats = []
    for c, e in zip(coeffs, energies):
        p = c**2 / np.where(e > 0, e, 1)[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            h = -np.nansum(p * np.log(p), axis=-1)
        zc = np.count_nonzero(np.diff(np.signbit(c), axis=-1), axis=-1)
        feats.append(np.stack(
            [e, e / np.where(total > 0, total, 1), h, c.mean(-1), c.std(-1), c.min(-1),
             c.max(-1), *np.percentile(c, q, axis=-1), zc], axis=-1))
    return np.concatenate(feats, axis=-1).reshape(len(coeffs[0]), -1)


def throughput_table(names, repeats, min_values=4_000_000):
    import pywt

    from skdeep.signal import WaveletDenoiser, WaveletFeaturizer

    rows = []
    for name in names:
        X_train, _, X_test, _ = load(name)
        X = np.concatenate([X_train, X_test])
        n_target = int(np.ceil(min_values / X[0].size))
        X = np.ascontiguousarray(np.tile(X, (int(np.ceil(n_target / len(X))), 1, 1)))
        T = X.shape[-1]
        level = max(1, pywt.dwt_max_level(T, pywt.Wavelet("db4").dec_len))
        scales = np.geomspace(1.0, max(2.0, T / 4), 16)
        n_cwt = max(1, min(len(X), 2_000_000 // (16 * T * X.shape[1])))
        Xc = X[:n_cwt]

        def pywt_dwt():
            return np.concatenate(pywt.wavedec(X, "db4", level=level, axis=-1), axis=-1)

        def pywt_wpt():
            wp = pywt.WaveletPacket(X, "db4", mode="symmetric", maxlevel=3, axis=-1)
            return np.concatenate([n.data for n in wp.get_level(3, order="freq")], -1)

        def pywt_cwt():  # plus the one copy into an (n_series, n_features) table
            coef = pywt.cwt(Xc, scales, "morl", method="fft", axis=-1)[0]
            return np.moveaxis(coef, 0, 2).reshape(len(Xc), -1)

        def pywt_denoise():  # what the denoiser computes, written directly
            c = pywt.wavedec(X, "db4", level=max(1, level - 2), axis=-1)
            sigma = np.median(np.abs(c[-1]), axis=-1, keepdims=True) / 0.6745
            for j in range(1, len(c)):
                var = np.mean(c[j] ** 2, axis=-1, keepdims=True)
                sx = np.sqrt(np.maximum(var - sigma**2, 0))
                thr = np.where(sx > 0, sigma**2 / np.where(sx > 0, sx, 1),
                               np.abs(c[j]).max(-1, keepdims=True))
                c[j] = np.sign(c[j]) * np.maximum(np.abs(c[j]) - thr, 0)
            return pywt.waverec(c, "db4", axis=-1)[..., :T]

        def pywt_dwt_stats():
            return _direct_statistics(pywt.wavedec(X, "db4", level=level, axis=-1))

        cases = [
            ("DWT coefficients", pywt_dwt,
             lambda: WaveletFeaturizer("db4", output="coefficients").transform(X)),
            ("DWT statistics (all 9) vs pywt + numpy statistics", pywt_dwt_stats,
             lambda: WaveletFeaturizer("db4").transform(X)),
            ("DWT statistics (all 9) vs pywt decomposition alone", pywt_dwt,
             lambda: WaveletFeaturizer("db4").transform(X)),
            ("WPT coefficients (level 3)", pywt_wpt,
             lambda: WaveletFeaturizer("db4", decomposition="wpt", level=3,
                                       output="coefficients").transform(X)),
            (f"CWT coefficients (16 scales, {n_cwt} series)", pywt_cwt,
             lambda: WaveletFeaturizer("morl", decomposition="cwt",
                                       output="coefficients").transform(Xc)),
            ("Denoiser (BayesShrink)", pywt_denoise,
             lambda: WaveletDenoiser("db4").transform(X)),
        ]
        for case, direct, ours in cases:
            gc.collect()
            t_direct, t_ours = _best_times(direct, ours, repeats)
            n = n_cwt if case.startswith("CWT") else len(X)
            rows.append(
                {
                    "dataset": name,
                    "batch": f"{n} x {X.shape[1]} x {T}",
                    "case": case,
                    "pywt_series_per_s": n / t_direct,
                    "skdeep_series_per_s": n / t_ours,
                    "ratio": t_direct / t_ours,
                }
            )
            print(f"{name:18s} {case:40s} pywt={n / t_direct:,.0f}/s "
                  f"skdeep={n / t_ours:,.0f}/s ratio={t_direct / t_ours:.2f}",
                  flush=True)
    return rows


def featurizers_section(acc_rows, tp_rows, args):
    from importlib.metadata import version

    import pywt
    import sklearn
    import sktime

    import skdeep

    lines = [
        f"Produced by `{_command()}` "
        f"on {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, skdeep {skdeep.__version__}, "
        f"sktime {sktime.__version__}, scikit-learn {sklearn.__version__}, "
        f"PyWavelets {version('PyWavelets')} (pywt.__version__ {pywt.__version__}), "
        f"numpy {np.__version__}. Network disabled "
        f"during the run (socket.connect raises); data read from the files bundled "
        f"in the sktime package (`sktime/datasets/data/`) "
        f"(default train/test splits; JapaneseVowels, of unequal lengths, zero-padded "
        f"to 29 by sktime's PaddingTransformer). Times are process CPU time (all "
        f"threads; BLAS limited to one thread; other jobs share the machine, which "
        f"makes wall times unreliable), "
        f"best of {args.repeats} run(s), fit + predict (MiniRocket's numba JIT "
        f"compiled beforehand). ACSF1 and JapaneseVowels are not named by the issue "
        f"(general-case checks).",
        "",
        "## Accuracy and time: featurizer + StandardScaler + RidgeClassifierCV",
        "",
        "Ratios are relative to sktime's MiniRocket + RidgeClassifierCV on the same "
        "split (accuracy ratio > 1: more accurate; time ratio > 1: faster).",
        "",
        "| data set | train/test x C x T | method | accuracy | acc. / MiniRocket "
        "| CPU time (s) | speed vs MiniRocket |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    by_ds = {}
    for r in acc_rows:
        by_ds.setdefault(r["dataset"], []).append(r)
    for ds, rows in by_ds.items():
        ref = next(r for r in rows if r["method"].startswith("sktime MiniRocket"))
        for r in rows:
            lines.append(
                f"| {ds} | {r['shape']} | {r['method']} | {r['accuracy']:.4f} | "
                f"{r['accuracy'] / ref['accuracy']:.3f} | {r['seconds']:.3f} | "
                f"{ref['seconds'] / r['seconds']:.2f}x |"
            )
    lines += [
        "",
        "## Transform throughput: skdeep transformer vs PyWavelets called directly",
        "",
        "The same batch (train + test tiled to at least 4 million values; at most 2 "
        "million scalogram values for the CWT), best of "
        f"{max(15, args.repeats)} alternating runs, measured as process CPU time "
        "(other jobs share the machine, which makes wall times unreliable). `pywt` "
        "is the bare vectorized call "
        "(`wavedec` + concatenate, `WaveletPacket` + concatenate, `cwt` + one copy "
        "into an (n_series, n_features) table, or wavedec + BayesShrink + waverec "
        "written directly), or for statistics `wavedec` followed by the same "
        "nine statistics written plainly with numpy (`np.percentile` etc.); skdeep "
        "adds input validation (finiteness, shape). The row 'vs pywt decomposition "
        "alone' shows what the statistics cost on top of the transform. "
        "Target: ratio >= 0.8.",
        "",
        "| data set | batch | case | pywt (series/s) | skdeep (series/s) | ratio |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in tp_rows:
        lines.append(
            f"| {r['dataset']} | {r['batch']} | {r['case']} | "
            f"{r['pywt_series_per_s']:,.0f} | {r['skdeep_series_per_s']:,.0f} | "
            f"{r['ratio']:.2f} |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ helpers


def _command():
    return ("python benchmarks/signal.py "
            + " ".join(shlex.quote(a) for a in sys.argv[1:])).rstrip()


def _header(title, args):
    from _common import machine

    return [
        f"## {title}",
        "",
        f"Command: `{_command()}`",
        "",
        f"Machine: {machine()}; load average at the start {load_average()} (the "
        "machine is shared: timings are noisy, compare within a table).",
        "",
        *(["**Smoke run: tiny subsets and epochs, the numbers mean nothing.**", ""]
          if args.smoke else []),
    ]


def _migrate_legacy(path):
    """A results file written before the parts existed becomes the
    ``featurizers`` part, so that write_parts keeps it."""
    path = Path(path)
    if not path.exists():
        return
    text = path.read_text()
    if "<!-- part:" in text:
        return
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    path.write_text("\n".join([f"# {TITLE}", "", "<!-- part:featurizers -->",
                               *lines]) + "\n")


def _emit(section, name, args):
    """Print a finished section; write it unless this is a smoke run."""
    from _common import write_parts

    print("\n" + section + "\n", flush=True)
    if args.results is None and args.smoke:
        return
    path = args.results if args.results is not None else RESULTS
    _migrate_legacy(path)
    write_parts(
        path, TITLE,
        "Produced by `python benchmarks/signal.py --part PART` (see its docstring "
        "for the protocol).",
        {name: section}, PARTS,
    )


def _timed(fn, *a, **k):
    """(result, wall seconds, process CPU seconds) of ``fn(*a, **k)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*a, **k)
    return out, time.perf_counter() - wall, time.process_time() - cpu


# -------------------------------------------------------------- featurizers


def featurizers(args, store=None):
    names = args.featurizer_datasets
    if args.methods is not None:
        return featurizers_rerun(args, names)
    warm_up_numba()
    # Throughput first, in a fresh process: after the accuracy runs (numba,
    # MiniRocket's large feature matrices) the allocator's state made the same
    # pywt calls up to 4x slower in our runs, on both sides of a ratio.
    if args.smoke:  # harness check only
        tp = throughput_table(names, 2, min_values=50_000)
    else:
        tp = throughput_table(names, max(15, args.repeats))
    acc = accuracy_table(names, args.repeats)
    section = featurizers_section(acc, tp, args)
    if args.smoke:
        section = ("**Smoke run: tiny subsets and repeats, the numbers mean "
                   "nothing.**\n\n" + section)
    return section


RERUN_NOTE = "Rows re-run after the full run:"


def featurizers_rerun(args, names):
    """Re-run the accuracy rows of ``--methods`` only, into the section on file.

    The part keeps no JSON lines, so the earlier full run's section in the
    results file is the record of the other rows: its accuracy rows of the
    chosen methods and data sets are replaced by the new measurements, every
    other row, the throughput table and the header are kept as they are. The
    new rows' ratios are computed against the MiniRocket row on file (its
    printed, rounded accuracy and time) unless MiniRocket is re-run too.
    """
    labels = [v for k, v in FEATURIZER_METHODS.items() if k in args.methods]
    path = Path(args.results if args.results is not None else RESULTS)
    text = path.read_text() if path.exists() else ""
    if "<!-- part:featurizers -->" not in text:
        raise SystemExit(f"--methods needs the featurizers section in {path} "
                         "(run the full part once first)")
    section = text.split("<!-- part:featurizers -->", 1)[1]
    section = section.split("\n<!-- part:", 1)[0].strip("\n").splitlines()
    if "minirocket" in args.methods:
        warm_up_numba()  # numba's JIT outside the timings, as in a full run
    acc = accuracy_table(names, args.repeats, set(labels))
    new = {(r["dataset"], r["method"]): r for r in acc}

    def parse(line):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        return dict(dataset=cells[0], shape=cells[1], method=cells[2],
                    accuracy=float(cells[3]), seconds=float(cells[5]))

    start = section.index("## Accuracy and time: featurizer + StandardScaler + "
                          "RidgeClassifierCV")
    table = next(i for i in range(start, len(section))
                 if section[i].startswith("|---"))
    end = table + 1
    while end < len(section) and section[end].startswith("| "):
        end += 1
    old_rows = [parse(line) for line in section[table + 1:end]]
    refs = {}
    for r in old_rows:
        if r["method"].startswith("sktime MiniRocket"):
            refs[r["dataset"]] = new.get((r["dataset"], r["method"]), r)
    missing = set(new) - {(r["dataset"], r["method"]) for r in old_rows}
    if missing:
        raise SystemExit(f"rows {sorted(missing)} are not in {path}: run the full "
                         "part")
    rows = []
    for line, r in zip(section[table + 1:end], old_rows):
        n = new.get((r["dataset"], r["method"]))
        if n is None:
            rows.append(line)
            continue
        ref = refs[r["dataset"]]
        rows.append(
            f"| {n['dataset']} | {n['shape']} | {n['method']} | {n['accuracy']:.4f} | "
            f"{n['accuracy'] / ref['accuracy']:.3f} | {n['seconds']:.3f} | "
            f"{ref['seconds'] / n['seconds']:.2f}x |")
    note = (
        f"{RERUN_NOTE} {', '.join(labels)} on {', '.join(names)}, by "
        f"`{_command()}` on {time.strftime('%Y-%m-%d %H:%M')} "
        f"(`time.strftime`, local time) at commit {git_commit()}, best of "
        f"{args.repeats} run(s), load average {load_average()}. Their ratios use "
        "the MiniRocket row above"
        + (" (re-run too)" if "minirocket" in args.methods else
           " from the earlier run (its printed, rounded accuracy and time; the "
           "time ratio then compares runs made at different times on a shared "
           "machine)")
        + ". Every other row (unless an earlier note names it), the header "
        "line and the throughput table are from the earlier full run."
    )
    # Earlier re-runs' notes stay (a later one supersedes them for its rows).
    head = section[:table - 1]
    while head and not head[-1].strip():
        head.pop()
    return "\n".join(["", *head, "", note, "", section[table - 1], section[table],
                      *rows, *section[end:]])


# ---------------------------------------------------------------- shapelets

# Cheapest to most expensive; every classification set with TRAIN/TEST .ts
# files in sktime's datasets/data (Tecator and Covid3Month are regression).
SHAPELET_DATASETS = (
    "UnitTest", "ItalyPowerDemand", "BasicMotions", "GunPoint", "ArrowHead",
    "JapaneseVowels", "OSULeaf", "ACSF1", "PLAID",
)
SMOKE_CAP = 30  # smoke: 30 evenly spaced train and test series per set
# (enough for ShapeletClassifier, which needs two series per class present)
WAVELET_METHODS = {
    "wavelet_dwt": "Wavelet DWT stats (db4)",
    "wavelet_wpt": "Wavelet packet stats (db4, level 3)",
    "wavelet_cwt": "Wavelet CWT stats (morl, 16 scales)",
}
REFERENCE_WAVELET = "wavelet_cwt"
SHAPELET_METHODS = {
    "shapelet": "skdeep ShapeletClassifier (defaults)",
    "stc": "sktime ShapeletTransformClassifier",
    "minirocket": "sktime MiniRocket + ridge",
    "1nn": "1-NN Euclidean",
    **{k: f"{v} + ridge" for k, v in WAVELET_METHODS.items()},
}
# The order in which a data set's cells run: cheap first, STC last.
RUN_ORDER = ("1nn", *WAVELET_METHODS, "minirocket", "shapelet", "stc")


def _zero_padded(data):
    """Both splits as (n, C, T) with trailing NaN -> 0, to one common length."""
    T = max(data["train"]["X"].shape[2], data["test"]["X"].shape[2])
    out = []
    for split in ("train", "test"):
        X = data[split]["X"]
        X = np.pad(X, ((0, 0), (0, 0), (0, T - X.shape[2])), constant_values=np.nan)
        out.append(np.ascontiguousarray(np.nan_to_num(X, nan=0.0)))
    return out


def _sc_params(args):
    return {} if args.sc_epochs is None else {"max_epochs": args.sc_epochs}


def _describe_sc_defaults(sc=None):
    """ShapeletClassifier's current defaults, in words, for the tables."""
    from skdeep.signal import ShapeletClassifier

    p = {**ShapeletClassifier().get_params(), **(sc or {})}
    paa = ("no PAA" if p["max_timepoints"] is None else
           "PAA blocks read off the training spectrum (max_timepoints='auto')"
           if p["max_timepoints"] == "auto" else
           f"series longer than {p['max_timepoints']} steps shortened by PAA")
    return (f"{p['n_shapelets']} shapelets x lengths "
            f"{'/'.join(str(v) for v in p['shapelet_lengths'])} of the shortest "
            f"training series, {paa}, {p['max_epochs']} epochs, Adam lr "
            f"{p['lr']}, batch {p['batch_size']}, l2 {p['l2']}, alpha {p['alpha']}")


def _fit_predict(model, Xtr, ytr, Xte):
    _, fit_s, fit_cpu = _timed(model.fit, Xtr, ytr)
    pred, predict_s, _ = _timed(model.predict, Xte)
    return pred, dict(fit_s=fit_s, fit_cpu_s=fit_cpu, predict_s=predict_s)


def _warm_up_shapelets():
    """Torch's and skorch's one-off start-up costs, outside the timings."""
    from skdeep.signal import ShapeletClassifier

    rng = np.random.RandomState(0)
    X, y = rng.randn(12, 1, 30), np.arange(12) % 2
    clf = ShapeletClassifier(n_shapelets=2, shapelet_lengths=5, max_epochs=2,
                             random_state=0).fit(X, y)
    clf.predict(X), clf.transform(X), clf.best_match_positions(X)


def _run_shapelet(data, seed, args):
    from skdeep.signal import ShapeletClassifier

    tr, te = data["train"], data["test"]
    model = ShapeletClassifier(random_state=seed, **_sc_params(args))
    pred, times = _fit_predict(model, tr["X"], tr["y"], te["X"])
    return pred, dict(
        times, train_accuracy=float(np.mean(model.predict(tr["X"]) == tr["y"])),
        n_iter=int(model.n_iter_), final_loss=float(model.loss_curve_[-1]),
        shapelet_lengths=sorted({int(L) for L in model.shapelet_lengths_}),
        n_shapelets=int(model.n_shapelets), max_timepoints=model.max_timepoints,
        paa_factor=int(model.paa_factor_),
        load_avg=[round(v, 2) for v in os.getloadavg()])


def _stc(seed, minutes):
    from sktime.classification.shapelet_based import ShapeletTransformClassifier

    return ShapeletTransformClassifier(
        time_limit_in_minutes=minutes, random_state=seed, n_jobs=1)


def _warm_up_stc(Xtr, ytr):
    """Compile the shapelet transform's numba code outside the timings."""
    from sktime.classification.shapelet_based import ShapeletTransformClassifier
    from sktime.classification.sklearn import RotationForest

    idx = np.linspace(0, len(ytr) - 1, min(12, len(ytr))).astype(int)
    model = ShapeletTransformClassifier(
        n_shapelet_samples=20, max_shapelets=5, random_state=0, n_jobs=1,
        estimator=RotationForest(n_estimators=2, random_state=0))
    model.fit(Xtr[idx], ytr[idx])
    model.predict(Xtr[idx[:4]])


def _run_stc(Xtr, ytr, Xte, seed, args):
    model = _stc(seed, args.stc_minutes)
    pred, times = _fit_predict(model, Xtr, ytr, Xte)
    return pred, dict(times, n_shapelets=len(model._transformer.shapelets))


def _run_minirocket(data, seed):
    """cnn.py's MiniRocket (transform -> scale -> ridge), with CPU times too."""
    from cnn import _minirocket
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.preprocessing import StandardScaler

    tr, te = data["train"], data["test"]

    def fit():
        rocket = _minirocket(data, seed)
        F = rocket.fit_transform(tr["rocket"])
        scaler = StandardScaler(with_mean=False)
        ridge = RidgeClassifierCV(alphas=ALPHAS).fit(scaler.fit_transform(F), tr["y"])
        return rocket, scaler, ridge

    (rocket, scaler, ridge), fit_s, fit_cpu = _timed(fit)
    pred, predict_s, _ = _timed(
        lambda: ridge.predict(scaler.transform(rocket.transform(te["rocket"]))))
    return pred, dict(fit_s=fit_s, fit_cpu_s=fit_cpu, predict_s=predict_s)


def _run_flat(method, Xtr, ytr, Xte):
    from sklearn.neighbors import KNeighborsClassifier

    if method == "1nn":
        model = KNeighborsClassifier(n_neighbors=1)
        return _fit_predict(model, Xtr.reshape(len(Xtr), -1), ytr,
                            Xte.reshape(len(Xte), -1))
    model = skdeep_pipelines()[WAVELET_METHODS[method]]()
    if Xtr.shape[1] == 1:  # 2-D for univariate data, as in the featurizers part
        Xtr, Xte = Xtr[:, 0], Xte[:, 0]
    return _fit_predict(model, Xtr, ytr, Xte)


def shapelets(args, store):
    from cnn import load_ucr, warm_up_minirocket

    seeds, cap = args.seed_list(), (SMOKE_CAP if args.smoke else None)
    chosen = [m for m in RUN_ORDER if args.methods is None or m in args.methods]
    if not args.table_only:
        commit = git_commit()
        if "shapelet" in chosen:
            _warm_up_shapelets()
        for name in args.dataset_list():
            # --rerun: the chosen cells run again even when on file; the new
            # record is appended and supersedes the old one in the tables.
            todo = [(m, s) for m in chosen for s in seeds
                    if args.rerun or store.get(dataset=name, method=m, seed=s) is None]
            if not todo:
                print(f"== {name}: all cells present", flush=True)
                continue
            print(f"== {name}: {len(todo)} cells to run", flush=True)
            data = load_ucr(name, cap)
            Xtr, Xte = _zero_padded(data)
            ytr, yte = data["train"]["y"], data["test"]["y"]
            methods = {m for m, _ in todo}
            if "minirocket" in methods:
                warm_up_minirocket(data)
            if "stc" in methods:
                _warm_up_stc(Xtr, ytr)
            for method, seed in todo:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if method == "shapelet":
                        pred, res = _run_shapelet(data, seed, args)
                    elif method == "stc":
                        pred, res = _run_stc(Xtr, ytr, Xte, seed, args)
                    elif method == "minirocket":
                        pred, res = _run_minirocket(data, seed)
                    else:
                        pred, res = _run_flat(method, Xtr, ytr, Xte)
                rec = store.add(dict(
                    dataset=name, method=method, seed=seed,
                    accuracy=float(np.mean(pred == yte)),
                    n_train=len(ytr), n_test=len(yte),
                    n_classes=len(np.unique(ytr)), channels=data["channels"],
                    lengths=list(data["lengths"]), padded_length=Xtr.shape[2],
                    commit=commit, **res))
                print(f"{name:16s} {method:12s} seed {seed}: acc {rec['accuracy']:.4f} "
                      f"fit {rec['fit_s']:.2f}s (cpu {rec['fit_cpu_s']:.2f}s) "
                      f"predict {rec['predict_s']:.2f}s", flush=True)
    return shapelets_tables(store, seeds, args)


def newest_per_cell(records, key=("dataset", "method", "seed")):
    """The newest record of each cell, in file order; and the superseded ones.

    A cell run again (``--rerun``) keeps its earlier records in the JSON lines
    as history; only the newest (latest ``time``, then the later line) counts
    in the tables.
    """
    newest = {}
    for r in records:
        k = tuple(r[f] for f in key)
        if k not in newest or r["time"] >= newest[k]["time"]:
            newest[k] = r
    kept = {id(r) for r in newest.values()}
    return ([r for r in records if id(r) in kept],
            [r for r in records if id(r) not in kept])


def shapelets_tables(store, seeds, args):
    recs, superseded = newest_per_cell(
        [r for r in store.records if r["seed"] in seeds])
    present = [d for d in SHAPELET_DATASETS if any(r["dataset"] == d for r in recs)]

    def cell(name, method):
        return [r for r in recs if r["dataset"] == name and r["method"] == method]

    def mean(name, method, key):
        c = cell(name, method)
        return float(np.mean([r[key] for r in c])) if c else None

    complete = [d for d in present if all(cell(d, m) for m in SHAPELET_METHODS)]
    sc = _sc_params(args)
    lines = _header("Learned shapelets: accuracy and fit time (sktime's bundled "
                    "UCR/UEA sets)", args)
    lines += store.provenance(recs) if recs else []
    if superseded:
        again = {(r["dataset"], r["method"], r["seed"]) for r in superseded}
        rerun = sorted({(r["method"], r.get("commit", "?"), r["time"][:10])
                        for r in recs
                        if (r["dataset"], r["method"], r["seed"]) in again})
        lines += [
            f"Each cell's newest record counts; {len(superseded)} earlier "
            "records of re-run cells are kept in the JSON lines as history. "
            "Re-run cells (method, commit, date): "
            + "; ".join(f"{m} at {c} on {d}" for m, c, d in rerun) + ".",
            "",
        ]
    lines += [
        "The archive's train/test splits, read and normalised by "
        "`benchmarks/cnn.py`'s `load_ucr`; zero padding to one length for the "
        "methods that need it (STC, 1-NN, wavelets), NaN padding for "
        "ShapeletClassifier, MiniRocketMultivariateVariable for unequal lengths "
        "(see the docstring). ShapeletClassifier: `ShapeletClassifier("
        f"random_state=seed{''.join(f', {k}={v}' for k, v in sc.items())})`, "
        f"its defaults otherwise ({_describe_sc_defaults(sc)}; rows recorded "
        "before a change of defaults were run with the defaults of their "
        "commit, see the notes). STC: "
        "sktime `ShapeletTransformClassifier(time_limit_in_minutes="
        f"{args.stc_minutes}, random_state=seed, n_jobs=1)`. Torch threads: "
        f"{args.threads}; BLAS/numba: 1. Seeds requested: {list(seeds)}; "
        "accuracy mean ± std (ddof=1) over the seeds present; times are means "
        "over the seeds, in seconds.",
        "",
        "| data set | train/test x C x T | method | accuracy | fit (s) | fit CPU (s) "
        "| predict (s) |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for name in present:
        for method, label in SHAPELET_METHODS.items():
            c = cell(name, method)
            if not c:
                lines.append(f"| {name} | | {label} | — | — | — | — |")
                continue
            r0 = c[0]
            T = (f"{r0['lengths'][0]}-{r0['lengths'][1]}"
                 if r0["lengths"][0] != r0["lengths"][1] else str(r0["lengths"][0]))
            extra = ""
            if method == "stc":
                extra = f" ({int(np.mean([r['n_shapelets'] for r in c]))} shapelets)"
            lines.append(
                f"| {name} | {r0['n_train']}/{r0['n_test']} x {r0['channels']} x "
                f"{T} | {label}{extra} | {mean_std([r['accuracy'] for r in c])} | "
                f"{mean(name, method, 'fit_s'):.2f} | "
                f"{mean(name, method, 'fit_cpu_s'):.2f} | "
                f"{mean(name, method, 'predict_s'):.2f} |")
    lines += ["", f"### Means over the {len(complete)} data sets with every method "
              f"({', '.join(complete) or 'none'})", ""]
    if not complete:
        lines.append("No data set has results for every method yet.")
        return "\n".join(lines)
    rows = []
    for method, label in SHAPELET_METHODS.items():
        accs = [mean(d, method, "accuracy") for d in complete]
        rows.append(f"| {label} | {np.mean(accs):.4f} | "
                    f"{sum(mean(d, method, 'fit_s') for d in complete):.1f} | "
                    f"{sum(mean(d, method, 'fit_cpu_s') for d in complete):.1f} |")
    lines += ["| method | mean accuracy | total fit (s) | total fit CPU (s) |",
              "|---|---:|---:|---:|", *rows, ""]

    # target (a)
    acc_sc = np.mean([mean(d, "shapelet", "accuracy") for d in complete])
    acc_wv = np.mean([mean(d, REFERENCE_WAVELET, "accuracy") for d in complete])
    # the seeds every complete set has a ShapeletClassifier record for
    sc_seeds = sorted(set.intersection(*(
        {r["seed"] for r in cell(d, "shapelet")} for d in complete)))
    lines += [
        "### Target (a): beat the wavelet pipeline's mean accuracy",
        "",
        f"ShapeletClassifier {acc_sc:.4f} against "
        f"{WAVELET_METHODS[REFERENCE_WAVELET]} + ridge (the declared reference) "
        f"{acc_wv:.4f}: difference {acc_sc - acc_wv:+.4f}",
    ]
    if len(sc_seeds) < 2:
        lines[-1] += f", **{'met' if acc_sc > acc_wv else 'not met'}**."
    else:
        # session 21's rule (docstring): per-seed means over the sets, and a
        # margin of 2 standard errors of their mean
        per_seed = [
            np.mean([r["accuracy"] for d in complete
                     for r in cell(d, "shapelet") if r["seed"] == seed])
            for seed in sc_seeds
        ]
        M = float(np.mean(per_seed))
        se = float(np.std(per_seed, ddof=1) / np.sqrt(len(per_seed)))
        met = M - acc_wv >= 2 * se
        lines[-1] += "."
        lines += [
            "",
            f"Per-seed means over the {len(complete)} sets (seeds {sc_seeds}): "
            + ", ".join(f"{m:.4f}" for m in per_seed)
            + f"; M = {M:.4f}, SE = {se:.4f}. Rule declared for this run (session "
            f"21, see the docstring): met when M - reference >= 2 SE, here "
            f"{M - acc_wv:+.4f} against {2 * se:.4f}: "
            f"**{'met' if met else 'not met'}**.",
        ]
    lines.append("")

    # target (b)
    rows, ratios, n_met = [], [], 0
    for d in complete:
        f_stc, f_sc = mean(d, "stc", "fit_s"), mean(d, "shapelet", "fit_s")
        c_stc, c_sc = mean(d, "stc", "fit_cpu_s"), mean(d, "shapelet", "fit_cpu_s")
        a_stc, a_sc = mean(d, "stc", "accuracy"), mean(d, "shapelet", "accuracy")
        ratio = f_stc / f_sc
        met = ratio >= 10 and a_sc - a_stc >= 0
        ratios.append(ratio)
        n_met += met
        rows.append(f"| {d} | {f_stc:.2f} | {f_sc:.2f} | {ratio:.1f}x | "
                    f"{c_stc / c_sc:.1f}x | {a_stc:.4f} | {a_sc:.4f} | "
                    f"{a_sc - a_stc:+.4f} | {'yes' if met else 'no'} |")
    tot_stc = sum(mean(d, "stc", "fit_s") for d in complete)
    tot_sc = sum(mean(d, "shapelet", "fit_s") for d in complete)
    cpu_ratio = (sum(mean(d, "stc", "fit_cpu_s") for d in complete)
                 / sum(mean(d, "shapelet", "fit_cpu_s") for d in complete))
    acc_stc = np.mean([mean(d, "stc", "accuracy") for d in complete])
    overall = tot_stc / tot_sc >= 10 and acc_sc - acc_stc >= 0
    lines += [
        "### Target (b): fit >= 10x faster than sktime's shapelet classifier at "
        "equal or better accuracy",
        "",
        f"STC under a {args.stc_minutes}-minute contract (its fit time is set by "
        "the contract). Ratio: wall-clock fit seconds STC / ShapeletClassifier; "
        "difference: accuracy ShapeletClassifier - STC.",
        "",
        "| data set | STC fit (s) | ShapeletClassifier fit (s) | ratio | CPU ratio "
        "| STC accuracy | ShapeletClassifier accuracy | difference | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        f"| **overall** | {tot_stc:.1f} | {tot_sc:.1f} | {tot_stc / tot_sc:.1f}x "
        f"| {cpu_ratio:.1f}x | {acc_stc:.4f} | {acc_sc:.4f} | "
        f"{acc_sc - acc_stc:+.4f} | {'yes' if overall else 'no'} |",
        "",
        f"Overall (ratio of the summed fit times >= 10 and mean accuracy "
        f"difference >= 0): **{'met' if overall else 'not met'}**; geometric mean "
        f"of the per-set ratios {np.exp(np.mean(np.log(ratios))):.1f}x; met on "
        f"{n_met} of {len(complete)} data sets.",
        "",
        f"Load average at the end: {load_average()}.",
    ]
    lines += _history_table(recs, superseded, complete)
    return "\n".join(lines)


def _history_table(recs, superseded, names):
    """ShapeletClassifier's newest cells against the record each replaced."""
    rows, accs = [], []
    for d in names:
        new = [r for r in recs if r["dataset"] == d and r["method"] == "shapelet"]
        old = [r for r in superseded if r["dataset"] == d and r["method"] == "shapelet"]
        if not new or not old:
            continue
        n, o = new[0], max(old, key=lambda r: r["time"])
        first = min(old, key=lambda r: r["time"])
        accs.append((first["accuracy"], o["accuracy"], n["accuracy"]))
        rows.append(
            f"| {d} | {first['accuracy']:.4f} | {first['fit_s']:.2f} "
            f"| {o.get('commit', 'first run')} | {o['accuracy']:.4f} | "
            f"{o['fit_s']:.2f} | {o['fit_cpu_s']:.2f} | {o.get('load', '?')} | "
            f"{n.get('commit', '?')} ({n.get('n_shapelets', '?')} per length, "
            f"PAA {n.get('paa_factor', '?')}) | {n['accuracy']:.4f} | "
            f"{n['fit_s']:.2f} | {n['fit_cpu_s']:.2f} | {n.get('load', '?')} |")
    if not rows:
        return []
    return [
        "",
        "### ShapeletClassifier: the re-run cells against the records they replaced",
        "",
        "The first record (the first defaults) and the previous record of each "
        "re-run ShapeletClassifier cell (seed 0), kept in the JSON lines; load "
        "averages as recorded with each cell (the machine is shared, so wall and "
        "CPU seconds of different runs compare only roughly).",
        "",
        "| data set | first: accuracy | fit (s) | before: commit | accuracy "
        "| fit (s) | fit CPU (s) | load "
        "| after: commit | accuracy | fit (s) | fit CPU (s) | load |",
        "|---|---:|---:|---|---:|---:|---:|---|---|---:|---:|---:|---|",
        *rows,
        "| **mean accuracy** | **{:.4f}** | | | **{:.4f}** | | | | | **{:.4f}** "
        "| | | |".format(*np.mean(accs, axis=0)),
    ]


# ------------------------------------------------------- shapelets_gunpoint


def _intervals(mask):
    """Runs of True in a boolean vector as (first, last) pairs."""
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1))


REGION_FRACTION = 0.25


def discriminative_region(X, y):
    """Training-set rule of the protocol: |difference of class means| >=
    a quarter of its maximum. Returns the boolean mask over time steps and d(t)."""
    classes = np.unique(y)
    d = np.abs(X[y == classes[0], 0].mean(0) - X[y == classes[1], 0].mean(0))
    return d >= REGION_FRACTION * d.max(), d


def _fisher(D, y):
    classes = np.unique(y)
    a, b = D[y == classes[0]], D[y == classes[1]]
    return np.abs(a.mean(0) - b.mean(0)) / np.sqrt(a.var(0) + b.var(0))


def _match_stats(starts, L, region):
    """Per series: touches the region (>= 1 step); overlaps it (>= L/2 steps)."""
    inside = np.array([region[p:p + L].sum() for p in starts])
    return inside >= 1, inside >= L / 2


def _chance(L, region):
    T = len(region)
    inside = np.array([region[p:p + L].sum() for p in range(T - L + 1)])
    return float(np.mean(inside >= 1)), float(np.mean(inside >= L / 2))


def shapelets_gunpoint(args, store):
    from cnn import load_ucr

    from skdeep.signal import ShapeletClassifier

    data = load_ucr("GunPoint")
    tr, te = data["train"], data["test"]
    region, d = discriminative_region(tr["X"], tr["y"])
    seeds = args.seed_list()
    if not args.table_only:
        _warm_up_shapelets()
        for seed in seeds:
            if store.get(seed=seed) is not None and not args.rerun:
                print(f"seed {seed}: present", flush=True)
                continue
            clf, fit_s, _ = _timed(
                ShapeletClassifier(random_state=seed, **_sc_params(args)).fit,
                tr["X"], tr["y"])
            score = _fisher(clf.transform(tr["X"]), tr["y"])
            coef = clf.coef_
            picks = {"fisher": int(np.argmax(score)),
                     "head_weight": int(np.argmax(np.abs(coef[1] - coef[0])))}
            positions = clf.best_match_positions(te["X"])
            rec = dict(seed=seed, fit_s=fit_s, commit=git_commit(),
                       n_shapelets=int(clf.n_shapelets_),
                       accuracy=float(clf.score(te["X"], te["y"])))
            for key, k in picks.items():
                L = int(clf.shapelet_lengths_[k])
                D = clf.transform(tr["X"])[:, k]
                classes = np.unique(tr["y"])
                closer = classes[int(D[tr["y"] == classes[1]].mean()
                                     < D[tr["y"] == classes[0]].mean())]
                rec[key] = dict(
                    index=k, length=L, fisher=float(score[k]),
                    weight_difference=float(coef[1, k] - coef[0, k]),
                    closer_class=str(closer), starts=positions[:, k].tolist())
            store.add(rec)
            f = rec["fisher"]
            _, overlap = _match_stats(f["starts"], f["length"], region)
            print(f"seed {seed}: acc {rec['accuracy']:.4f}, best shapelet "
                  f"{f['index']} (L={f['length']}), overlap {overlap.mean():.3f}",
                  flush=True)
    return gunpoint_tables(store, seeds, region, d, te["y"], args)


def gunpoint_tables(store, seeds, region, d, y_test, args):
    # --rerun appends; the newest record of a seed counts
    recs, superseded = newest_per_cell(
        [r for r in store.records if r["seed"] in seeds], key=("seed",))
    classes = np.unique(y_test)
    spans = ", ".join(f"{a}-{b}" for a, b in _intervals(region))
    overrides = "".join(f", {k}={v}" for k, v in _sc_params(args).items())
    lines = _header("Learned shapelets: where the best shapelet matches on "
                    "GunPoint", args)
    lines += store.provenance(recs) if recs else []
    if superseded:
        lines += [f"{len(superseded)} earlier record(s) of re-run seeds are kept "
                  "in the JSON lines as history; the newest counts (commit "
                  + ", ".join(sorted({str(r.get('commit', '?')) for r in recs}))
                  + ").", ""]
    lines += [
        "Discriminative region R (from the 50 TRAINING series only): the time "
        "steps where the absolute difference of the two class means is at least "
        f"{REGION_FRACTION} of its maximum ({d.max():.3f}): steps {spans} "
        f"({int(region.sum())} "
        f"of {len(region)}; steps counted from 0). Model: `ShapeletClassifier("
        f"random_state=seed{overrides})`"
        ", defaults otherwise. Best shapelet: the highest Fisher score "
        "|m1 - m2| / sqrt(v1 + v2) of its distance on the training series (as "
        "in the gallery example); its match on a test series is the window "
        "[p, p + L - 1], p from `best_match_positions`. Overlap (primary): at "
        "least L/2 steps of the window in R; touch: at least one step in R. "
        "Chance: the same for a window of length L at a uniformly random "
        "start. Fractions of the 150 test series (per class: of that class's "
        "test series).",
        "",
        "| seed | test accuracy | shapelet (rule) | length | Fisher | W[1]-W[0] "
        "| closer to class | overlap: all | "
        + " | ".join(f"class {c}" for c in classes)
        + " | chance | touch: all | chance | median start per class |",
        "|---|---:|---|---:|---:|---:|---|---:|"
        + "---:|" * len(classes) + "---:|---:|---:|---|",
    ]
    for r in recs:
        for key, rule in (("fisher", "best Fisher score (primary)"),
                          ("head_weight", "largest abs(W[1]-W[0]) (info)")):
            s = r[key]
            starts = np.array(s["starts"])
            overlap, half = _match_stats(starts, s["length"], region)
            ch_touch, ch_half = _chance(s["length"], region)
            per_class = " | ".join(f"{half[y_test == c].mean():.3f}"
                                   for c in classes)
            medians = ", ".join(f"{c}: {int(np.median(starts[y_test == c]))}"
                                for c in classes)
            lines.append(
                f"| {r['seed']} | {r['accuracy']:.4f} | {s['index']} ({rule}) | "
                f"{s['length']} | {s['fisher']:.2f} | {s['weight_difference']:+.2f} "
                f"| {s['closer_class']} | **{half.mean():.3f}** | {per_class} | "
                f"{ch_half:.3f} | {overlap.mean():.3f} | {ch_touch:.3f} | {medians} |")
    if len(recs) > 1:
        primary = [_match_stats(r["fisher"]["starts"], r["fisher"]["length"],
                                region)[1].mean() for r in recs]
        lines += ["", "Mean over seeds of the primary fraction (best Fisher "
                  f"score, overlap): {np.mean(primary):.3f}."]
    lines += ["", f"Load average at the end: {load_average()}."]
    return "\n".join(lines)


# -------------------------------------------------------- shapelets_scaling


def planted_series(n, T, seed=0):
    """Random walks, z-normalised; class 1 (every second) gets 2 sin of length
    round(0.1 T) added at a random start, then is z-normalised again."""
    rng = np.random.RandomState(seed)

    def znorm(X):
        return (X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True)

    X = znorm(np.cumsum(rng.randn(n, T), axis=1))
    y = np.arange(n) % 2
    L = max(2, int(round(0.1 * T)))
    pattern = 2 * np.sin(2 * np.pi * np.arange(L) / L)
    starts = rng.randint(0, T - L + 1, size=n)
    for i in np.flatnonzero(y == 1):
        X[i, starts[i]:starts[i] + L] += pattern
    X = np.where(y[:, None] == 1, znorm(X), X)
    return X[:, None, :].astype(np.float32), y


def _scaling_grid(args):
    if args.smoke:
        Ts, ns, n_for_T, T_for_n = (150, 300), (50, 100), 50, 150
    else:
        Ts, ns, n_for_T, T_for_n = (150, 300, 600, 1000, 1500), (100, 200, 400, 800), \
            100, 300
    grid = [("length, default lengths", n_for_T, T, None) for T in Ts]
    grid += [("length, lengths (15, 30, 45)", n_for_T, T, (15, 30, 45)) for T in Ts]
    grid += [("series count, default lengths", n, T_for_n, None) for n in ns]
    return grid


def shapelets_scaling(args, store):
    from skdeep.signal import ShapeletClassifier

    grid = _scaling_grid(args)
    if not args.table_only:
        commit = git_commit()
        _warm_up_shapelets()
        for rep in range(args.scaling_repeats):
            for sweep, n, T, lengths in grid:
                # --rerun: measured again, the newest record of a cell counts
                if not args.rerun and store.get(sweep=sweep, n=n, T=T,
                                                repeat=rep) is not None:
                    continue
                X, y = planted_series(n, T)
                kw = {} if lengths is None else {"shapelet_lengths": lengths}
                clf = ShapeletClassifier(max_epochs=args.scaling_epochs,
                                         random_state=0, **kw)
                _, fit_s, fit_cpu = _timed(clf.fit, X, y)
                rec = store.add(dict(
                    sweep=sweep, n=n, T=T, repeat=rep, fit_s=fit_s, commit=commit,
                    fit_cpu_s=fit_cpu, n_iter=int(clf.n_iter_),
                    shapelet_lengths=sorted({int(L) for L in clf.shapelet_lengths_}),
                    paa_factor=int(getattr(clf, "paa_factor_", 1)),
                    train_accuracy=float(clf.score(X, y))))
                print(f"{sweep:32s} n={n:4d} T={T:5d} rep {rep}: fit "
                      f"{rec['fit_s']:.2f}s (cpu {rec['fit_cpu_s']:.2f}s) train acc "
                      f"{rec['train_accuracy']:.3f}", flush=True)
    lines = _header("Learned shapelets: fit time against series length and "
                    "count", args)
    lines += store.provenance(store.records) if store.records else []
    records, older = newest_per_cell(store.records,
                                     key=("sweep", "n", "T", "repeat"))
    if older:
        lines += [
            f"{len(older)} earlier record(s) of re-run cells are kept in the JSON "
            "lines as history; the newest record of each cell counts, and the "
            "column 'first' gives the median fit seconds of the oldest records "
            "of these settings (from "
            + ", ".join(sorted({r["time"][:10] for r in older})) + ").",
            ""]
    lines += [
        "Synthetic random walks with a planted pattern in class 1 (see the "
        f"docstring). `ShapeletClassifier(max_epochs={args.scaling_epochs}, "
        "random_state=0)`, defaults otherwise ("
        + ("10 shapelets per length, no PAA, batch 128: the first defaults"
           if "defaults" not in store.config
           else _describe_sc_defaults(dict(max_epochs=args.scaling_epochs)))
        + f"); torch threads {args.threads}. Medians over the repeats present "
        f"(requested: {args.scaling_repeats}); k-means initialisation included. "
        "µs per series x step: median fit seconds / (n T) x 1e6.",
        "",
        "| sweep | n | T | shapelet lengths | PAA | fit (s) | fit CPU (s) "
        "| fit / epochs (s) | µs per series x step | train accuracy | repeats "
        "| first: fit (s) |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for sweep, n, T, _ in grid:
        recs = [r for r in records
                if r["sweep"] == sweep and r["n"] == n and r["T"] == T]
        if not recs:
            lines.append(f"| {sweep} | {n} | {T} |" + " — |" * 7 + " 0 | — |")
            continue
        # the oldest record of each repeat with these settings
        old = {}
        for r in older:
            if r["sweep"] == sweep and r["n"] == n and r["T"] == T and (
                    r["repeat"] not in old or r["time"] < old[r["repeat"]]["time"]):
                old[r["repeat"]] = r
        before = (f"{np.median([r['fit_s'] for r in old.values()]):.2f}"
                  if old else "—")
        fit = float(np.median([r["fit_s"] for r in recs]))
        cpu = float(np.median([r["fit_cpu_s"] for r in recs]))
        lines.append(
            f"| {sweep} | {n} | {T} | {recs[0]['shapelet_lengths']} | "
            f"{recs[0].get('paa_factor', 1)} | {fit:.2f} | "
            f"{cpu:.2f} | {fit / recs[0]['n_iter']:.3f} | {fit / (n * T) * 1e6:.1f} | "
            f"{np.median([r['train_accuracy'] for r in recs]):.3f} | {len(recs)} "
            f"| {before} |")
    lines += ["", f"Load average at the end: {load_average()}."]
    return "\n".join(lines)


# -------------------------------------------------------- shapelet_defaults

# Declared in the docstring before any run: (max_timepoints, n_shapelets).
DEFAULT_CANDIDATES = {"C0": (None, 10), "C1": (256, 10), "C2": (256, 20),
                      "C3": (128, 10), "C4": (128, 20)}
# name: (n_classes, channels, T or (min, max) lengths, pattern, n_train)
SELECTION_TASKS = {"G1": (3, 1, 150, 15, 60), "G2": (3, 1, 600, 30, 90),
                   "G3": (2, 1, 1400, 40, 100), "G4": (3, 3, 300, 20, 60),
                   "G5": (4, 1, (100, 1200), 12, 150)}
SELECTION_UCR_SETS = SHAPELET_DATASETS


def _class_pattern(c, L):
    t = np.arange(L) / L
    shapes = (np.sin(2 * np.pi * t), np.hanning(L) * 2 - 0.5,
              np.where(t < 0.5, 1.0, -1.0), 2 * t - 1)
    return 1.5 * shapes[c]


def generated_task(name, split):
    """One S1 task of the shapelet_defaults protocol (see the docstring)."""
    n_classes, C, T, L, n_train = SELECTION_TASKS[name]
    index = list(SELECTION_TASKS).index(name)
    rng = np.random.RandomState((101 if split == "train" else 201) + index)
    n = n_train if split == "train" else 300
    y = np.arange(n) % n_classes
    if isinstance(T, tuple):
        lengths = rng.randint(T[0], T[1] + 1, size=n)
        T = T[1]
    else:
        lengths = np.full(n, T)

    def znorm(x):
        return (x - x.mean(-1, keepdims=True)) / x.std(-1, keepdims=True)

    X = np.full((n, C, T), np.nan)
    for i in range(n):
        m = lengths[i]
        x = znorm(np.cumsum(rng.randn(C, m), axis=1) + 0.5 * rng.randn(C, m))
        start = rng.randint(0, m - L + 1)
        x[:, start:start + L] += _class_pattern(y[i], L)
        X[i, :, :m] = znorm(x)
    return X, y


def shapelet_defaults(args, store):
    tasks = _selection_tasks(args)
    if not args.table_only:
        _run_selection(args, store, tasks, DEFAULT_CANDIDATES)
    return shapelet_defaults_table(store, tasks, args)


def _selection_tasks(args):
    tasks = [("S1", g) for g in SELECTION_TASKS] + [
        ("S2", d) for d in SELECTION_UCR_SETS]
    return tasks[:1] + tasks[5:6] if args.smoke else tasks


def _run_selection(args, store, tasks, candidates):
    """Fit every candidate on every selection task (cells on file skipped)."""
    from cnn import load_ucr
    from sklearn.model_selection import StratifiedShuffleSplit

    from skdeep.signal import ShapeletClassifier

    if getattr(args, "candidates", None):
        candidates = {c: v for c, v in candidates.items() if c in args.candidates}
    _warm_up_shapelets()
    for source, task in tasks:
        todo = [c for c in candidates
                if store.get(task=task, candidate=c) is None]
        if not todo:
            continue
        if source == "S1":
            Xtr, ytr = generated_task(task, "train")
            Xva, yva = generated_task(task, "test")
        else:  # the training split only: the test split is never read
            data = load_ucr(task)
            X, y = data["train"]["X"], data["train"]["y"]
            split = StratifiedShuffleSplit(n_splits=1, test_size=1 / 3,
                                           random_state=0)
            fit_i, val_i = next(split.split(X, y))
            Xtr, ytr, Xva, yva = X[fit_i], y[fit_i], X[val_i], y[val_i]
            # trim the padding both parts share (the fit part's longest)
            keep = int((~np.isnan(Xtr).all(axis=1)).sum(axis=1).max())
            Xtr = Xtr[..., :keep]
            Xva = Xva[..., :max(keep, int(
                (~np.isnan(Xva).all(axis=1)).sum(axis=1).max()))]
        for cand in todo:
            value = candidates[cand]
            if isinstance(value, dict):  # parameters by name (round 3)
                params = value
            else:  # (max_timepoints, n_shapelets) (rounds 1 and 2)
                params = dict(max_timepoints=value[0], n_shapelets=value[1])
            model = ShapeletClassifier(random_state=0,
                                       **{**params, **_sc_params(args)})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, fit_s, fit_cpu = _timed(model.fit, Xtr, ytr)
                acc = float(np.mean(model.predict(Xva) == yva))
            rec = store.add(dict(
                source=source, task=task, candidate=cand, accuracy=acc,
                fit_s=fit_s, fit_cpu_s=fit_cpu, paa_factor=int(model.paa_factor_),
                shapelet_lengths=sorted({int(L) for L in model.shapelet_lengths_}),
                n_fit=len(ytr), n_validation=len(yva), commit=git_commit()))
            print(f"{source} {task:16s} {cand} acc {acc:.4f} fit "
                  f"{rec['fit_s']:.2f}s (cpu {fit_cpu:.2f}s) PAA "
                  f"{rec['paa_factor']}", flush=True)


def _selection_cells(store, tasks, cands, cost_key):
    """One table row per selection task, "accuracy / cost" per candidate.

    Returns the rows, per-candidate lists of accuracies, costs (``cost_key``)
    and wall seconds, and the candidates scored on every task.
    """
    rows, scores, costs, walls = [], {}, {}, {}
    for source, task in tasks:
        cells = []
        for c in cands:
            r = store.get(task=task, candidate=c)
            if r is None:
                cells.append("—")
                continue
            scores.setdefault(c, []).append(r["accuracy"])
            costs.setdefault(c, []).append(r[cost_key])
            walls.setdefault(c, []).append(r["fit_s"])
            cells.append(f"{r['accuracy']:.3f} / {r[cost_key]:.1f}"
                         + (f" (PAA {r['paa_factor']})" if r["paa_factor"] > 1 else ""))
        rows.append(f"| {source} | {task} | " + " | ".join(cells) + " |")
    complete = [c for c in cands if len(scores.get(c, ())) == len(tasks)]
    return rows, scores, costs, walls, complete


def shapelet_defaults_table(store, tasks, args):
    lines = _header("Selection of ShapeletClassifier's defaults (data not reported "
                    "as evidence)", args)
    lines += store.provenance(store.records) if store.records else []
    lines += [
        "Protocol: the `shapelet_defaults` entry of the docstring (written before "
        "the run). S1: generated tasks, accuracy on their own generated test "
        "series; S2: a stratified 2/3 - 1/3 split of each set's TRAINING part "
        "(the test parts are never read). Candidates (max_timepoints, "
        "n_shapelets): " + ", ".join(f"{c} {v}" for c, v in
                                     DEFAULT_CANDIDATES.items())
        + "; every other parameter at the first defaults, random_state=0. "
        "Accuracy / fit wall seconds per cell.",
        "",
        "| source | task | " + " | ".join(DEFAULT_CANDIDATES) + " |",
        "|---|---|" + "---:|" * len(DEFAULT_CANDIDATES),
    ]
    rows, scores, costs, _, complete = _selection_cells(
        store, tasks, DEFAULT_CANDIDATES, "fit_s")
    lines += rows
    lines.append("| **score / cost** | | " + " | ".join(
        f"**{np.mean(scores[c]):.4f} / {np.sum(costs[c]):.0f}**" if c in complete
        else "—" for c in DEFAULT_CANDIDATES) + " |")
    if "C0" in complete:
        base_s, base_c = np.mean(scores["C0"]), np.sum(costs["C0"])
        eligible = [c for c in complete if np.sum(costs[c]) <= base_c / 4]
        if eligible:
            best = max(np.mean(scores[c]) for c in eligible)
            near = [c for c in eligible if np.mean(scores[c]) >= best - 0.005]
            pick = min(near, key=lambda c: np.sum(costs[c]))
            keep = np.mean(scores[pick]) < base_s - 0.01
            lines += ["", f"Rule: eligible (cost <= {base_c / 4:.0f} s): "
                      f"{', '.join(eligible)}; best score {best:.4f}; chosen "
                      f"**{'C0 (defaults kept)' if keep else pick}** "
                      f"{DEFAULT_CANDIDATES['C0' if keep else pick]} "
                      f"(C0 score {base_s:.4f})."]
        else:
            lines += ["", "Rule: no candidate costs 1/4 of C0 or less; defaults kept."]
    lines += ["", f"Load average at the end: {load_average()}."]
    return "\n".join(lines)


# ------------------------------------------------------- shapelet_defaults2

# Declared in the docstring before any run: (max_timepoints, n_shapelets).
DEFAULT_CANDIDATES2 = {"D1": (None, 20), "D2": (512, 20), "D3": (256, 20),
                       "D4": (128, 20), "D5": ("auto", 20)}


def shapelet_defaults2(args, store):
    tasks = _selection_tasks(args)
    if not args.table_only:
        _run_selection(args, store, tasks, DEFAULT_CANDIDATES2)
    return shapelet_defaults2_table(store, tasks, args)


def shapelet_defaults2_table(store, tasks, args, round3=False):
    cands = DEFAULT_CANDIDATES3 if round3 else DEFAULT_CANDIDATES2
    if round3:
        lines = _header("Third selection of ShapeletClassifier's defaults: the "
                        "learning rate (data not reported as evidence)", args)
        protocol = (
            "Protocol: the `shapelet_defaults3` entry of the docstring, written "
            "before this round's runs but after the current defaults had been "
            "scored on the test splits (target (a) missed by 0.0018), so the "
            "test accuracies that follow are not a clean held-out estimate of "
            "this choice. Same S1/S2 data as rounds 1-2 (the test parts of the 9 "
            "sets are never read). Candidates (Adam's lr): "
            + ", ".join(f"{c} {v['lr']}" for c, v in cands.items())
            + "; every other parameter at the defaults, random_state=0.")
    else:
        lines = _header("Second selection of ShapeletClassifier's defaults, "
                        "accuracy first (data not reported as evidence)", args)
        protocol = (
            "Protocol: the `shapelet_defaults2` entry of the docstring, written "
            "before this round's runs but after round 1's choice had been scored "
            "on the test splits (so the test accuracies that follow are not a "
            "clean held-out estimate of this choice). Same S1/S2 data as round 1 "
            "(the test parts of the 9 sets are never read). Candidates "
            "(max_timepoints, n_shapelets): "
            + ", ".join(f"{c} {v}" for c, v in cands.items())
            + "; every other parameter at the defaults, random_state=0.")
    lines += store.provenance(store.records) if store.records else []
    lines += [
        protocol + " Accuracy / fit process CPU seconds per cell (PAA factor "
        "when > 1).",
        "",
        "| source | task | " + " | ".join(cands) + " |",
        "|---|---|" + "---:|" * len(cands),
    ]
    rows, scores, costs, walls, complete = _selection_cells(
        store, tasks, cands, "fit_cpu_s")
    lines += rows
    lines.append("| **score / CPU s** | | " + " | ".join(
        f"**{np.mean(scores[c]):.4f} / {np.sum(costs[c]):.0f}**" if c in complete
        else "—" for c in cands) + " |")
    lines.append("| wall s (information) | | " + " | ".join(
        f"{np.sum(walls[c]):.0f}" if c in complete else "—" for c in cands) + " |")
    missing = [c for c in cands if c not in complete]
    if round3 and "E0" in complete and not missing:
        base = np.mean(scores["E0"])
        best = max((c for c in complete if c != "E0"),
                   key=lambda c: np.mean(scores[c]))
        gain = np.mean(scores[best]) - base
        pick = best if gain > 0.005 else "E0"
        lines += ["", f"Rule (E0 stays unless another candidate's score exceeds "
                  f"it by more than 0.005): E0 {base:.4f}; best other {best} "
                  f"{np.mean(scores[best]):.4f} ({gain:+.4f}); chosen **{pick}** "
                  f"{cands[pick]}."]
    elif complete and not round3:
        best = max(np.mean(scores[c]) for c in complete)
        near = [c for c in complete if np.mean(scores[c]) >= best - 0.005]
        pick = min(near, key=lambda c: np.sum(costs[c]))
        lines += ["", f"Rule (highest score; within 0.005 of it the lowest CPU "
                  f"cost): best score {best:.4f}; within 0.005: {', '.join(near)}; "
                  f"chosen **{pick}** {cands[pick]}"
                  + (f" (incomplete, not eligible: {', '.join(missing)})"
                     if missing else "") + "."]
    lines += ["", f"Load average at the end: {load_average()}."]
    return "\n".join(lines)


# ------------------------------------------------------- shapelet_defaults3

# Declared in the docstring before any run: Adam's learning rate.
DEFAULT_CANDIDATES3 = {"E0": {"lr": 0.01}, "E1": {"lr": 0.02}, "E2": {"lr": 0.04}}


def shapelet_defaults3(args, store):
    tasks = _selection_tasks(args)
    if not args.table_only:
        _run_selection(args, store, tasks, DEFAULT_CANDIDATES3)
    return shapelet_defaults2_table(store, tasks, args, round3=True)


# ---------------------------------------------------------------------- main

RUNNERS = {"featurizers": featurizers, "shapelet_defaults": shapelet_defaults,
           "shapelet_defaults2": shapelet_defaults2,
           "shapelet_defaults3": shapelet_defaults3,
           "shapelets": shapelets,
           "shapelets_gunpoint": shapelets_gunpoint,
           "shapelets_scaling": shapelets_scaling}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=[*PARTS, "all"], default="featurizers")
    parser.add_argument("--quick", action="store_true",
                        help="featurizers: two data sets, one repeat")
    parser.add_argument("--repeats", type=int, default=None,
                        help="featurizers: timing repeats (default 3)")
    parser.add_argument("--datasets", nargs="*", default=None,
                        help="featurizers: a subset of "
                             f"{', '.join(DATASETS)}; shapelets: of "
                             f"{', '.join(SHAPELET_DATASETS)} (space- or "
                             "comma-separated)")
    parser.add_argument("--seeds", default="0",
                        help="shapelets, shapelets_gunpoint: comma-separated seeds")
    parser.add_argument("--stc-minutes", type=float, default=None,
                        help="shapelets: sktime STC's time_limit_in_minutes "
                             "(default 1; smoke 0.05)")
    parser.add_argument("--sc-epochs", type=int, default=None,
                        help="shapelets, shapelets_gunpoint: override "
                             "ShapeletClassifier's max_epochs (default: its "
                             "default, 200; smoke 2)")
    parser.add_argument("--scaling-epochs", type=int, default=None,
                        help="shapelets_scaling: max_epochs (default 50; smoke 2)")
    parser.add_argument("--scaling-repeats", type=int, default=None,
                        help="shapelets_scaling: repeats (default 3; smoke 1)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads for the shapelet parts (default 1)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny shapelet parts; prints, writes no results file")
    parser.add_argument("--out-dir", default=None,
                        help="JSON lines of the shapelet parts (default "
                             "benchmarks/signal_runs/; smoke: a temporary folder)")
    parser.add_argument("--results", default=None,
                        help="markdown file (default benchmarks/results/signal.md)")
    parser.add_argument("--table-only", action="store_true",
                        help="shapelet parts: only build tables from --out-dir")
    parser.add_argument("--methods", default=None,
                        help="featurizers, shapelets: comma-separated method keys "
                             "to run (featurizers: "
                             f"{', '.join(FEATURIZER_METHODS)}; shapelets: "
                             f"{', '.join(SHAPELET_METHODS)}); default all")
    parser.add_argument("--candidates", default=None,
                        help="shapelet_defaults, shapelet_defaults2: comma-"
                             "separated candidate names to run (default all)")
    parser.add_argument("--rerun", action="store_true",
                        help="shapelets, shapelets_gunpoint: run the chosen "
                             "cells even when on file; the newest record of a "
                             "cell counts")
    args = parser.parse_args(argv)
    if args.candidates is not None:
        args.candidates = [c for c in args.candidates.split(",") if c.strip()]
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.stc_minutes is None:
        args.stc_minutes = 0.05 if args.smoke else 1.0
    if args.sc_epochs is None and args.smoke:
        args.sc_epochs = 2
    if args.scaling_epochs is None:
        args.scaling_epochs = 2 if args.smoke else 50
    if args.scaling_repeats is None:
        args.scaling_repeats = 1 if args.smoke else 3
    requested = [d for a in (args.datasets or []) for d in a.split(",") if d]

    def check(names, allowed):
        unknown = sorted(set(names) - set(allowed))
        if unknown:
            parser.error(f"unknown data sets {unknown}; choose from "
                         f"{', '.join(allowed)}")
        return [d for d in allowed if d in names]

    parts = PARTS if args.part == "all" else (args.part,)
    if args.methods is not None:
        args.methods = [m for m in args.methods.split(",") if m.strip()]
        allowed = {*(FEATURIZER_METHODS if "featurizers" in parts else ()),
                   *(SHAPELET_METHODS if "shapelets" in parts else ())}
        unknown = sorted(set(args.methods) - allowed)
        if not allowed or unknown:
            parser.error(f"--methods: unknown {unknown} for part {args.part}; "
                         f"choose from {', '.join(sorted(allowed)) or 'none'}")
    if args.smoke:
        args.repeats = 1
    if "featurizers" in parts:
        args.featurizer_datasets = (
            check(requested, DATASETS) if requested
            else (DATASETS[:1] if args.smoke else
                  DATASETS[:2] if args.quick else DATASETS))
    if "shapelets" in parts:
        names = check(requested, SHAPELET_DATASETS) if requested \
            else list(SHAPELET_DATASETS)
        args.dataset_list = lambda: names
    args.seed_list = lambda: [int(s) for s in args.seeds.split(",") if s.strip()]
    if args.out_dir is None:
        args.out_dir = (tempfile.mkdtemp(prefix="skdeep_signal_smoke_")
                        if args.smoke else str(OUT_DIR))
    disable_network()
    # One thread everywhere (BLAS, numba): on a shared 2-core machine, spinning
    # BLAS threads otherwise add CPU time at random to either side.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    warnings.filterwarnings("ignore", category=FutureWarning)
    # sktime's MiniRocketMultivariateVariable on univariate PLAID: a hint only.
    warnings.filterwarnings("ignore", message="X is univariate")
    for part in parts:
        if part == "featurizers" and args.table_only:
            print("--table-only: the featurizers part keeps no JSON lines; skipped")
            continue
        store = None
        if part != "featurizers":
            import torch
            from _common import Store

            torch.set_num_threads(args.threads)
            store = Store(args.out_dir, part, _config(part, args), _command())
        start = time.perf_counter()
        section = RUNNERS[part](args, store)
        _emit(section, part, args)
        print(f"part {part} done in {time.perf_counter() - start:.0f} s", flush=True)


def _config(part, args):
    """The settings a part's cells depend on (Store keeps records apart by them)."""
    config = dict(protocol=1, threads=args.threads, smoke=args.smoke)
    if part == "shapelets":
        config.update(stc_minutes=args.stc_minutes, sc=_sc_params(args),
                      cap=SMOKE_CAP if args.smoke else None)
    elif part == "shapelets_gunpoint":
        config.update(sc=_sc_params(args))  # the region is applied at table time
    elif part in ("shapelet_defaults", "shapelet_defaults2",
                  "shapelet_defaults3"):
        config.update(sc=_sc_params(args))
    elif part == "shapelets_scaling":
        config.update(epochs=args.scaling_epochs)
        # the defaults that size the work; the first records (10 shapelets,
        # no PAA) predate this key and stay in the file as history
        from skdeep.signal import ShapeletClassifier

        p = ShapeletClassifier().get_params()
        if (p["n_shapelets"], p["max_timepoints"]) != (10, None):
            defaults = dict(n_shapelets=p["n_shapelets"],
                            max_timepoints=p["max_timepoints"])
            # and every other default of the fit that differs from the one
            # the records of 2026-12-03 ran with (Adam lr 0.01 then): a
            # changed default reused those cells, and the heading gave them
            # the new value
            defaults.update({k: p[k] for k, then in _SCALING_RECORDS_DEFAULTS.items()
                             if p[k] != then})
            config.update(defaults=defaults)
    return config


# ShapeletClassifier's defaults when the shapelets_scaling records of
# 2026-12-03 were made (commit ad283ca), but for the two keyed above
_SCALING_RECORDS_DEFAULTS = dict(
    shapelet_lengths=(0.1, 0.2, 0.3), alpha=100.0, inference_min="soft",
    n_init_segments=10000, l2=0.01, class_weight=None, lr=0.01, batch_size=128,
    optimizer="adam", weight_decay=0.0, early_stopping=False,
    validation_fraction=0.1, n_iter_no_change=10, tol=1e-4,
)


if __name__ == "__main__":
    sys.exit(main())
