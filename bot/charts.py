"""PNG charts shared by features (check-in stats, the weekly digest).

matplotlib is imported inside each function, not here: it costs tens of megabytes and
a noticeable fraction of a second, and most runs of the bot never draw a chart. The
functions use the object-oriented API (Figure + Agg canvas, no pyplot), so they keep
no global state and may be called from a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported only when a chart is drawn (see above)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_WIDTH_IN, _HEIGHT_IN, _DPI = 8.0, 4.0, 100  # 800 x 400 pixels, readable in a Discord embed
_COHORT_COLOUR = "#d0d7de"
_ANSWERED_COLOUR = "#2f6fb0"
_TEXT_COLOUR = "#24292f"
_RATE_COLOUR = "#c2410c"
_FONT = "DejaVu Sans"  # ships with matplotlib, so the image is the same on every machine


def participation_chart_png(
    series: Sequence[tuple[str, int, int]],
    title: str,
    empty_text: str = "No check-in rounds yet",
    rates: Sequence[float | None] | None = None,
    rates_label: str = "plans followed through",
) -> bytes:
    """A bar chart of (label, answered, cohort size) rows, oldest first, as PNG bytes.

    Each week is a pale bar for the cohort with the answered count drawn over it and
    written above it as "answered/cohort". An empty series gives a chart showing
    `empty_text` under the title.
    `rates` (one per row, 0 to 1, None for none) add a line on a second axis in percent.
    The same input always gives the same bytes.
    """
    from matplotlib.ticker import MaxNLocator

    figure, axes = _titled_axes(title)
    if not series:
        _show_empty(axes, empty_text)
    else:
        labels = [label for label, _, _ in series]
        answered = [max(count, 0) for _, count, _ in series]
        cohort = [max(size, count) for count, (_, _, size) in zip(answered, series, strict=True)]
        positions = list(range(len(series)))
        crowded = len(series) > 16  # beyond about four months the labels would overlap
        axes.bar(positions, cohort, width=0.7, color=_COHORT_COLOUR, label="cohort")
        bars = axes.bar(positions, answered, width=0.7, color=_ANSWERED_COLOUR, label="answered")
        axes.bar_label(
            bars,
            labels=[f"{a}/{c}" for a, c in zip(answered, cohort, strict=True)],
            padding=2,
            fontsize=6 if crowded else 9,
            color=_TEXT_COLOUR,
            family=_FONT,
        )
        axes.set_xticks(positions, labels, fontsize=9, family=_FONT, rotation=90 if crowded else 0)
        axes.set_ylim(0, max(max(cohort), 1) * 1.3)  # room for the labels and the legend
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel("members", color=_TEXT_COLOUR, family=_FONT)
        axes.spines[["top", "right"]].set_visible(False)
        handles, names = axes.get_legend_handles_labels()
        if rates is not None and any(rate is not None for rate in rates):
            second = axes.twinx()
            points = [(p, 100 * r) for p, r in zip(positions, rates, strict=True) if r is not None]
            (line,) = second.plot(
                [p for p, _ in points],
                [v for _, v in points],
                color=_RATE_COLOUR,
                marker="o",
                label=rates_label,
            )
            second.set_ylim(0, 130)  # the same headroom as the bars, for the legend
            second.set_ylabel("%", color=_TEXT_COLOUR, family=_FONT)
            second.spines[["top"]].set_visible(False)
            handles, names = [*handles, line], [*names, rates_label]
        axes.legend(
            handles, names, loc="upper left", frameon=False, ncols=3, prop={"family": _FONT}
        )

    return _png(figure)


def counts_chart_png(
    series: Sequence[tuple[str, int]], title: str, unit: str, empty_text: str
) -> bytes:
    """A bar chart of (label, count) rows, oldest first, as PNG bytes (e.g. posts per month).

    Drawn like the participation chart (same size, fonts and empty state), one bar per row
    with its count above it. The same input always gives the same bytes.
    """
    from matplotlib.ticker import MaxNLocator

    figure, axes = _titled_axes(title)
    counts = [max(count, 0) for _, count in series]
    if not any(counts):
        _show_empty(axes, empty_text)
    else:
        positions = list(range(len(series)))
        bars = axes.bar(positions, counts, width=0.7, color=_ANSWERED_COLOUR)
        axes.bar_label(bars, padding=2, fontsize=9, color=_TEXT_COLOUR, family=_FONT)
        axes.set_xticks(positions, [label for label, _ in series], fontsize=8, family=_FONT)
        axes.set_ylim(0, max(counts) * 1.25)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel(unit, color=_TEXT_COLOUR, family=_FONT)
        axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def _titled_axes(title: str) -> tuple[Figure, Axes]:
    """An 800 x 400 figure on an Agg canvas with one titled set of axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(_WIDTH_IN, _HEIGHT_IN), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=13, color=_TEXT_COLOUR, family=_FONT)
    return figure, axes


def _show_empty(axes: Axes, text: str) -> None:
    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        fontsize=12,
        color=_TEXT_COLOUR,
        family=_FONT,
        transform=axes.transAxes,
    )


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No "Software" text chunk: it names the matplotlib version, and the bytes would change.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
