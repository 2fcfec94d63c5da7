"""Server-drawn SVG charts: scales, proportions, escaping, empty data, gaps, ids and readable print.
The charts are parsed as XML and measured; only the translated "no data" case needs a Flask app.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from loket.reports.charts import bar_chart, hbar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
ELEMENTS = [("U1 Persyaratan", 3.2), ("U2 Sistem", 2.5), ("U3 Waktu", None), ("U4 Biaya", 4.0)]


def parse(chart: Markup) -> ET.Element:
    assert isinstance(chart, Markup)
    return ET.fromstring(str(chart))


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [el for el in root.iter() if name in (el.get("class") or "").split()]


def texts(root: ET.Element, name: str) -> list[str]:
    return [el.text for el in by_class(root, name)]


def test_bar_heights_are_proportional_to_values():
    root = parse(bar_chart([("07", 3), ("08", 12), ("09", 7.5), ("10", 0)], title="Kedatangan per jam"))
    bars = by_class(root, "bar")
    assert [float(b.get("data-value")) for b in bars] == [3, 12, 7.5, 0]
    heights = [float(b.get("height")) for b in bars]
    assert heights[3] == 0
    assert heights[1] / heights[0] == pytest.approx(4, rel=1e-3)
    assert heights[2] / heights[0] == pytest.approx(2.5, rel=1e-3)
    # bars stand on one baseline
    assert len({round(float(b.get("y")) + float(b.get("height")), 2) for b in bars}) == 1


def test_hbar_widths_are_proportional_from_the_scale_minimum():
    root = parse(hbar_chart(ELEMENTS, title="NRR per unsur"))
    bars = by_class(root, "bar")
    assert [float(b.get("data-value")) for b in bars] == [3.2, 2.5, 4.0]  # None draws no bar
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] / widths[1] == pytest.approx((3.2 - 1) / (2.5 - 1), rel=1e-3)
    assert widths[2] / widths[1] == pytest.approx((4.0 - 1) / (2.5 - 1), rel=1e-3)
    assert "–" in texts(root, "value")


@pytest.mark.parametrize("largest, ticks", [
    (37, ["0", "10", "20", "30", "40", "50"]),
    (50, ["0", "10", "20", "30", "40", "50"]),
    (23, ["0", "10", "20", "30", "40", "50"]),
    (120, ["0", "50", "100", "150", "200"]),
    (1, ["0", "0.2", "0.4", "0.6", "0.8", "1"]),
    (0.3, ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]),
    (1234, ["0", "500", "1000", "1500", "2000"]),
])
def test_bar_scale_ends_at_a_nice_top_with_labelled_gridlines(largest, ticks):
    root = parse(bar_chart([("a", largest / 3), ("b", largest)], title="Skala"))
    assert texts(root, "tick") == ticks
    tick_ys = [float(t.get("y")) for t in by_class(root, "tick")]
    per_unit = (tick_ys[0] - tick_ys[-1]) / float(ticks[-1])  # the gridlines span the scale
    assert float(by_class(root, "bar")[1].get("height")) == pytest.approx(largest * per_unit, rel=1e-3)


def test_trend_scale_runs_from_minimum_to_maximum():
    root = parse(line_chart([("2026-S1", 80)], title="Tren", minimum=25, maximum=100))
    assert texts(root, "tick") == ["25", "50", "75", "100"]


def test_labels_and_titles_are_escaped():
    name = 'Jasa & <b>Konsultansi</b> "A"'
    charts = [
        bar_chart([(name, 4)], title=name, desc=name, unit=name),
        hbar_chart([(name, 3.0)], title=name, desc=name, marks=[(3.0644, name)]),
        line_chart([(name, 60)], title=name, desc=name, unit=name, minimum=25, maximum=100),
    ]
    for chart in charts:
        assert "<b>" not in chart
        root = parse(chart)
        assert root.find(f"{SVG}title").text == name
        assert root.find(f"{SVG}desc").text == name
        assert name in [el.text for el in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("chart", [
    lambda: bar_chart([], title="Kosong", unit="tiket"),
    lambda: bar_chart([("07", 0), ("08", 0)], title="Kosong"),
    lambda: hbar_chart([], title="Kosong"),
    lambda: hbar_chart([("U1", None), ("U2", None)], title="Kosong"),
    lambda: line_chart([("2026-S1", None)], title="Kosong", minimum=25, maximum=100),
    lambda: line_chart([], title="Kosong", minimum=25, maximum=100),
], ids=["bar-none", "bar-zero", "hbar-none", "hbar-all-none", "line-all-none", "line-none"])
def test_empty_data_draws_the_frame_with_a_message(chart):
    root = parse(chart())
    assert texts(root, "no-data") == ["Tidak ada data"]
    assert by_class(root, "frame")
    assert not by_class(root, "bar") and not by_class(root, "point") and not by_class(root, "line")


def test_no_data_message_is_translated_in_a_request(tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from flask import Flask
    from flask_babel import Babel

    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="en")
    catalog.add("Tidak ada data", "No data")
    with open(folder / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    app = Flask(__name__)
    Babel(app, default_locale="en", default_translation_directories=str(tmp_path))
    with app.test_request_context("/"):
        root = parse(bar_chart([], title="Empty"))
    assert texts(root, "no-data") == ["No data"]


def test_a_gap_breaks_the_trend_line():
    points = [("2024-S1", 70), ("2024-S2", 75), ("2025-S1", None), ("2025-S2", 80), ("2026-S1", 90)]
    root = parse(line_chart(points, title="Tren IKM", minimum=25, maximum=100))
    lines = root.findall(f"{SVG}polyline")
    assert [len(line.get("points").split()) for line in lines] == [2, 2]
    (first_end_x, _), (second_start_x, _) = (lines[0].get("points").split()[-1].split(","),
                                             lines[1].get("points").split()[0].split(","))
    assert float(first_end_x) < float(second_start_x)
    assert [float(p.get("data-value")) for p in by_class(root, "point")] == [70, 75, 80, 90]
    assert texts(root, "value") == ["70", "75", "–", "80", "90"]
    assert texts(root, "label") == [label for label, _ in points]
    ys = [float(p.get("cy")) for p in by_class(root, "point")]
    assert ys[3] - ys[2] == pytest.approx(2 * (ys[2] - ys[1]), rel=1e-3)  # one linear scale across the gap


def test_every_value_is_written_with_the_given_format():
    def fmt(v):
        return f"{v:.2f}".replace(".", ",")

    bars = parse(bar_chart([("0–5", 12), ("5–10", 4)], title="Waktu tunggu", fmt=fmt, unit="tiket"))
    assert texts(bars, "value") == ["12,00", "4,00"]
    assert texts(bars, "label") == ["0–5", "5–10"]
    hbars = parse(hbar_chart(ELEMENTS, title="NRR", fmt=fmt))
    assert texts(hbars, "value") == ["3,20", "2,50", "–", "4,00"]
    assert texts(hbars, "label") == [label for label, _ in ELEMENTS]
    trend = parse(line_chart([("a", 88.5), ("b", 91)], title="Tren", minimum=25, maximum=100, fmt=fmt))
    assert texts(trend, "value") == ["88,50", "91,00"]


def test_ids_are_unique_on_a_page_and_label_the_chart():
    charts = [bar_chart([("07", 3)], title="Kedatangan", highlight={0}), bar_chart([("07", 4)], title="Kedatangan"),
              hbar_chart(ELEMENTS, title="NRR", desc="Nilai per unsur"),
              line_chart([("a", 80)], title="Tren", minimum=25, maximum=100)]
    page = ET.fromstring("<div>" + "".join(charts) + "</div>")
    ids = [el.get("id") for el in page.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    for svg in page:
        assert svg.get("role") == "img"
        labelled = svg.get("aria-labelledby").split()
        own = {el.get("id"): el.tag for el in svg.iter() if el.get("id")}
        assert [own[i] for i in labelled] in ([f"{SVG}title"], [f"{SVG}title", f"{SVG}desc"])
    assert page[2].get("aria-labelledby").endswith("-desc")


def test_same_input_gives_the_same_bytes_and_a_given_prefix_is_used():
    def draw(**kw):
        return hbar_chart(ELEMENTS, title="NRR", marks=[(3.0644, "B")], **kw)

    assert draw() == draw()
    chosen = parse(draw(id_prefix="ikm-u"))
    assert chosen.get("aria-labelledby") == "ikm-u-title"
    with pytest.raises(ValueError):
        draw(id_prefix='x" onload="')


def test_highlight_is_not_told_by_colour_alone():
    root = parse(bar_chart([("07", 3), ("08", 9)], title="Jam sibuk", highlight={1}))
    plain, marked = by_class(root, "bar")
    assert "highlight" in marked.get("class").split() and "highlight" not in plain.get("class").split()
    assert marked.get("fill").startswith("url(#") and marked.get("stroke")
    pattern_id = marked.get("fill")[len("url(#"):-1]
    assert root.find(f".//{SVG}pattern[@id='{pattern_id}']") is not None


def test_reference_marks_sit_at_their_values():
    root = parse(hbar_chart([("U1", 4.0)], title="NRR", marks=[(1.0, "D"), (3.0644, "B")]))
    bar = by_class(root, "bar")[0]
    start, full = float(bar.get("x")), float(bar.get("width"))
    positions = [float(m.get("x1")) for m in by_class(root, "mark")]
    assert positions == pytest.approx([start, start + full * (3.0644 - 1) / 3], abs=1e-2)
    assert texts(root, "mark-label") == ["D", "B"]


@pytest.mark.parametrize("chart", [
    lambda: bar_chart([("a", -1)], title="x"),
    lambda: bar_chart([("a", float("nan"))], title="x"),
    lambda: hbar_chart([("U1", 4.2)], title="x"),
    lambda: hbar_chart([("U1", 3.0)], title="x", marks=[(0.5, "E")]),
    lambda: line_chart([("a", 101)], title="x", minimum=25, maximum=100),
    lambda: line_chart([("a", 50)], title="x", minimum=100, maximum=25),
])
def test_values_off_the_scale_are_refused(chart):
    with pytest.raises(ValueError):
        chart()


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_text_is_readable_in_print():
    charts = [bar_chart([("07", 3)], title="a", unit="tiket"), hbar_chart(ELEMENTS, title="b", marks=[(3.0, "B")]),
              line_chart([("a", 80), ("b", None)], title="c", minimum=25, maximum=100), bar_chart([], title="d")]
    for chart in charts:
        assert " style=" not in chart and "<style" not in chart  # the pages' CSP forbids inline style
        root = parse(chart)
        assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 640 ")
        assert root.get("preserveAspectRatio") and root.get("font-family") == "inherit"
        for text in root.iter(f"{SVG}text"):
            assert int(text.get("font-size", root.get("font-size"))) >= 11
            assert 1.05 / (_luminance(text.get("fill")) + 0.05) >= 4.5
        for bar in by_class(root, "bar") + by_class(root, "point"):
            assert _luminance(bar.get("fill")) < 0.1  # dark enough for a black and white printer
