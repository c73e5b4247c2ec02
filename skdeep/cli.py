"""The ``skdeep`` command: ``list``, ``plugins``, ``check`` and ``demo``."""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import contextlib
import json
import os
import sys
import warnings


def _cmd_list(args):
    from skdeep.plugins import SkdeepPluginWarning, estimator_kinds, get_registry

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkdeepPluginWarning)  # shown below instead
        registry = get_registry()
    rows = registry.all_estimators()
    if args.json:
        print(
            json.dumps(
                {
                    "estimators": [
                        {
                            "name": name,
                            "plugin": plugin,
                            "kinds": estimator_kinds(cls),
                            "class": f"{cls.__module__}.{cls.__qualname__}",
                        }
                        for name, cls, plugin in rows
                    ],
                    "plugins": registry.list_plugins(),
                },
                indent=2,
            )
        )
        return 0
    width = max([len(name) for name, _, _ in rows] + [9])
    print(f"{'estimator':<{width}}  {'plugin':<24}  kind")
    for name, cls, plugin in rows:
        print(f"{name:<{width}}  {plugin:<24}  {', '.join(estimator_kinds(cls))}")
    plugins = registry.list_plugins()
    # names a plugin could not register: each kind under its heading
    for key, heading, line in (
        ("unavailable", "unavailable here (optional dependencies missing):",
         "  {name} ({plugin}): {value}"),
        ("conflicts", "name conflicts (the class of the plugin loaded first is kept):",
         "  {name}: plugin {plugin}'s class dropped, {value}'s kept"),
    ):
        # (a name another plugin registers is available: it was listed both
        # ways)
        items = [(name, p["name"], value) for p in plugins
                 for name, value in p[key].items()
                 if key != "unavailable" or name not in registry.estimators]
        if items:
            print("\n" + heading)
            for name, plugin, value in items:
                print(line.format(name=name, plugin=plugin, value=value))
    broken = [p for p in plugins if p["error"]]
    if broken:
        print("\nbroken plugins (skipped):")
        for p in broken:
            print(f"  {p['name']} ({p['module']}): {p['error']}")
    return 0


def _cmd_plugins(args):
    from skdeep.plugins import SkdeepPluginWarning, list_plugins

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkdeepPluginWarning)
        print(json.dumps(list_plugins(), indent=2))
    return 0


def _cmd_check(args):
    from skdeep.plugins import get_registry
    from skdeep.utils.estimator_checks import (
        check_estimator,
        sktime_check_results,
        test_instances,
    )

    registry = get_registry()
    rows = registry.all_estimators()
    if args.plugin:
        plugins = {p["name"]: p for p in registry.list_plugins()}
        missing = [p for p in args.plugin if p not in plugins]
        if missing:
            print(f"error: no plugin named {missing}; known: {sorted(plugins)}",
                  file=sys.stderr)
            return 2
        # (a broken plugin registers nothing: "nothing to check" hid why)
        broken = [p for p in args.plugin if plugins[p].get("error")]
        for p in broken:
            print(f"error: plugin {p!r} is broken: {plugins[p]['error']}",
                  file=sys.stderr)
        if broken:
            return 1
        rows = [r for r in rows if r[2] in args.plugin]
    if args.names:
        missing = [n for n in args.names if n not in {r[0] for r in rows}]
        if missing:
            elsewhere = {r[0] for r in registry.all_estimators()} & set(missing)
            print(f"error: no registered estimator named {missing}"
                  + (f" in plugin(s) {args.plugin} ({sorted(elsewhere)} belong "
                     f"to others)" if elsewhere else ""), file=sys.stderr)
            return 2
        rows = [r for r in rows if r[0] in args.names]
    if not rows:
        print("error: nothing to check", file=sys.stderr)
        return 2
    failed_total = 0
    for name, cls, plugin in rows:
        # One estimator that cannot be built or checked is one failure; the
        # others are still checked (it used to end the run in a traceback).
        try:
            instances = test_instances(cls)
        except Exception as exc:  # noqa: BLE001 - a third party's class
            failed_total += 1
            print(f"[FAIL] {name} ({plugin}): could not build its test "
                  f"instances: {type(exc).__name__}: {str(exc).strip()[:300]}")
            continue
        for estimator in instances:
            needs = getattr(estimator, "_required_modules", ())
            if needs:  # graph embedders: numba or gensim, in the graph extra
                from skdeep.graph._embedders import _check_dependencies

                try:
                    _check_dependencies(needs, type(estimator).__name__)
                except ImportError as exc:
                    print(f"[skip] {_label(estimator)} ({plugin}): {exc}")
                    continue
            try:
                if hasattr(estimator, "get_class_tag"):
                    results = sktime_check_results(estimator)
                else:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        results = check_estimator(estimator)
            except Exception as exc:  # noqa: BLE001
                results = [{"check_name": "(running the checks)", "status": "failed",
                            "exception": exc, "reason": None}]
            counts = {}
            for r in results:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            # (an expected failure that passes: the estimator's list is stale)
            failed = [r for r in results if r["status"] in ("failed", "xpass")]
            failed_total += len(failed)
            summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
            mark = "FAIL" if failed else "ok"
            print(f"[{mark:>4}] {_label(estimator)} ({plugin}): {summary}")
            for r in failed:
                if r["status"] == "xpass":
                    print(f"         {r['check_name']}: passes, but is listed as an "
                          f"expected failure ({r['reason']})")
                    continue
                print(f"         {r['check_name']}: {type(r['exception']).__name__}: "
                      f"{str(r['exception']).strip()[:300]}")
            if args.verbose:
                for r in results:
                    if r["status"] == "xfail":
                        print(f"         xfail {r['check_name']}: {r['reason']}")
    print(f"\n{failed_total} failed check(s)")
    return 1 if failed_total else 0


