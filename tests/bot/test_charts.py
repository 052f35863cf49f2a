"""Tests for the shared PNG charts."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.charts import participation_chart_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SERIES = [(f"W{n:02d}", n % 9, 8 + n % 3) for n in range(37, 49)]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    assert data[:8] == PNG_SIGNATURE
    length, chunk_type = struct.unpack(">I4s", data[8:16])
    assert chunk_type == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_is_a_sensible_png() -> None:
    """Twelve weeks render to a readable-size PNG that ends properly."""
    data = participation_chart_png(SERIES, "Participation, last 12 weeks")
    width, height = png_size(data)
    assert 400 <= width <= 2000 and 200 <= height <= 1200
    assert data.endswith(b"IEND\xaeB`\x82")


def test_chart_decodes() -> None:
    """Pillow (a matplotlib dependency) reads the image back at the declared size."""
    image_module = pytest.importorskip("PIL.Image")
    data = participation_chart_png(SERIES, "Participation")
    with image_module.open(io.BytesIO(data)) as image:
        image.load()
        assert image.size == png_size(data)


def test_empty_series_gives_an_informative_chart() -> None:
    """No rounds yet is a chart, not a crash."""
    data = participation_chart_png([], "Participation")
    assert png_size(data)[0] > 0


def test_odd_data_does_not_crash() -> None:
    """More answers than cohort, zero cohorts and many weeks still render."""
    odd = [("W01", 5, 3), ("W02", 0, 0), ("W03", -1, 2)]
    assert png_size(participation_chart_png(odd, "Odd"))[0] > 0
    many = [(f"W{n}", n % 5, 5) for n in range(20)]
    assert png_size(participation_chart_png(many, "Twenty weeks"))[0] > 0


def test_rendering_is_deterministic_across_threads() -> None:
    """The same input gives the same bytes, also when rendered concurrently in threads."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: participation_chart_png(SERIES, "T"), range(3)))
    assert results[0] == results[1] == results[2] == participation_chart_png(SERIES, "T")


def test_import_does_not_load_matplotlib() -> None:
    """Importing the module stays cheap: matplotlib loads only when a chart is drawn."""
    code = "import sys, bot.charts; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
