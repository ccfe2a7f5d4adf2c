from sistra.stats import charts


def test_bars_are_proportional_escaped_and_linked():
    svg = charts.hbar(
        [charts.Item("A <b>", 10, "/casos/?stage=a&x=1"), charts.Item("B", 5), charts.Item("C", None)],
        title="Título",
    )
    assert "A &lt;b&gt;" in svg
    assert 'href="/casos/?stage=a&amp;x=1"' in svg
    widths = [float(w) for w in __import__("re").findall(r'<rect x="230" y="\d+" width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1]
    assert ">x</text>" in svg  # a suppressed value is shown as x
    # it holds a link, so it is a group of links, not an image (axe: nested-interactive)
    assert 'role="group"' in svg and "<title>Título</title>" in svg


def test_a_chart_without_links_is_an_image():
    svg = charts.hbar([charts.Item("A", 10), charts.Item("B", 5)], title="Título")
    assert 'role="img"' in svg and "<a " not in svg


def test_columns_and_funnel_render_every_item():
    svg = charts.columns([charts.Item(str(y), y - 2000) for y in range(2010, 2020)], title="Años")
    assert svg.count('class="chart-bar"') == 10
    funnel = charts.funnel([charts.Item("Denuncias", 100), charts.Item("Condena", 10)], title="Embudo")
    assert funnel.count("funnel-step") == 2


def test_an_empty_chart_says_there_is_no_data():
    assert "Sin datos" in charts.hbar([], title="Vacío")
