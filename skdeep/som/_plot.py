"""Pictures of fitted self-organizing maps: U-matrix, hit map, component planes.

matplotlib is an optional dependency (``pip install skdeep[plot]``), imported
only when a function here is called.
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

# Longest side of a figure the plots create (tall maps are scaled down).
_MAX_FIGURE_INCHES = 10.0


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting self-organizing maps needs matplotlib: "
            "pip install 'skdeep[plot]' (or pip install matplotlib)."
        ) from exc
    return plt


def _cell_polygons(som):
    """One polygon (vertices) per node: unit squares or pointy-top hexagons."""
    pos = np.asarray(som.node_positions_, dtype=float)
    if som._fitted_lattice()[0] == "hexagonal":
        radius = 1.0 / math.sqrt(3.0)  # neighbours 1 apart share an edge
        angles = np.deg2rad(np.arange(30, 390, 60))
        offsets = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    else:
        offsets = 0.5 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    return pos[:, None, :] + offsets[None, :, :]


def plot_map(
    som,
    values,
    *,
    ax=None,
    cmap="viridis",
    colorbar=True,
    title=None,
    vmin=None,
    vmax=None,
    edgecolor="face",
):
    """Draw one value per node on the map's own cells (squares or hexagons).

    Row 0 is at the top, column 0 on the left, as in ``u_matrix()`` and
    ``hit_map()`` arrays.

    Parameters
    ----------
    som : fitted SOMClusterer
        The map to draw.
    values : array-like of shape (n_rows_, n_columns_) or (n_nodes,)
        Value of each node.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    cmap : str or Colormap, default="viridis"
        Colour map of the values.
    colorbar : bool, default=True
        Draw a colour bar beside the map.
    title : str, default=None
        Axes title.
    vmin, vmax : float, default=None
        Colour scale limits.
    edgecolor : color, default="face"
        Cell border colour.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skdeep.som import SOMClusterer, plot_map
    >>> X, _ = load_iris(return_X_y=True)
    >>> som = SOMClusterer(4, n_columns=5, random_state=0).fit(X)
    >>> ax = plot_map(som, som.cluster_centers_[:, 2], title="petal length")
    >>> ax.get_title()
    'petal length'
    """
    check_is_fitted(som)
    plt = _pyplot()
    plt.get_cmap(cmap)  # (an unknown name: before a figure is left open)
    from matplotlib.collections import PolyCollection

    values = np.asarray(values, dtype=float)
    n_nodes = som.n_rows_ * som.n_columns_
    # the map's layout or one value per node (a transposed (n_columns_,
    # n_rows_) array was flattened and drawn scrambled)
    if values.shape not in ((som.n_rows_, som.n_columns_), (n_nodes,)):
        raise ValueError(
            f"values must be of shape ({som.n_rows_}, {som.n_columns_}) (the "
            f"map's rows and columns) or ({n_nodes},) (one value per node in "
            f"row-major order); got {values.shape}."
        )
    values = values.ravel()
    if ax is None:
        width = 5.0
        hexagonal = som._fitted_lattice()[0] == "hexagonal"
        height = width * (som.n_rows_ * (0.87 if hexagonal else 1))
        height /= max(som.n_columns_, 1)
        if height > _MAX_FIGURE_INCHES:  # (a 150 x 1 map was 750 inches tall)
            width = max(width * _MAX_FIGURE_INCHES / height, 1.0)
            height = _MAX_FIGURE_INCHES
        _, ax = plt.subplots(figsize=(width + (1.0 if colorbar else 0), max(height, 2)))
    cells = PolyCollection(
        _cell_polygons(som), array=values, cmap=cmap, edgecolors=edgecolor
    )
    cells.set_clim(vmin, vmax)
    ax.add_collection(cells)
    pos = som.node_positions_
    ax.set_xlim(pos[:, 0].min() - 0.75, pos[:, 0].max() + 0.75)
    ax.set_ylim(pos[:, 1].max() + 0.75, pos[:, 1].min() - 0.75)  # row 0 on top
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(cells, ax=ax, fraction=0.046, pad=0.04)
    return ax


def plot_u_matrix(som, *, ax=None, cmap="bone_r", colorbar=True, title="U-matrix"):
    """Draw the U-matrix: light cells are cluster interiors, dark ones borders.

    Parameters
    ----------
    som : fitted SOMClusterer
        The map to draw.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    cmap : str or Colormap, default="bone_r"
        Colour map (dark for large distances).
    colorbar : bool, default=True
        Draw a colour bar beside the map.
    title : str, default="U-matrix"
        Axes title.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skdeep.som import SOMClusterer, plot_u_matrix
    >>> X, _ = load_iris(return_X_y=True)
    >>> som = SOMClusterer(6, n_columns=8, topology="hexagonal",
    ...                    random_state=0).fit(X)
    >>> ax = plot_u_matrix(som)
    """
    return plot_map(
        som, som.u_matrix(), ax=ax, cmap=cmap, colorbar=colorbar, title=title
    )


def plot_hit_map(som, X, *, ax=None, cmap="Blues", colorbar=True, annotate=False,
                 title="Hit map"):
    """Draw how many samples of ``X`` each node wins (the activation response).

    Parameters
    ----------
    som : fitted SOMClusterer
        The map to draw.
    X : array-like of shape (n_samples, n_features)
        Samples to count.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    cmap : str or Colormap, default="Blues"
        Colour map of the counts.
    colorbar : bool, default=True
        Draw a colour bar beside the map.
    annotate : bool, default=False
        Write each count in its cell.
    title : str, default="Hit map"
        Axes title.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skdeep.som import SOMClusterer, plot_hit_map
    >>> X, _ = load_iris(return_X_y=True)
    >>> som = SOMClusterer(4, n_columns=5, random_state=0).fit(X)
    >>> ax = plot_hit_map(som, X, annotate=True)
    >>> sum(int(text.get_text()) for text in ax.texts)  # every sample once
    150
    """
    hits = som.hit_map(X)
    ax = plot_map(som, hits, ax=ax, cmap=cmap, colorbar=colorbar, title=title)
    if annotate:
        for (x, y), count in zip(som.node_positions_, hits.ravel()):
            ax.text(x, y, str(count), ha="center", va="center", fontsize=6)
    return ax


def plot_component_planes(
    som, *, features=None, feature_names=None, n_cols=4, cmap="coolwarm",
    panel_size=2.5,
):
    """Draw one map per feature: the prototypes' value of that feature.

    Parameters
    ----------
    som : fitted SOMClusterer
        The map to draw.
    features : list of int, default=None
        Feature indices to draw; all when None.
    feature_names : list of str, default=None
        Names of all the features (indexed by ``features``) or one title
        per drawn panel; ``som.feature_names_in_`` or ``"x<i>"`` when None.
    n_cols : int, default=4
        Panels per row.
    cmap : str or Colormap, default="coolwarm"
        Colour map of the feature values.
    panel_size : float, default=2.5
        Size of each panel in inches.

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skdeep.som import SOMClusterer, plot_component_planes
    >>> X, _ = load_iris(return_X_y=True, as_frame=True)
    >>> som = SOMClusterer(4, n_columns=5, random_state=0).fit(X)
    >>> fig = plot_component_planes(som, features=[0, 2])
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['sepal length (cm)', 'petal length (cm)']
    """
    check_is_fitted(som)
    plt = _pyplot()
    plt.get_cmap(cmap)  # (an unknown name: before a figure is left open)
    n_features = som.cluster_centers_.shape[1]
    features = list(range(n_features)) if features is None else list(features)
    if not features:
        raise ValueError("features is empty: give at least one feature index.")
    bad = [f for f in features if not (isinstance(f, Integral)
                                       and not isinstance(f, bool)
                                       and -n_features <= f < n_features)]
    if bad:
        raise ValueError(
            f"features must be indices of the map's {n_features} features; "
            f"got {bad}."
        )
    if feature_names is None:
        feature_names = getattr(
            som, "feature_names_in_", [f"x{i}" for i in range(n_features)]
        )
    if len(feature_names) == len(features) != n_features:
        # one title per panel (a subset's own names; by panel, not by
        # feature: a feature drawn twice got its last title twice)
        titles = list(feature_names)
    elif len(feature_names) != n_features:
        raise ValueError(
            f"feature_names must name all {n_features} features or each of the "
            f"{len(features)} panels; got {len(feature_names)} names."
        )
    else:
        titles = [feature_names[feature] for feature in features]
    if not isinstance(n_cols, Integral) or isinstance(n_cols, bool) or n_cols < 1:
        # (0 and negative ones were taken as 1; 1.5 failed with a figure open)
        raise ValueError(f"n_cols must be a positive integer; got {n_cols!r}.")
    n_cols = min(n_cols, len(features))
    n_rows = math.ceil(len(features) / n_cols)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(panel_size * n_cols * 1.2, panel_size * n_rows),
        squeeze=False,
    )
    for ax, feature, title in zip(axes.ravel(), features, titles):
        plot_map(
            som, som.cluster_centers_[:, feature], ax=ax, cmap=cmap,
            title=str(title),
        )
    for ax in axes.ravel()[len(features):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