def _label(estimator):
    """The estimator's repr, or its class name where the repr fails (a class
    that stores its parameters under other names: the run ended there)."""
    try:
        return repr(estimator)
    except Exception as exc:  # noqa: BLE001 - a third party's class
        return f"{type(estimator).__name__}(<repr failed: {type(exc).__name__}>)"


def _cmd_demo(args):
    import torch

    from skdeep.demo import run_demos

    torch.set_num_threads(args.threads)  # (validated by the parser)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_demos(args.family)
    return 0


def _positive_int(text):
    """argparse type of ``--threads``: an int >= 1 (0 kept torch's default
    silently, -1 ended in torch's traceback)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skdeep",
        description="Classic deep-learning model families as scikit-learn estimators.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="registered estimators and broken plugins")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("plugins", help="every plugin as JSON (hooks, errors)")
    p.set_defaults(func=_cmd_plugins)
    p = sub.add_parser("check", help="conformance checks (non-zero exit on failure)")
    p.add_argument("names", nargs="*", help="estimator names (default: all)")
    p.add_argument("--plugin", action="append", help="only this plugin's estimators")
    p.add_argument("-v", "--verbose", action="store_true", help="list xfails too")
    p.set_defaults(func=_cmd_check)
    from skdeep.demo import DEMOS  # (a dict of module names: imports nothing)

    p = sub.add_parser("demo", help="a short tour of every model family")
    p.add_argument("--family", action="append", choices=list(DEMOS),
                   help="only this family (repeatable)")
    p.add_argument(
        "--threads", type=_positive_int, default=1,
        help="torch threads (1: small networks train fastest on one thread)",
    )
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv=None):
    """Entry point of the ``skdeep`` command."""
    # A name or error text the terminal's encoding cannot show (a plugin's
    # class "Modèle" under an ASCII locale) is escaped, not a traceback that
    # loses the rest of the listing; the streams are put back after (main may
    # run inside a program)
    streams = [(stream, stream.errors) for stream in (sys.stdout, sys.stderr)
               if hasattr(stream, "reconfigure")]
    for stream, _ in streams:
        stream.reconfigure(errors="backslashreplace")
    try:
        args = build_parser().parse_args(argv)
        try:
            return args.func(args)
        except BrokenPipeError:  # `skdeep list | head`: the reader left
            # (the interpreter's flush of stdout at exit would raise again)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    finally:
        for stream, errors in streams:
            with contextlib.suppress(ValueError, OSError):  # (closed, or gone)
                stream.reconfigure(errors=errors)


if __name__ == "__main__":
    sys.exit(main())
