"""The plugin manager: discovers, loads and lists skdeep plugins.

Plugins are Python modules named by entry points in the ``skdeep`` group.
Each implements hooks from :mod:`skdeep.hookspecs`. skdeep's own model
families are registered through the very same entry points.

Loading is lazy: nothing is imported until the registry is first used
(:func:`skdeep.all_estimators`, :func:`skdeep.get_estimator`,
:func:`list_plugins`); :mod:`skdeep.io` imports only the saved estimator's
own built-in family where that suffices. Entry points are loaded one by one;
a plugin that fails to import, whose hook raises, that registers something
that is not an estimator or that implements an unknown (misspelt) hook is
skipped with a :class:`SkdeepPluginWarning` and listed with its error.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import importlib
import importlib.metadata
import inspect
import io
import os
import threading
import traceback
import warnings
from dataclasses import dataclass, field

import pluggy

from skdeep import hookspecs

ENTRY_POINT_GROUP = "skdeep"
DISABLE_AUTOLOAD_ENV = "SKDEEP_DISABLE_PLUGIN_AUTOLOAD"

# The entry points skdeep's own pyproject declares. They are used when skdeep
# runs from a source tree that was never installed (no entry-point metadata);
# tests/test_plugins.py checks that this tuple matches pyproject.toml.
BUILTIN_PLUGINS = (
    ("autoencoder", "skdeep.autoencoder._plugin"),
    ("som", "skdeep.som._plugin"),
    ("signal", "skdeep.signal._plugin"),
    ("uncertainty", "skdeep.uncertainty._plugin"),
    ("graph", "skdeep.graph._plugin"),
    ("recurrent", "skdeep.recurrent._plugin"),
    ("cnn", "skdeep.cnn._plugin"),
    ("seq2seq", "skdeep.seq2seq._plugin"),
    ("rbf", "skdeep.rbf._plugin"),
    ("siamese", "skdeep.siamese._plugin"),
    ("capsule", "skdeep.capsule._plugin"),
    ("gnn", "skdeep.gnn._plugin"),
    ("neuroevolution", "skdeep.neuroevolution._plugin"),
)

_TYPE_FILTERS = (
    "classifier",
    "regressor",
    "transformer",
    "cluster",
    "outlier_detector",
    "forecaster",
)


class SkdeepPluginWarning(UserWarning):
    """Warning about a plugin that could not be loaded or conflicts with another."""


@dataclass
class PluginInfo:
    """What is known about one plugin (one entry point)."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    hooks: list = field(default_factory=list)
    estimators: list = field(default_factory=list)
    # names the plugin could not register here, with why (a missing extra)
    unavailable: dict = field(default_factory=dict)
    # names it registered that another plugin, loaded first, kept: the other's
    conflicts: dict = field(default_factory=dict)
    error: str | None = None

    def as_dict(self):
        return {
            "name": self.name,
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "builtin": self.builtin,
            "hooks": list(self.hooks),
            "estimators": list(self.estimators),
            "unavailable": dict(self.unavailable),
            "conflicts": dict(self.conflicts),
            "error": self.error,
        }


def _is_estimator_class(obj):
    if not inspect.isclass(obj):
        return False
    from sklearn.base import BaseEstimator

    if issubclass(obj, BaseEstimator):
        return True
    try:  # sktime forecasters and other scikit-base objects
        from skbase.base import BaseObject
    except ImportError:
        return False
    return issubclass(obj, BaseObject)


