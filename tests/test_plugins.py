"""The plugin manager: discovery, lazy loading, broken plugins, conflicts."""

import importlib.metadata
import json
import os
import subprocess
import sys
import warnings
import textwrap
import tomllib
import warnings
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator, TransformerMixin

import skdeep
from skdeep.plugins import (
    BUILTIN_PLUGINS,
    PluginRegistry,
    SkdeepPluginWarning,
)

ROOT = Path(__file__).resolve().parents[1]


def _ep(name, module):
    return importlib.metadata.EntryPoint(name, module, "skdeep")


def _write_module(tmp_path, name, body):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A folder on sys.path holding a set of good and bad plugin modules."""
    monkeypatch.syspath_prepend(str(tmp_path))
    _write_module(
        tmp_path,
        "sk_good",
        """
        import skdeep
        from sklearn.base import BaseEstimator, TransformerMixin

        class GoodTransformer(TransformerMixin, BaseEstimator):
            def fit(self, X, y=None):
                return self
            def transform(self, X):
                return X

        @skdeep.hookimpl
        def register_estimators(register):
            register(GoodTransformer)
        """,
    )
    _write_module(tmp_path, "sk_import_error", "raise ImportError('missing dep xyz')\n")
    _write_module(
        tmp_path,
        "sk_hook_raises",
        """
        import skdeep

        @skdeep.hookimpl
        def register_estimators(register):
            raise RuntimeError("boom in hook")
        """,
    )
    _write_module(
        tmp_path,
        "sk_garbage",
        """
        import skdeep

        @skdeep.hookimpl
        def register_estimators(register):
            register(42)
        """,
    )
    _write_module(
        tmp_path,
        "sk_misspelt",
        """
        import skdeep

        @skdeep.hookimpl
        def register_estimator(register):
            pass
        """,
    )
    _write_module(
        tmp_path,
        "sk_bad_args",
        """
        import skdeep

        @skdeep.hookimpl
        def register_estimators(register, not_an_argument):
            pass
        """,
    )
    _write_module(
        tmp_path,
        "sk_duplicate",
        """
        import skdeep
        from sklearn.base import BaseEstimator

        class AutoencoderTransformer(BaseEstimator):
            pass

        @skdeep.hookimpl
        def register_estimators(register):
            register(AutoencoderTransformer)
        """,
    )
    _write_module(
        tmp_path,
        "sk_int_name",
        """
        import skdeep
        from sklearn.base import BaseEstimator
        class Foo(BaseEstimator):
            pass
        @skdeep.hookimpl
        def register_estimators(register):
            register(Foo, name=123)
        """,
    )
    _write_module(
        tmp_path,
        "sk_takes_builtin",
        """
        import skdeep
        from skdeep.som import SOMClusterer
        @skdeep.hookimpl
        def register_estimators(register):
            register(SOMClusterer)
        """,
    )
    _write_module(
        tmp_path,
        "sk_wrapper",
        """
        import skdeep
        from sklearn.base import BaseEstimator
        class Wrapped(BaseEstimator):
            pass
        @skdeep.hookimpl(wrapper=True)
        def register_estimators(register):
            register(Wrapped)
            return (yield)
        """,
    )
    _write_module(tmp_path, "sk_exits", "import sys\nsys.exit(3)\n")
    _write_module(
        tmp_path,
        "sk_hook_exits",
        """
        import sys
        import skdeep
        @skdeep.hookimpl
        def register_estimators(register):
            sys.exit(3)
        """,
    )
    _write_module(
        tmp_path,
        "sk_generator",
        """
        import skdeep
        from sklearn.base import BaseEstimator
        class Yielded(BaseEstimator):
            pass
        @skdeep.hookimpl
        def register_estimators(register):
            yield register(Yielded)
        """,
    )
    for mod in [m for m in sys.modules if m.startswith("sk_")]:
        del sys.modules[mod]
    return tmp_path


def _registry(*eps):
    builtin = [_ep(n, v) for n, v in BUILTIN_PLUGINS]
    return PluginRegistry(entry_points=builtin + list(eps), autoload=True)


def test_import_skdeep_loads_no_plugin():
    code = (
        "import sys, skdeep; "
        "print(any(m.endswith('._plugin') for m in sys.modules), 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_estimator_lookup_loads_its_own_family_first(plugin_dir):
    # skdeep.io's lookups import the saved class's built-in family alone;
    # a later full load ends with the same registry as a fresh one
    from skdeep.som import SOMClusterer

    registry = _registry(_ep("good", "sk_good"))
    assert registry.registered_name(SOMClusterer) == "SOMClusterer"
    assert list(registry.plugins) == ["som"] and not registry._loaded
    other = _registry(_ep("good", "sk_good"))
    assert other.get_estimator(
        "SOMClusterer", where="skdeep.som._som.SOMClusterer"
    ) is SOMClusterer
    assert list(other.plugins) == ["som"]
    full = _registry(_ep("good", "sk_good")).load()
    registry.load()
    assert list(registry.plugins) == list(full.plugins)
    assert registry.all_estimators() == full.all_estimators()
    # a third party's class, or one no plugin registers: every plugin loads
    good = _registry(_ep("good", "sk_good"))
    good_cls = full.get_estimator("GoodTransformer")
    assert good.registered_name(good_cls) == "GoodTransformer" and good._loaded
    assert full.registered_name(dict) is None
    # a name the family does not register falls through to the full load
    third = _registry(_ep("good", "sk_good"))
    assert third.get_estimator("GoodTransformer", where="skdeep.som._x") is good_cls


def test_saving_and_loading_load_one_family(tmp_path, monkeypatch):
    # skdeep.io goes through the family lookups above: with a fresh registry,
    # saving or loading a SOM loads the som plugin alone (no other family's
    # modules are imported for it)
    import numpy as np

    import skdeep.io
    import skdeep.plugins
    from skdeep.som import SOMClusterer

    X = np.random.RandomState(0).rand(20, 3)
    som = SOMClusterer(2, n_columns=2, max_epochs=1, random_state=0).fit(X)
    for step in ("save", "load"):
        registry = _registry()
        monkeypatch.setattr(skdeep.plugins, "_registry", registry)
        if step == "save":
            skdeep.io.save(som, tmp_path / "som.skd")
        else:
            loaded = skdeep.io.load(tmp_path / "som.skd")
            np.testing.assert_array_equal(loaded.cluster_centers_,
                                          som.cluster_centers_)
        assert list(registry.plugins) == ["som"] and not registry._loaded


def test_good_plugin_is_registered_with_its_name(plugin_dir):
    registry = _registry(_ep("good", "sk_good")).load()
    names = {name: plugin for name, _, plugin in registry.all_estimators()}
    assert names["GoodTransformer"] == "good"
    assert names["AutoencoderTransformer"] == "autoencoder"
    info = {p["name"]: p for p in registry.list_plugins()}
    assert info["good"]["error"] is None
    assert info["good"]["hooks"] == ["register_estimators"]


@pytest.mark.parametrize(
    "module, message",
    [
        ("sk_import_error", "failed to import: ImportError: missing dep xyz"),
        ("sk_hook_raises", "raised in register_estimators: RuntimeError: boom in hook"),
        ("sk_garbage", "register() takes a scikit-learn estimator class"),
        ("sk_misspelt", "unknown hook(s) ['register_estimator']"),
        ("sk_bad_args", "has invalid hook implementations"),
        # an int name broke all_estimators' sorted listing for every plugin
        ("sk_int_name", "register()'s name must be a Python identifier"),
        # a wrapper was called as a plain function: it registered nothing, quietly
        ("sk_wrapper", "has a wrapper register_estimators"),
        ("no_such_module_anywhere", "failed to import: ModuleNotFoundError"),
        # sys.exit in a plugin's import ended all_estimators and `skdeep list`
        ("sk_exits", "failed to import: SystemExit: 3"),
        # and in its hook: it escaped, and the plugin was then listed healthy
        ("sk_hook_exits", "raised in register_estimators: SystemExit: 3"),
        # a generator hook was called and registered nothing, quietly
        ("sk_generator", "has a generator register_estimators"),
    ],
)
def test_broken_plugin_is_skipped_and_reported(plugin_dir, module, message):
    registry = _registry(_ep("bad", module), _ep("good", "sk_good"))
    with pytest.warns(SkdeepPluginWarning, match="'bad'"):
        registry.load()
    info = {p["name"]: p for p in registry.list_plugins()}
    assert message in info["bad"]["error"]
    assert info["bad"]["estimators"] == []
    # everything else still works
    assert info["good"]["error"] is None
    names = {name for name, _, _ in registry.all_estimators()}
    assert {"GoodTransformer", "AutoencoderTransformer"} <= names


def test_a_plugin_object_under_a_name_in_use_is_refused(plugin_dir):
    # its record replaced the healthy plugin's: "autoencoder" was listed as
    # broken, with no estimators
    class MyPlugin:
        @skdeep.hookimpl
        def register_estimators(self, register):
            pass

    registry = _registry().load()
    with pytest.warns(SkdeepPluginWarning, match="is registered already"):
        info = registry.register_plugin(MyPlugin(), "autoencoder")
    assert "was not registered" in info.error
    kept = {p["name"]: p for p in registry.list_plugins()}["autoencoder"]
    assert kept["error"] is None and "AutoencoderTransformer" in kept["estimators"]


def test_duplicate_name_warns_naming_both_and_keeps_builtin(plugin_dir):
    registry = _registry(_ep("dupe", "sk_duplicate"))
    with pytest.warns(SkdeepPluginWarning, match="'autoencoder' and by plugin 'dupe'"):
        registry.load()
    cls = registry.get_estimator("AutoencoderTransformer")
    assert cls.__module__ == "skdeep.autoencoder._autoencoder"


def test_a_plugin_registering_a_builtin_class_does_not_take_it_over(plugin_dir):
    # it became the class's owner, and unregistering it removed the built-in
    registry = _registry(_ep("taker", "sk_takes_builtin")).load()
    assert {n: p for n, _, p in registry.all_estimators()}["SOMClusterer"] == "som"
    registry.unregister_plugin("taker")
    assert registry.get_estimator("SOMClusterer").__name__ == "SOMClusterer"


def test_misspelt_hook_message_lists_only_skdeeps_hooks(plugin_dir):
    # pluggy keeps a caller per unknown name: the typo was listed as a hook
    registry = _registry(_ep("bad", "sk_misspelt"))
    with pytest.warns(SkdeepPluginWarning) as record:
        registry.load()
    message = str(record[0].message)
    assert message.endswith("skdeep's hooks are: register_estimators")


def test_autoload_switch_loads_builtins_only(plugin_dir, monkeypatch):
    monkeypatch.setenv("SKDEEP_DISABLE_PLUGIN_AUTOLOAD", "1")
    builtin = [_ep(n, v) for n, v in BUILTIN_PLUGINS]
    registry = PluginRegistry(entry_points=builtin + [_ep("good", "sk_good")]).load()
    plugins = {p["name"] for p in registry.list_plugins()}
    assert "good" not in plugins
    assert "autoencoder" in plugins


def test_register_plugin_object_and_unregister():
    class TinyTransformer(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return X

    class Plugin:
        @skdeep.hookimpl
        def register_estimators(self, register):
            register(TinyTransformer, name="Tiny")

    registry = PluginRegistry(entry_points=[])
    plugin = Plugin()
    info = registry.register_plugin(plugin, "tiny")
    assert info.error is None
    assert registry.get_estimator("Tiny") is TinyTransformer
    # registering it again changes nothing (its record was replaced by a
    # "broken" one with no estimators)
    assert registry.register_plugin(plugin, "tiny") is info
    assert info.error is None and info.estimators == ["Tiny"]
    registry.unregister_plugin("tiny")
    with pytest.raises(KeyError):
        registry.get_estimator("Tiny")


def test_loading_is_lazy_and_idempotent(plugin_dir):
    registry = _registry(_ep("good", "sk_good"))
    assert registry.plugins == {}
    registry.load()
    first = dict(registry.estimators)
    registry.load()
    assert registry.estimators == first


def test_all_estimators_type_filter():
    transformers = {name for name, _, _ in skdeep.all_estimators("transformer")}
    assert "AutoencoderTransformer" in transformers
    classifiers = {name for name, _, _ in skdeep.all_estimators(["classifier"])}
    assert "AutoencoderTransformer" not in classifiers
    with pytest.raises(ValueError, match="type_filter must be"):
        skdeep.all_estimators("bogus")


def test_get_estimator_unknown_name_suggests():
    with pytest.raises(KeyError, match="Did you mean AutoencoderTransformer"):
        skdeep.get_estimator("AutoencoderTransformr")


def test_builtin_tuple_matches_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = pyproject["project"]["entry-points"]["skdeep"]
    assert dict(BUILTIN_PLUGINS) == declared


def test_installed_builtins_loaded_without_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkdeepPluginWarning)
        plugins = skdeep.plugins.list_plugins()
    builtins = {p["name"]: p for p in plugins if p["builtin"]}
    assert set(builtins) == {n for n, _ in BUILTIN_PLUGINS}
    assert all(p["error"] is None for p in builtins.values())


def _fake_distribution(tmp_path, body):
    """An installed-looking distribution (dist-info with an entry point) on a path."""
    dist = tmp_path / "skdeep_broken_demo-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: skdeep-broken-demo\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text("[skdeep]\nbroken = skdeep_broken_demo\n")
    (tmp_path / "skdeep_broken_demo.py").write_text(body)
    return tmp_path


def test_cli_lists_broken_installed_plugin(tmp_path):
    path = _fake_distribution(tmp_path, "import numpy\nraise RuntimeError('I am broken')\n")
    env = {**os.environ, "PYTHONPATH": str(path)}
    out = subprocess.run(
        [sys.executable, "-m", "skdeep", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    plugins = {p["name"]: p for p in report["plugins"]}
    assert "RuntimeError: I am broken" in plugins["broken"]["error"]
    assert plugins["broken"]["distribution"] == "skdeep-broken-demo"
    names = {e["name"] for e in report["estimators"]}
    assert "AutoencoderTransformer" in names
    # the plain listing says so too, and check/demo keep working
    out = subprocess.run(
        [sys.executable, "-m", "skdeep", "list"], capture_output=True, text=True, env=env
    )
    assert "broken plugins (skipped)" in out.stdout and "I am broken" in out.stdout
    assert "AutoencoderTransformer" in out.stdout
    out = subprocess.run(
        [sys.executable, "-c", "import skdeep; print(len(skdeep.all_estimators()))"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0 and int(out.stdout) >= 1
    assert "SkdeepPluginWarning" in out.stderr and "I am broken" in out.stderr


def test_cli_check_of_a_broken_plugin_says_why(plugin_dir, monkeypatch, capsys):
    # it said only "nothing to check"
    import skdeep.plugins
    from skdeep.cli import main

    registry = _registry(_ep("bad", "sk_hook_raises"))
    with pytest.warns(SkdeepPluginWarning, match="'bad'"):
        registry.load()
    monkeypatch.setattr(skdeep.plugins, "_registry", registry)
    assert main(["check", "--plugin", "bad"]) == 1
    err = capsys.readouterr().err
    assert ("plugin 'bad' is broken: raised in register_estimators: RuntimeError: "
            "boom in hook") in err


def test_an_interrupted_load_is_finished_by_the_next_call(plugin_dir):
    # the registry was marked loaded before loading: an exception escaping
    # from the plugin loop (here a plugin's warning under "-W error") left it
    # partial, without a word, for the rest of the process
    registry = _registry(_ep("bad", "sk_import_error"), _ep("good", "sk_good"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkdeepPluginWarning)
        with pytest.raises(SkdeepPluginWarning):
            registry.load()
    # the plugin whose load was cut short is loaded again (and warns again)
    with pytest.warns(SkdeepPluginWarning, match="missing dep xyz"):
        names = {name for name, _, _ in registry.all_estimators()}
    assert {"GoodTransformer", "AutoencoderTransformer"} <= names
    info = {p["name"]: p for p in registry.list_plugins()}
    assert "missing dep xyz" in info["bad"]["error"]


def test_a_load_cut_short_in_a_plugin_is_undone_for_the_next_call(
    plugin_dir, monkeypatch
):
    # a Ctrl-C (or a warning raised as an error) while a plugin loaded left
    # it marked as loaded: skipped for good, listed as healthy with no
    # estimators
    import builtins

    monkeypatch.setattr(builtins, "_sk_interrupt_once", True, raising=False)
    (plugin_dir / "sk_interrupt.py").write_text(
        "import builtins\n"
        "if builtins._sk_interrupt_once:\n"
        "    builtins._sk_interrupt_once = False\n"
        "    raise KeyboardInterrupt\n"
        "import skdeep\nfrom sklearn.base import BaseEstimator\n"
        "class Interrupted(BaseEstimator):\n    pass\n"
        "@skdeep.hookimpl\ndef register_estimators(register):\n"
        "    register(Interrupted)\n")
    registry = _registry(_ep("interrupt", "sk_interrupt"))
    with pytest.raises(KeyboardInterrupt):
        registry.load()
    assert "interrupt" not in registry.plugins  # (list_plugins would load)
    assert "Interrupted" in {name for name, _, _ in registry.all_estimators()}
    info = {p["name"]: p for p in registry.list_plugins()}
    assert info["interrupt"]["error"] is None
    assert info["interrupt"]["estimators"] == ["Interrupted"]


def test_plugins_that_register_nothing_say_why(plugin_dir):
    # a hook without @hookimpl, or one returning its classes instead of
    # calling register, left a plugin listed as healthy with no estimators
    (plugin_dir / "sk_unmarked.py").write_text(
        "def register_estimators(register):\n    pass\n")
    (plugin_dir / "sk_returns.py").write_text(
        "import skdeep\nfrom sklearn.base import BaseEstimator\n"
        "class Returned(BaseEstimator):\n    pass\n"
        "@skdeep.hookimpl\ndef register_estimators(register):\n"
        "    return [Returned]\n")
    registry = _registry(_ep("unmarked", "sk_unmarked"), _ep("returns", "sk_returns"))
    with pytest.warns(SkdeepPluginWarning) as record:
        registry.load()
    messages = " ".join(str(w.message) for w in record)
    assert "implements no skdeep hook" in messages
    assert "must call register(cls)" in messages
    info = {p["name"]: p for p in registry.list_plugins()}
    assert info["unmarked"]["error"] and info["returns"]["error"]


def test_a_plugin_registered_with_its_record_is_listed():
    # register_plugin(plugin, PluginInfo(...)) registered the estimators
    # but left the plugin out of list_plugins
    import types

    from sklearn.base import BaseEstimator

    from skdeep.plugins import PluginInfo, PluginRegistry

    class Mine(BaseEstimator):
        pass

    module = types.ModuleType("my_plugin")

    @skdeep.hookimpl
    def register_estimators(register):
        register(Mine)

    module.register_estimators = register_estimators
    registry = PluginRegistry()
    registry.register_plugin(module, PluginInfo(name="mine", module="my_plugin"))
    assert "mine" in {p["name"] for p in registry.list_plugins()}
    assert registry.unregister_plugin("mine") is not None


def test_names_and_filters_of_the_wrong_type_are_clear_errors():
    # difflib's "'NoneType' object is not iterable" came instead
    with pytest.raises(TypeError, match="An estimator's name is a str; got NoneType"):
        skdeep.get_estimator(None)
    with pytest.raises(ValueError, match=r"type_filter must be None or one or more "
                       r"of .*; got \[5\]"):
        skdeep.all_estimators(5)


def test_an_estimator_a_plugin_cannot_offer_here_says_why(plugin_dir, tmp_path,
                                                          monkeypatch):
    # (a forecaster without sktime was "no estimator named ...": in
    # get_estimator, in io.load of a saved file, and missing from the listing)
    import zipfile

    import numpy as np

    import skdeep.io
    import skdeep.plugins
    from skdeep.som import SOMClusterer

    _write_module(
        tmp_path,
        "sk_partial",
        """
        import skdeep
        from sk_good import GoodTransformer

        @skdeep.hookimpl
        def register_estimators(register):
            register(GoodTransformer)
            register.unavailable("NeedsXyz", "it needs xyz (pip install xyz).")
        """,
    )
    registry = _registry(_ep("partial", "sk_partial")).load()
    info = {p["name"]: p for p in registry.list_plugins()}["partial"]
    assert info["error"] is None and info["estimators"] == ["GoodTransformer"]
    assert info["unavailable"] == {"NeedsXyz": "it needs xyz (pip install xyz)."}
    assert "NeedsXyz" not in {name for name, _, _ in registry.all_estimators()}
    with pytest.raises(KeyError, match=r"'NeedsXyz' is not available here: it "
                       r"needs xyz \(pip install xyz\)"):
        registry.get_estimator("NeedsXyz")
    with pytest.raises(KeyError, match="No skdeep estimator named 'NeedsXyZ'"):
        registry.get_estimator("NeedsXyZ")
    assert registry.unavailable_reason("GoodTransformer") is None

    # a saved file that names it
    som = SOMClusterer(2, n_columns=2, max_epochs=1, random_state=0)
    skdeep.io.save(som.fit(np.random.RandomState(0).rand(20, 3)), tmp_path / "a.skd")
    with zipfile.ZipFile(tmp_path / "a.skd") as src, zipfile.ZipFile(
        tmp_path / "b.skd", "w"
    ) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "meta.json":
                meta = json.loads(data)
                meta["estimator"] = "NeedsXyz"
                data = json.dumps(meta)
            dst.writestr(item, data)
    monkeypatch.setattr(skdeep.plugins, "_registry", registry)
    with pytest.raises(ValueError, match=r"names estimator 'NeedsXyz' .*cannot be "
                       r"loaded here: it needs xyz"):
        skdeep.io.load(tmp_path / "b.skd")

    # a plugin's reason that is not a string is a broken plugin, said so
    _write_module(
        tmp_path,
        "sk_bad_unavailable",
        """
        import skdeep

        @skdeep.hookimpl
        def register_estimators(register):
            register.unavailable("X", 42)
        """,
    )
    bad = _registry(_ep("bad", "sk_bad_unavailable"))
    with pytest.warns(SkdeepPluginWarning, match="takes a name and a reason"):
        bad.load()


@pytest.mark.parametrize("module, names, reason", [
    ("sktime", ["LSTMForecaster", "SktimeAdapter"],
     "it needs sktime (pip install 'skdeep[timeseries]')"),
    # (the whole neuroevolution family was a broken plugin, with a warning in
    # every process, and SktimeAdapter and PretrainedFeatureExtractor were
    # "no estimator named ...")
    ("numba", ["NEATClassifier", "HyperNEATRegressor"],
     "it needs numba (pip install 'skdeep[neat]')"),
    ("torchvision", ["PretrainedFeatureExtractor"],
     "PretrainedFeatureExtractor needs torchvision: pip install 'skdeep[vision]'"),
], ids=["sktime", "numba", "torchvision"])
def test_estimators_of_a_missing_extra_are_listed_as_unavailable(
        module, names, reason):
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules[{module!r}] = None  # as if the extra were missing
        import skdeep
        for name in {names!r}:
            try:
                skdeep.get_estimator(name)
            except KeyError as error:
                print(error.args[0])
        from skdeep.cli import main
        main(["list"])
        """
    )
    out = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", code],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    for name in names:
        assert f"'{name}' is not available here: {reason}" in out.stdout
        assert f"  {name} (" in out.stdout.split("unavailable here")[1]
    assert "unavailable here (optional dependencies missing):" in out.stdout


