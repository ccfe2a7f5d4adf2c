import pytest

from sistra.accounts.capabilities import Role
from sistra.cases.services import case_share
from sistra.core.testing import UserFactory
from sistra.interop.selectors import ActorNotFound, command_actor, htcds_export_victims


def test_export_selection_holds_the_victims_of_the_users_cases_in_a_stable_order(prosecutor, exchange_cases):
    selection = htcds_export_victims(prosecutor)

    assert [(v.case.number, v.person.first_names) for v in selection.victims] == [
        ("2023-00042", "José Luis"),
        ("2023-00042", "María Elena"),
        ("2023-00042", "Alexa"),
        ("2024-00101", "Juana"),
        ("2024-00101", "María Elena"),
        ("2024-00101", "Yesenia"),
    ]
    assert {c.number for c in selection.cases} == {"2023-00042", "2024-00101"}
    assert selection.withheld_cases == 0


def test_export_selection_is_fetched_in_a_fixed_number_of_queries(
    prosecutor, exchange_cases, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        selection = htcds_export_victims(prosecutor)
        for victim in selection.victims:
            [p.ubigeo.full_name for p in victim.case.places.all() if p.ubigeo_id]
            list(victim.person.documents.all()), list(victim.exploitation_forms.all())


def test_an_analyst_sees_every_case_but_no_identity_so_everything_is_withheld(analyst, exchange_cases):
    selection = htcds_export_victims(analyst)

    assert selection.victims == [] and selection.withheld_cases == 3


def test_a_shared_case_is_selected_for_the_agency_it_is_shared_with(prosecutor, outsider, exchange_cases):
    case_share(
        actor=prosecutor,
        case=exchange_cases["active"],
        agency=outsider.agency,
        reason="Coordinación",
        level="write",
    )

    selection = htcds_export_victims(outsider)

    assert {c.number for c in selection.cases} == {"2024-00101", "2024-00999"}


def test_command_actor_is_the_named_user(prosecutor):
    assert command_actor(username="fiscal") == prosecutor


def test_command_actor_defaults_to_a_prosecutor_of_the_agency(fiscalia, prosecutor):
    UserFactory(username="zz-analista", agency=fiscalia, role=Role.ANALYST)

    assert command_actor(agency_code="fiscalia-cusco") == prosecutor


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "Indique la institución"),
        ({"agency_code": "no-existe"}, "No existe la institución"),
        ({"username": "nadie"}, "No existe un usuario activo"),
        ({"agency_code": "fiscalia-lima", "username": "fiscal"}, "no pertenece"),
    ],
)
def test_command_actor_refuses_clearly(prosecutor, other_fiscalia, kwargs, message):
    with pytest.raises(ActorNotFound, match=message):
        command_actor(**kwargs)


def test_command_actor_refuses_an_agency_without_prosecutors(police_unit):
    with pytest.raises(ActorNotFound, match="no tiene ningún fiscal activo"):
        command_actor(agency_code="pnp-dirintrap")
