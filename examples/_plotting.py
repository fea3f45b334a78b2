"""The one helper the examples share: save a picture if matplotlib is installed.

matplotlib is optional (s2sad does not need it). An example that draws calls

    save_figure("name", draw)

where ``draw(plt)`` makes one figure with ``matplotlib.pyplot`` (``plt.subplots(...)``)
and draws on it. The figure goes to ``name.png`` in ``S2SAD_EXAMPLES_OUT`` (default:
``examples/output``, next to this file). Examples run as ``python examples/NAME.py``,
which puts this folder on ``sys.path``: ``from _plotting import save_figure`` finds it.
"""

import os

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")


def save_figure(name, draw):
    """Draw with ``draw(plt)`` and save the figure as ``<out>/<name>.png``; print and
    return the path. Without matplotlib, print one line saying so and return None."""
    try:
        import matplotlib
    except ImportError:
        print(f"matplotlib is not installed: skipped {name}.png (pip install matplotlib)")
        return None
    matplotlib.use("Agg")  # draw into files, never open a window
    import matplotlib.pyplot as plt

    out = os.environ.get("S2SAD_EXAMPLES_OUT") or DEFAULT_OUT
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{name}.png")
    draw(plt)
    fig = plt.gcf()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path}")
    return path