def test_name_conflicts_are_listed_and_files_are_not_loaded_as_the_other_class(
        tmp_path, monkeypatch, capsys):
    # Two plugins registering one name: the first loaded keeps it. The loser
    # was listed as healthy (the warning is hidden by `skdeep list`), and a
    # file saved with the loser's class was rebuilt as the winner's class.
    import numpy as np

    import skdeep.io
    import skdeep.plugins
    from skdeep.cli import main

    monkeypatch.syspath_prepend(str(tmp_path))
    for package, operation in (("pk_add", "X + self.factor"),
                               ("pk_mul", "X * self.factor")):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        _write_module(tmp_path / package, "_plugin", f"""
            import sys
            import numpy as np
            import skdeep
            from sklearn.base import BaseEstimator, TransformerMixin

            class Scaler(TransformerMixin, BaseEstimator):
                def __init__(self, factor=2.0):
                    self.factor = factor
                    print("constructed")  # (corrupted `skdeep list --json`)
                def fit(self, X, y=None):
                    self.n_features_in_ = np.asarray(X).shape[1]
                    return self
                def transform(self, X):
                    X = np.asarray(X, dtype=float)
                    return {operation}

            class Exits(TransformerMixin, BaseEstimator):
                def __init__(self):
                    sys.exit(3)  # (ended `skdeep list` and type filters)
                def fit(self, X, y=None):
                    return self
                def transform(self, X):
                    return X

            @skdeep.hookimpl
            def register_estimators(register):
                register(Scaler)
                if "{package}" == "pk_add":
                    register(Exits)
            """)
    mul_only = _registry(_ep("mul", "pk_mul._plugin")).load()
    monkeypatch.setattr(skdeep.plugins, "_registry", mul_only)
    fitted = mul_only.get_estimator("Scaler")(factor=3.0).fit(np.ones((2, 2)))
    skdeep.io.save(fitted, tmp_path / "scaler.skd")

    both = _registry(_ep("add", "pk_add._plugin"), _ep("mul", "pk_mul._plugin"))
    with pytest.warns(SkdeepPluginWarning, match="'add' and by plugin 'mul'"):
        both.load()
    monkeypatch.setattr(skdeep.plugins, "_registry", both)
    info = {p["name"]: p for p in both.list_plugins()}
    assert info["mul"]["conflicts"] == {"Scaler": "add"}
    assert info["mul"]["error"] is None and info["add"]["conflicts"] == {}
    with pytest.raises(ValueError, match=r"saved from pk_mul\._plugin\.Scaler, but "
                       r"the estimator registered as 'Scaler' here is "
                       r"pk_add\._plugin\.Scaler \(plugin 'add'\)"):
        skdeep.io.load(tmp_path / "scaler.skd")
    assert "Exits" in {n for n, _, _ in skdeep.all_estimators("transformer")}
    capsys.readouterr()
    assert main(["list"]) == 0
    assert "Scaler: plugin mul's class dropped, add's kept" in capsys.readouterr().out
    assert main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {p["name"]: p["conflicts"] for p in listed["plugins"]}["mul"] == {
        "Scaler": "add"}

    # the file's plugin installed but broken: said so, not "no plugin registers it"
    (tmp_path / "pk_mul" / "_plugin.py").write_text("raise ImportError('no xyz')\n")
    for module in ("pk_mul", "pk_mul._plugin"):
        sys.modules.pop(module, None)
    broken = _registry(_ep("mul", "pk_mul._plugin"))
    with pytest.warns(SkdeepPluginWarning):
        broken.load()
    monkeypatch.setattr(skdeep.plugins, "_registry", broken)
    with pytest.raises(ValueError, match=r"cannot be loaded here: plugin 'mul' "
                       r"\(pk_mul\._plugin\), whose package holds that class, is "
                       r"installed but was skipped: .*ImportError: no xyz"):
        skdeep.io.load(tmp_path / "scaler.skd")
