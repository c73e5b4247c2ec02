"""The skdeep command line."""

import pytest

from skdeep.cli import main


def test_list_shows_builtins_and_template(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "AutoencoderTransformer  autoencoder" in out.replace("   ", "  ") or (
        "AutoencoderTransformer" in out and "autoencoder" in out
    )
    try:
        import skdeep_plugin_template  # noqa: F401
    except ImportError:
        pytest.skip("template plugin not installed")
    line = next(li for li in out.splitlines() if li.startswith("SoftmaxRegressionClassifier"))
    assert line.split()[1:] == ["template", "classifier"]


def test_plugins_json(capsys):
    import json

    assert main(["plugins"]) == 0
    plugins = json.loads(capsys.readouterr().out)
    assert any(p["name"] == "autoencoder" and p["builtin"] for p in plugins)


def test_check_one_estimator_passes(capsys):
    assert main(["check", "AutoencoderTransformer"]) == 0
    out = capsys.readouterr().out
    assert "0 failed check(s)" in out and "[  ok] AutoencoderTransformer" in out


def test_check_unknown_name_fails(capsys):
    assert main(["check", "NoSuchEstimator"]) == 2
    assert main(["check", "--plugin", "nosuchplugin"]) == 2
    # usage errors go to stderr (they went to stdout), and a name of another
    # plugin says so
    assert main(["check", "--plugin", "som", "AutoencoderTransformer"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "no registered estimator named ['NoSuchEstimator']" in err
    assert "no plugin named ['nosuchplugin']" in err
    assert "in plugin(s) ['som'] (['AutoencoderTransformer'] belong to others)" in err


def _without_numba(monkeypatch):
    """Graph embedders' dependency check, as on a core install."""
    from skdeep.graph import _embedders

    def missing(modules=("numba", "gensim"), what="this graph embedder"):
        raise ImportError(f"{what} needs numba: pip install 'skdeep[graph]'.")

    monkeypatch.setattr(_embedders, "_check_dependencies", missing)


def test_check_skips_an_estimator_whose_extra_is_missing(capsys, monkeypatch):
    # without numba every check of a graph embedder failed (38 failures)
    _without_numba(monkeypatch)
    assert main(["check", "DeepWalkEmbedder"]) == 0
    out = capsys.readouterr().out
    assert "[skip] DeepWalkEmbedder" in out and "skdeep[graph]" in out
    assert "0 failed check(s)" in out


def test_demo_skips_a_family_whose_extra_is_missing(capsys, monkeypatch):
    # the graph demo's grid search turned the ImportError into "All the 6
    # fits failed", which ended the whole demo
    _without_numba(monkeypatch)
    assert main(["demo", "--family", "graph"]) == 0
    assert ("graph          skipped: Node2VecEmbedder needs numba"
            in capsys.readouterr().out)


def test_check_reports_failures(capsys, monkeypatch):
    from skdeep.autoencoder import AutoencoderTransformer

    def broken_transform(self, X):  # returns the wrong number of rows
        return AutoencoderTransformer.reconstruct(self, X)[:1]

    monkeypatch.setattr(AutoencoderTransformer, "transform", broken_transform)
    assert main(["check", "AutoencoderTransformer"]) == 1
    assert "[FAIL]" in capsys.readouterr().out


def test_check_goes_on_after_an_estimator_that_cannot_be_built(capsys, monkeypatch):
    # a class whose test instances cannot be built ended the run in a
    # traceback, leaving every later estimator unchecked
    import skdeep.utils.estimator_checks as checks

    built = checks.test_instances

    def test_instances(cls):
        if cls.__name__ == "FFTFeaturizer":
            raise TypeError("__init__() missing 1 required positional argument: 'k'")
        return built(cls)

    monkeypatch.setattr(checks, "test_instances", test_instances)
    assert main(["check", "FFTFeaturizer", "WaveletDenoiser"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] FFTFeaturizer (signal): could not build its test instances" in out
    assert "[  ok] WaveletDenoiser" in out and "1 failed check(s)" in out


def test_demo_autoencoder(capsys):
    assert main(["demo", "--family", "autoencoder"]) == 0
    out = capsys.readouterr().out
    assert "PCA" in out and "digits accuracy" in out


@pytest.mark.parametrize("argv, message", [
    (["demo", "--family", "bogus"], "invalid choice: 'bogus'"),
    (["demo", "--threads", "0"], "expected an integer >= 1, got '0'"),
    (["demo", "--threads", "-1"], "expected an integer >= 1, got '-1'"),
])
def test_demo_bad_arguments_are_usage_errors(argv, message, capsys):
    # an unknown family and --threads -1 ended in tracebacks (exit 1), and
    # --threads 0 silently kept torch's thread count
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_check_goes_on_after_an_estimator_whose_repr_fails(capsys, monkeypatch):
    # a class storing its parameter under another name: its repr raises
    # AttributeError, which ended the run in a traceback
    import skdeep.utils.estimator_checks as checks
    from skdeep.signal import FFTFeaturizer

    built = checks.test_instances

    class BadRepr(FFTFeaturizer):
        def __repr__(self):
            raise AttributeError("'BadRepr' object has no attribute 'alpha'")

    def test_instances(cls):
        if cls.__name__ == "FFTFeaturizer":
            return [BadRepr()]
        return built(cls)

    monkeypatch.setattr(checks, "test_instances", test_instances)
    main(["check", "FFTFeaturizer", "WaveletDenoiser"])
    out = capsys.readouterr().out
    assert "BadRepr(<repr failed: AttributeError>) (signal)" in out
    assert "[  ok] WaveletDenoiser" in out and "failed check(s)" in out


def test_list_escapes_what_the_terminal_cannot_encode(monkeypatch):
    # A plugin's class may be named "Modèle" (a valid identifier): under an
    # ASCII locale `skdeep list` raised UnicodeEncodeError and lost the rest.
    import io

    from skdeep.autoencoder import AutoencoderTransformer
    from skdeep.plugins import PluginRegistry

    listed = PluginRegistry.all_estimators

    def with_accent(self, type_filter=None):
        return [*listed(self, type_filter), ("Modèle", AutoencoderTransformer, "fake")]

    monkeypatch.setattr(PluginRegistry, "all_estimators", with_accent)
    buffer = io.BytesIO()
    stdout = io.TextIOWrapper(buffer, encoding="ascii")
    monkeypatch.setattr("sys.stdout", stdout)
    assert main(["list"]) == 0
    stdout.flush()
    assert "Mod\\xe8le" in buffer.getvalue().decode("ascii")
    assert stdout.errors == "strict"  # (put back: main may run inside a program)


def test_list_leaves_out_unavailable_names_another_plugin_registers(capsys):
    # a plugin's register.unavailable of a name another plugin registers
    # was listed both available and "unavailable here"
    import skdeep
    from skdeep.plugins import get_registry

    class Plugin:
        @skdeep.hookimpl
        def register_estimators(self, register):
            register.unavailable("AutoencoderTransformer", "needs a thing")
            register.unavailable("NotRegisteredAnywhere", "needs another thing")

    registry = get_registry()
    registry.register_plugin(Plugin(), "marks")
    try:
        assert main(["list"]) == 0
    finally:
        registry.unregister_plugin("marks")
    out = capsys.readouterr().out
    assert "NotRegisteredAnywhere (marks): needs another thing" in out
    assert "needs a thing" not in out