class PluginRegistry:
    """A pluggy plugin manager plus the estimators its plugins registered.

    Parameters
    ----------
    entry_points : iterable of importlib.metadata.EntryPoint, default=None
        The entry points to load. ``None`` discovers the ``skdeep`` group of
        every installed distribution.
    autoload : bool, default=None
        Whether third-party entry points are loaded. ``None`` reads the
        ``SKDEEP_DISABLE_PLUGIN_AUTOLOAD`` environment variable at load time;
        built-in plugins are always loaded.
    """

    def __init__(self, entry_points=None, autoload=None):
        self._entry_points = entry_points
        self._autoload = autoload
        self._lock = threading.RLock()
        self._loaded = False
        self._loading = False
        self.pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.plugins = {}  # name -> PluginInfo, in load order
        self.estimators = {}  # estimator name -> (class, plugin name)
        self._loaded_entry_points = set()  # their values (module names)

    def autoloads(self):
        """Whether third-party entry points are loaded (``autoload``, else
        the ``SKDEEP_DISABLE_PLUGIN_AUTOLOAD`` environment variable).

        Returns
        -------
        autoload : bool
        """
        if self._autoload is not None:
            return bool(self._autoload)
        return os.environ.get(DISABLE_AUTOLOAD_ENV, "") in ("", "0")

    # -- discovery ---------------------------------------------------------
    def _discover(self):
        if self._entry_points is not None:
            eps = list(self._entry_points)
        else:
            eps = list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
            if not any(_dist_name(ep) == "skdeep" for ep in eps):
                eps = [
                    importlib.metadata.EntryPoint(n, v, ENTRY_POINT_GROUP)
                    for n, v in BUILTIN_PLUGINS
                ] + eps
        autoload = self.autoloads()
        builtin_modules = {value for _, value in BUILTIN_PLUGINS}
        builtin = [ep for ep in eps if ep.value in builtin_modules]
        others = [ep for ep in eps if ep.value not in builtin_modules]
        # Built-ins first, so they win any name conflict with a third party.
        return [(ep, True) for ep in builtin] + (
            [(ep, False) for ep in sorted(others, key=lambda e: e.name)]
            if autoload
            else []
        )

    def load(self):
        """Load every plugin once; later calls do nothing.

        Returns
        -------
        registry : PluginRegistry
            This registry, loaded.
        """
        with self._lock:
            if self._loaded or self._loading:  # (a plugin's hook may ask)
                return self
            # Loaded only once every plugin is: an exception that escapes (a
            # Ctrl-C, a plugin's warning under "-W error") leaves the rest
            # for the next call, not a registry that stays partial for good.
            self._loading = True
            try:
                discovered = self._discover()
                early = bool(self._loaded_entry_points)
                for ep, builtin in discovered:
                    if ep.value not in self._loaded_entry_points:
                        self._load_entry_point(ep, builtin)
                if early:  # list the plugins in discovery order all the same
                    order = {ep.value: i for i, (ep, _) in enumerate(discovered)}
                    self.plugins = dict(sorted(
                        self.plugins.items(),
                        key=lambda item: order.get(item[1].module, len(order)),
                    ))
                self._loaded = True
            finally:
                self._loading = False
            return self

    def _load_family(self, where):
        """Load, ahead of the others, the built-in plugin of the family
        package that holds ``where`` (a module or a class path: ``skdeep.som``
        for ``skdeep.som._som.SOMClusterer``), if there is one.

        Saving or loading one estimator then imports its own family only; a
        full load imports every family and plugin (numba, pandas, sktime,
        karateclub, ...: seconds on a cold start). A full load takes the
        built-ins first anyway, and no built-in registers a name that another
        does, so the registry ends up the same.
        """
        for ep, builtin in self._discover():
            package = ep.value.rpartition(".")[0]
            if builtin and (where + ".").startswith(package + "."):
                if ep.value not in self._loaded_entry_points:
                    self._load_entry_point(ep, builtin)
                return

    def registered_name(self, cls):
        """The name ``cls`` is registered under, or None (trying its
        built-in family alone before loading every plugin).

        Parameters
        ----------
        cls : type
            An estimator class.

        Returns
        -------
        name : str or None
            None when no plugin registers ``cls`` itself.
        """
        with self._lock:
            if not self._loaded:
                self._load_family(cls.__module__)
                name = self._name_of(cls)
                if name is not None:
                    return name
            self.load()
            return self._name_of(cls)

    def _name_of(self, cls):
        for name, (registered, _) in self.estimators.items():
            if registered is cls:
                return name
        return None

    def _load_entry_point(self, ep, builtin):
        self._loaded_entry_points.add(ep.value)
        dist = getattr(ep, "dist", None)
        info = PluginInfo(
            name=ep.name,
            module=ep.value,
            distribution=getattr(dist, "name", None) if dist else None,
            version=getattr(dist, "version", None) if dist else None,
            builtin=builtin,
        )
        if info.name in self.plugins:
            info.name = f"{info.name} ({info.distribution or info.module})"
        self.plugins[info.name] = info
        try:
            try:
                module = ep.load()
            except BaseException as exc:  # noqa: BLE001 - never breaks skdeep
                if isinstance(exc, KeyboardInterrupt):  # (sys.exit in a plugin's
                    raise  # import is one more broken plugin: skipped, below)
                return self._fail(info, "failed to import", exc)
            self.register_plugin(module, info)
        except BaseException:
            # A Ctrl-C, or a warning under "-W error", cut the load short:
            # undone, so that the next call loads this plugin again (it was
            # skipped for good, listed as healthy with no estimators).
            self._loaded_entry_points.discard(ep.value)
            self.unregister_plugin(info.name)
            raise

    def register_plugin(self, plugin, info=None):
        """Register a plugin object (a module or a class instance) and run its hooks.

        Parameters
        ----------
        plugin : module or object
            Holds functions marked with :data:`skdeep.hookimpl`.
        info : PluginInfo or str, default=None
            The plugin's name (or full record); defaults to the module name.

        Returns
        -------
        info : PluginInfo
            With ``error`` set if the plugin was rejected.
        """
        with self._lock:
            if self.pm.is_registered(plugin):
                # registered already: its record stands (a second call made
                # the healthy plugin look broken, with no estimators)
                known = self.pm.get_name(plugin)
                if known in self.plugins:
                    return self.plugins[known]
            if info is None or isinstance(info, str):
                name = info or getattr(plugin, "__name__", type(plugin).__name__)
                info = PluginInfo(name=name, module=getattr(plugin, "__name__", name))
            if self.plugins.get(info.name) is not info:  # (not an entry point's)
                name = info.name
                if name in self.plugins or self.pm.get_plugin(name) is not None:
                    # a name in use: refused, and the plugin holding it keeps
                    # its record (overwritten, it was listed as broken)
                    return self._fail(info, "was not registered", ValueError(
                        f"a plugin named {name!r} is registered already; give "
                        f"this one another name"))
                # (a PluginInfo given whole was left out of the listing)
                self.plugins[name] = info
            try:
                self.pm.register(plugin, name=info.name)
            except Exception as exc:  # PluginValidationError, ValueError
                return self._fail(info, "has invalid hook implementations", exc)
            callers = self.pm.get_hookcallers(plugin) or []
            unknown = [hc.name for hc in callers if not hc.has_spec()]
            if unknown:
                self.pm.unregister(plugin)
                # (pluggy keeps a caller for every unknown name it has seen)
                known = ", ".join(sorted(
                    name for name, caller in vars(self.pm.hook).items()
                    if caller.has_spec()
                ))
                return self._fail(
                    info,
                    "implements unknown hooks",
                    ValueError(
                        f"unknown hook(s) {unknown}; misspelt? skdeep's hooks "
                        f"are: {known}"
                    ),
                )
            info.hooks = sorted(hc.name for hc in callers)
            if not info.hooks:
                self.pm.unregister(plugin)
                return self._fail(info, "implements no skdeep hook", ValueError(
                    "no function of the plugin is marked with @skdeep.hookimpl "
                    "(or the entry point names a function, not the module "
                    "that holds it)"))
            self._run_register_estimators(plugin, info)
            return info

    def unregister_plugin(self, name):
        """Remove a plugin and every estimator it registered.

        Parameters
        ----------
        name : str
            The plugin's name (a key of ``plugins``).

        Returns
        -------
        info : PluginInfo or None
            Its record, or None if no plugin has that name.
        """
        with self._lock:
            info = self.plugins.pop(name, None)
            if self.pm.get_plugin(name) is not None:
                self.pm.unregister(name=name)
            for est_name in list(self.estimators):
                if self.estimators[est_name][1] == name:
                    del self.estimators[est_name]
            return info

    def _run_register_estimators(self, plugin, info):
        impls = [
            impl
            for impl in self.pm.hook.register_estimators.get_hookimpls()
            if impl.plugin is plugin
        ]
        staged = {}

        def register(estimator_cls, *, name=None):
            if not _is_estimator_class(estimator_cls):
                raise TypeError(
                    f"register() takes a scikit-learn estimator class (a "
                    f"BaseEstimator subclass) or an sktime/scikit-base class; "
                    f"got {estimator_cls!r}"
                )
            if name is not None and not (isinstance(name, str) and name.isidentifier()):
                # (an int name broke the sorted listing for every plugin)
                raise TypeError(
                    f"register()'s name must be a Python identifier (a string); "
                    f"got {name!r}"
                )
            name = name or estimator_cls.__name__
            if name in staged and staged[name] is not estimator_cls:
                raise ValueError(f"the plugin registers two classes named {name!r}")
            staged[name] = estimator_cls

        def unavailable(name, reason):
            # (get_estimator, io.load and `skdeep list` say why, instead of
            # "no estimator named ...")
            if not (isinstance(name, str) and isinstance(reason, str)):
                raise TypeError(
                    f"register.unavailable() takes a name and a reason, both "
                    f"strings; got {name!r}, {reason!r}"
                )
            staged_unavailable[name] = reason

        staged_unavailable = {}
        register.unavailable = unavailable

        for impl in impls:
            kwargs = {"register": register}
            if getattr(impl, "wrapper", False) or getattr(impl, "hookwrapper", False):
                # (called directly, a wrapper only builds its generator: the
                # plugin registered nothing, and nothing said so)
                self.pm.unregister(plugin)
                return self._fail(info, "has a wrapper register_estimators", ValueError(
                    "register_estimators must be a plain hook implementation, not "
                    "wrapper=True or hookwrapper=True"))
            if inspect.isgeneratorfunction(impl.function):  # (the same silence)
                self.pm.unregister(plugin)
                return self._fail(info, "has a generator register_estimators",
                                  ValueError(
                    "register_estimators must call register(...), not yield: a "
                    "generator function registers nothing when called"))
            try:
                returned = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except BaseException as exc:  # noqa: BLE001 - sys.exit in a hook too
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self.pm.unregister(plugin)
                return self._fail(info, "raised in register_estimators", exc)
            if returned is not None:  # (classes returned were never registered)
                self.pm.unregister(plugin)
                return self._fail(info, "returned a value from register_estimators",
                                  ValueError(
                    f"register_estimators must call register(cls) for each "
                    f"class and return None; it returned {returned!r}"))
        for name, cls in staged.items():
            if name in self.estimators and self.estimators[name][1] != info.name:
                # The first plugin loaded keeps the name (built-ins load
                # first), also when another registers the same class: it
                # took the name over, and unregistering it removed the class.
                other_cls, other = self.estimators[name]
                if other_cls is not cls:
                    # (recorded too: `skdeep list` and `skdeep plugins` hide
                    # the warnings and showed the plugin as healthy)
                    info.conflicts[name] = other
                    warnings.warn(
                        f"Estimator name {name!r} is registered by plugin "
                        f"{other!r} and by plugin {info.name!r}; keeping the one "
                        f"from {other!r}.",
                        SkdeepPluginWarning,
                        stacklevel=3,
                    )
                continue
            self.estimators[name] = (cls, info.name)
            info.estimators.append(name)
        info.unavailable.update(
            (name, reason)
            for name, reason in staged_unavailable.items()
            if name not in staged
        )
        return info

    def _fail(self, info, what, exc):
        tb = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        info.error = f"{what}: {tb}"
        warnings.warn(
            f"skdeep plugin {info.name!r} ({info.module}) {what} and was skipped: "
            f"{tb}",
            SkdeepPluginWarning,
            stacklevel=3,
        )
        return info

    # -- queries -----------------------------------------------------------
    def all_estimators(self, type_filter=None):
        """The registered estimators (:func:`skdeep.all_estimators`).

        Loads every plugin first.

        Parameters
        ----------
        type_filter : {"classifier", "regressor", "transformer", "cluster", \
"outlier_detector", "forecaster"} or list of those, default=None
            Keep only estimators of these kinds; ``None`` keeps all.

        Returns
        -------
        estimators : list of (name, class, plugin) tuples
            Sorted by name. ``plugin`` is the name of the plugin that
            registered the class.
        """
        self.load()
        if isinstance(type_filter, str):
            type_filter = [type_filter]
        if type_filter is not None:
            if not isinstance(type_filter, (list, tuple, set, frozenset)):
                type_filter = [type_filter]  # (an int was "not iterable")
            bad = set(type_filter) - set(_TYPE_FILTERS)
            if bad:
                raise ValueError(
                    f"type_filter must be None or one or more of {_TYPE_FILTERS}; "
                    f"got {sorted(bad)}"
                )
        rows = []
        for name, (cls, plugin) in sorted(self.estimators.items()):
            if type_filter is None or any(
                kind in type_filter for kind in estimator_kinds(cls)
            ):
                rows.append((name, cls, plugin))
        return rows

    def get_estimator(self, name, *, where=None):
        """The class registered as ``name``; ``where`` (the class path a
        saved file records) lets its built-in family load alone first.

        Parameters
        ----------
        name : str
            The registered name, usually the class name.
        where : str, default=None
            A module or class path (``skdeep.som._som.SOMClusterer``): when
            the registry is not loaded yet, the built-in plugin of the family
            package holding it is tried alone before every plugin is loaded.

        Returns
        -------
        estimator_class : type

        Raises
        ------
        KeyError
            If no plugin registers ``name`` (with close matches suggested,
            or why its plugin could not register it here).
        """
        if where is not None and not self._loaded:
            with self._lock:
                self._load_family(where)
                if name in self.estimators:
                    return self.estimators[name][0]
        self.load()
        try:
            return self.estimators[name][0]
        except KeyError:
            import difflib

            if not isinstance(name, str):  # (difflib's "not iterable" came instead)
                raise TypeError(
                    f"An estimator's name is a str; got {type(name).__name__} "
                    f"{name!r}."
                ) from None
            reason = self.unavailable_reason(name)
            if reason is not None:
                raise KeyError(
                    f"The skdeep estimator {name!r} is not available here: "
                    f"{reason}"
                ) from None
            close = difflib.get_close_matches(name, list(self.estimators), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise KeyError(
                f"No skdeep estimator named {name!r}.{hint} "
                f"`skdeep list` shows the registered ones."
            ) from None

    def unavailable_reason(self, name):
        """Why a plugin could not register ``name`` here, or None.

        Loads every plugin first.

        Parameters
        ----------
        name : str
            An estimator name.

        Returns
        -------
        reason : str or None
            The reason the plugin gave (``register.unavailable``), for
            example a missing optional dependency; None if no plugin did.
        """
        self.load()
        if not isinstance(name, str):
            return None
        for info in self.plugins.values():
            if name in info.unavailable:
                return info.unavailable[name]
        return None

    def list_plugins(self):
        """Describe every plugin (:func:`skdeep.plugins.list_plugins`).

        Loads every plugin first.

        Returns
        -------
        plugins : list of dict
            ``PluginInfo.as_dict()`` of each plugin, in load order: keys
            ``name``, ``module``, ``distribution``, ``version``, ``builtin``,
            ``hooks``, ``estimators``, ``unavailable`` (names the plugin could
            not register here, with why: a missing optional dependency),
            ``conflicts`` (names it registered that a plugin loaded before it
            keeps, with that plugin's name) and ``error`` (None for plugins
            that loaded; otherwise why the plugin was skipped).
        """
        self.load()
        return [info.as_dict() for info in self.plugins.values()]


def _dist_name(ep):
    dist = getattr(ep, "dist", None)
    return getattr(dist, "name", None) if dist is not None else None


def _transforms_by_default(cls):
    """False where a default instance has no ``fit_transform`` (a mixin
    inherited by a class whose ``fit_transform`` and ``transform`` are
    unavailable, as the karateclub plugin's community detectors without an
    embedding), else True (also for classes without a default instance)."""
    try:
        # (a constructor's print corrupted `skdeep list --json`)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            return hasattr(cls(), "fit_transform")
    except BaseException as exc:  # noqa: BLE001 - a third party's constructor,
        if isinstance(exc, KeyboardInterrupt):  # sys.exit in it too (as at load)
            raise
        return True


def estimator_kinds(cls):
    """The kinds (``type_filter`` values) an estimator class belongs to."""
    from sklearn.base import (
        ClassifierMixin,
        ClusterMixin,
        OutlierMixin,
        RegressorMixin,
        TransformerMixin,
    )

    kinds = []
    for kind, mixin in (
        ("classifier", ClassifierMixin),
        ("regressor", RegressorMixin),
        ("cluster", ClusterMixin),
        ("outlier_detector", OutlierMixin),
    ):
        if issubclass(cls, mixin):
            kinds.append(kind)
    if (
        issubclass(cls, TransformerMixin) and _transforms_by_default(cls)
    ) or (not issubclass(cls, TransformerMixin)
          and hasattr(cls, "transform") and hasattr(cls, "fit")):
        kinds.append("transformer")
    get_tag = getattr(cls, "get_class_tag", None)
    if get_tag is not None:
        try:
            if get_tag("object_type", None) == "forecaster":
                kinds.append("forecaster")
        except Exception:  # noqa: BLE001 - tags are advisory here
            pass
    return kinds


_registry = PluginRegistry()


def get_registry():
    """The process-wide :class:`PluginRegistry`, loaded on first use."""
    return _registry.load()


def registered_name(cls):
    """The name an estimator class is registered under, or None.

    Unlike :func:`get_registry`, it imports only the class's own built-in
    family when that registers it (:meth:`PluginRegistry.registered_name`).
    """
    return _registry.registered_name(cls)


def estimator_class(name, *, where=None):
    """The class registered as ``name`` (:func:`skdeep.get_estimator`); with
    ``where``, the class path a saved file records, its built-in family is
    tried alone before every plugin is loaded. Raises KeyError if unknown."""
    return _registry.get_estimator(name, where=where)


def load_plugins():
    """Load all plugins now (normally done lazily on first registry use).

    Returns
    -------
    registry : PluginRegistry
        The process-wide registry, loaded (as :func:`get_registry`).
    """
    return get_registry()


def list_plugins():
    """Describe every plugin: name, distribution, version, hooks, estimators, error.

    Returns
    -------
    plugins : list of dict
        One dict per plugin, in load order. ``error`` is ``None`` for plugins
        that loaded; otherwise it says why the plugin was skipped.

    Examples
    --------
    >>> from skdeep.plugins import list_plugins
    >>> "AutoencoderTransformer" in list_plugins()[0]["estimators"]
    True
    """
    return _registry.list_plugins()
