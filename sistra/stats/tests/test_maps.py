import re

from sistra.stats import maps


def test_the_projection_keeps_peru_inside_the_drawing():
    proj = maps.projection(560)
    for lon, lat in [(-81.3, -4.3), (-68.7, -17.5), (-75.2, -0.1), (-70.4, -18.3)]:
        x, y = proj(lon, lat)
        assert 0 <= x <= proj.width and 0 <= y <= proj.height
    # north is up, east is right
    assert proj(-75, -1)[1] < proj(-75, -15)[1]
    assert proj(-80, -10)[0] < proj(-70, -10)[0]


def test_every_department_and_province_has_an_area_with_a_centre_inside_the_map():
    deps = maps.areas("departamento")
    assert set(deps) == {f"{n:02d}" for n in range(1, 26)}
    provs = maps.areas("provincia")
    assert len(provs) >= 190
    proj = maps.projection(560)
    for area in deps.values():
        assert area.path.startswith("M") and area.path.endswith("Z")
        assert 0 < area.cx < proj.width and 0 < area.cy < proj.height
    # Lima is west of Madre de Dios, Loreto north of Puno
    assert deps["15"].cx < deps["17"].cx
    assert deps["16"].cy < deps["21"].cy


def test_a_choropleth_shades_by_value_hatches_what_is_hidden_and_draws_no_point(db):
    svg = maps.choropleth(
        "departamento",
        {"08": 120, "17": 300, "15": None, "21": 0},
        title="Prueba",
        links={"17": "/casos/?region=17"},
        flows=[("08", "17", 40), ("08", "08", 5)],
    )
    assert svg.count('<path d="M') >= 25
    assert 'data-code="15"' in svg and 'fill="url(#hatch)"' in svg
    assert 'href="/casos/?region=17"' in svg
    assert svg.count('class="flow"') == 1  # a flow within one department is not drawn
    assert "<circle" not in svg
    assert " style=" not in svg
    assert re.search(r'data-code="17"><title>Madre de Dios: 300</title>', svg)


def test_classes_split_the_values_into_quantiles():
    cls, legend = maps.classes({"a": 1, "b": 2, "c": 3, "d": 4, "e": 100, "f": 0})
    assert cls["f"] == 0
    assert cls["a"] < cls["e"]
    assert legend[0][0] == 1 and legend[-1][1] == 100


def test_the_sankey_draws_a_ribbon_per_route_and_groups_the_small_ones(db):
    flows = [("08", "17", 50), ("21", "17", 20), ("16", "15", 30), ("15", "ext:AR", 4)]
    svg = maps.sankey(flows, title="Rutas")
    assert svg.count('class="sankey-link"') == 4
    assert "Cusco" in svg and "Madre de Dios" in svg
    grouped = maps.sankey(flows, title="Rutas", max_nodes=1)
    assert "Otros" in grouped


def test_an_empty_sankey_says_so():
    assert "Sin rutas" in maps.sankey([], title="Rutas")
