"""Sphinx configuration for skdeep's documentation."""

import os
import sys
import warnings

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("MPLBACKEND", "Agg")

import skdeep  # noqa: E402

project = "skdeep"
author = "The skdeep developers"
copyright = "2026, The skdeep developers"
release = version = skdeep.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.extlinks",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    # scikit-learn's generated metadata-routing setters: documented there.
    "exclude-members": ",".join(
        f"set_{method}_request"
        for method in ("fit", "predict", "score", "transform", "inverse_transform",
                       "partial_fit", "predict_proba", "decision_function")
    ),
}
extlinks = {"doi": ("https://doi.org/%s", "doi:%s")}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
templates_path = ["_templates"]
exclude_patterns = ["_build", "gallery/README.rst", "**/GALLERY_HEADER.rst"]
html_theme = "alabaster"
html_static_path = []
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
}

# Examples run torch on CPU with one thread, as the tests do.
try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass
warnings.filterwarnings("ignore", category=UserWarning, module="skorch")


def _escape_shape_names(app, what, name, obj, options, lines):
    """Keep ``(n_features_in_,)`` in docstrings from reading as an RST link target."""
    import re

    pattern = re.compile(r"\b([A-Za-z]\w*?)_(?=[,)]|\s)")
    lines[:] = [pattern.sub(r"\1\\_", line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=600)
