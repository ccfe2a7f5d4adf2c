import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sistra.audit.models import ChangeEvent
from sistra.prevention import services
from sistra.prevention.models import (
    AtRiskChild,
    AtRiskFamily,
    Campaign,
    CampaignReach,
    FamilyFollowUp,
    Participant,
    TrainingEvent,
)
from sistra.prevention.services import ParticipantInput, ReachInput

from .conftest import child

D = datetime.date


def messages(exc: ValidationError) -> dict:
    return exc.value.message_dict


# --- training events --------------------------------------------------------------------------------------


def test_an_event_is_recorded_with_its_department_and_history(event):
    assert event.departamento_code == "08"
    assert event.owner_agency.code == "tdh-peru"
    assert ChangeEvent.objects.filter(root_uuid=event.uuid, action="create").count() == 1


def test_it_refuses_an_event_that_ends_before_it_starts(officer):
    with pytest.raises(ValidationError) as exc:
        services.event_create(
            actor=officer,
            title="Taller",
            topic="ruta",
            organiser="TdH",
            starts_on=D(2026, 5, 10),
            ends_on=D(2026, 5, 9),
            ubigeo="080101",
        )
    assert "ends_on" in messages(exc)
    assert "no puede ser anterior" in messages(exc)["ends_on"][0]
    assert not TrainingEvent.objects.exists()


def test_it_refuses_an_unknown_place_and_topic(officer):
    with pytest.raises(ValidationError) as exc:
        services.event_create(
            actor=officer,
            title="Taller",
            topic="magic",
            organiser="TdH",
            starts_on=D(2026, 5, 10),
            ends_on=D(2026, 5, 10),
            ubigeo="999999",
        )
    assert set(messages(exc)) >= {"topic", "ubigeo"}


def test_a_role_without_prevention_capabilities_cannot_record_events(analyst):
    with pytest.raises(PermissionDenied):
        services.event_create(
            actor=analyst,
            title="Taller",
            topic="ruta",
            organiser="TdH",
            starts_on=D(2026, 5, 10),
            ends_on=D(2026, 5, 10),
            ubigeo="080101",
        )


# --- participants -----------------------------------------------------------------------------------------


def test_the_knowledge_gain_is_post_minus_pre(officer, event):
    p = services.participant_add(
        actor=officer,
        event=event,
        data=ParticipantInput(full_name="Rosa Quispe", profession="judge", pre_score="9,5", post_score=16),
    )
    assert p.pre_score == Decimal("9.5")
    assert p.knowledge_gain == Decimal("6.5")


def test_it_refuses_a_post_test_without_a_pre_test(officer, event):
    with pytest.raises(ValidationError) as exc:
        services.participant_add(
            actor=officer,
            event=event,
            data=ParticipantInput(full_name="Rosa Quispe", profession="judge", post_score=16),
        )
    assert "post_score" in messages(exc)
    assert "entrada" in messages(exc)["post_score"][0]
    assert not Participant.objects.exists()


def test_it_refuses_a_score_outside_the_scale(officer, event):
    with pytest.raises(ValidationError) as exc:
        services.participant_add(
            actor=officer,
            event=event,
            data=ParticipantInput(full_name="Rosa Quispe", profession="judge", pre_score=21, post_score=-1),
        )
    errors = messages(exc)
    assert "fuera de la escala de 0 a 20" in errors["pre_score"][0]
    assert "fuera de la escala" in errors["post_score"][0]


def test_it_refuses_a_participant_counted_twice_in_the_same_event(officer, event):
    services.participant_add(
        actor=officer, event=event, data=ParticipantInput(full_name="Rosa  Quispe", profession="judge")
    )
    with pytest.raises(ValidationError) as exc:
        services.participant_add(
            actor=officer,
            event=event,
            data=ParticipantInput(full_name="rosa quispe", profession="prosecutor"),
        )
    assert "ya está registrado" in messages(exc)["full_name"][0]
    assert event.participants.count() == 1


def test_the_same_document_is_the_same_person_whatever_the_spelling(officer, event):
    services.participant_add(
        actor=officer,
        event=event,
        data=ParticipantInput(full_name="Rosa Quispe", document_number="45678912", profession="judge"),
    )
    with pytest.raises(ValidationError):
        services.participant_add(
            actor=officer,
            event=event,
            data=ParticipantInput(
                full_name="Rosa E. Quispe M.", document_number="45 678 912", profession="judge"
            ),
        )


def test_another_agency_cannot_add_participants_to_an_event(other_officer, event):
    with pytest.raises(PermissionDenied):
        services.participant_add(
            actor=other_officer,
            event=event,
            data=ParticipantInput(full_name="Rosa Quispe", profession="judge"),
        )


def test_a_certificate_keeps_its_code_when_printed_again(officer, event):
    p = services.participant_add(
        actor=officer, event=event, data=ParticipantInput(full_name="Rosa Quispe", profession="judge")
    )
    first = services.certificate_issue(actor=officer, participant=p)
    again = services.certificate_issue(actor=officer, participant=p)
    assert first.certificate_code and first.certificate_code == again.certificate_code
    assert len(first.certificate_code) == len("CERT-") + 16
    assert first.certificate_name == "Rosa Quispe"


def test_no_certificate_for_someone_who_did_not_attend(officer, event):
    p = services.participant_add(
        actor=officer,
        event=event,
        data=ParticipantInput(full_name="Rosa Quispe", profession="judge", attended=False),
    )
    with pytest.raises(ValidationError):
        services.certificate_issue(actor=officer, participant=p)
    p.refresh_from_db()
    assert p.certificate_code is None


# --- campaigns --------------------------------------------------------------------------------------------


def _campaign(officer, **extra):
    kwargs = {
        "name": "No te dejes engañar",
        "slogan": "Infórmate antes de viajar",
        "starts_on": D(2026, 3, 1),
        "ends_on": D(2026, 3, 31),
        "channels": ["radio"],
        "places": [services.PlaceInput("bus_terminal", "Terminal terrestre de Cusco", "080101")],
        "reach": [
            ReachInput("radio", 200000, "audience", "CPI, radios de Cusco", "08"),
            ReachInput("talks", 1500, "counted", "Listas de asistencia", "08"),
        ],
    }
    kwargs.update(extra)
    return services.campaign_create(actor=officer, **kwargs)


def test_a_campaign_is_recorded_with_places_and_reach_by_channel(officer):
    campaign = _campaign(officer)
    assert campaign.channels == ["radio", "talks"]
    assert campaign.places.count() == 1
    assert {(r.channel, r.method, r.people) for r in campaign.reach.all()} == {
        ("radio", "audience", 200000),
        ("talks", "counted", 1500),
    }


def test_it_refuses_reach_without_a_method(officer):
    with pytest.raises(ValidationError) as exc:
        _campaign(officer, reach=[ReachInput("radio", 200000, "", "CPI")])
    assert "método de estimación" in messages(exc)["reach-0-method"][0]
    assert not Campaign.objects.exists()
    assert not CampaignReach.objects.exists()


def test_it_refuses_reach_without_a_source(officer):
    with pytest.raises(ValidationError) as exc:
        _campaign(officer, reach=[ReachInput("radio", 200000, "audience", " ")])
    assert "reach-0-source" in messages(exc)


def test_it_refuses_a_campaign_that_ends_before_it_starts(officer):
    with pytest.raises(ValidationError) as exc:
        _campaign(officer, starts_on=D(2026, 3, 31), ends_on=D(2026, 3, 1))
    assert "ends_on" in messages(exc)


def test_reach_added_later_needs_a_method_too(officer):
    campaign = _campaign(officer)
    with pytest.raises(ValidationError) as exc:
        services.reach_add(actor=officer, campaign=campaign, reach=ReachInput("tv", 5000, "", "IBOPE"))
    assert "method" in messages(exc)
    item = services.reach_add(
        actor=officer, campaign=campaign, reach=ReachInput("tv", 5000, "audience", "IBOPE")
    )
    campaign.refresh_from_db()
    assert item.people == 5000 and "tv" in campaign.channels


# --- families ---------------------------------------------------------------------------------------------


def test_a_family_is_registered_with_its_children_and_pseudonyms(family):
    assert family.code.startswith("F-")
    codes = list(family.children.values_list("code", flat=True))
    assert len(codes) == 2 and all(c.startswith("N-") for c in codes)
    assert family.departamento_code == "08"


def test_it_refuses_a_family_without_risk_factors_or_children(officer):
    with pytest.raises(ValidationError) as exc:
        services.family_register(
            actor=officer,
            registered_on=D(2026, 1, 10),
            ubigeo="080101",
            head_name="Juana",
            risk_factors=[],
            children=[],
        )
    assert set(messages(exc)) >= {"risk_factors", "children"}
    assert not AtRiskFamily.objects.exists()


def test_a_bad_child_leaves_nothing_saved(officer):
    with pytest.raises(ValidationError) as exc:
        services.family_register(
            actor=officer,
            registered_on=D(2026, 1, 10),
            ubigeo="080101",
            head_name="Juana",
            risk_factors=["poverty"],
            children=[child(), child("Ana", "Quispe", 1990)],
        )
    assert "child-1-birth_year" in messages(exc)
    assert not AtRiskFamily.objects.exists() and not AtRiskChild.objects.exists()


def test_it_refuses_a_follow_up_dated_before_the_family_was_registered(officer, family):
    kid = family.children.first()
    with pytest.raises(ValidationError) as exc:
        services.follow_up_record(
            actor=officer, child=kid, milestone="6", done_on=D(2025, 5, 30), in_school=True
        )
    assert "anterior al registro de la familia" in messages(exc)["done_on"][0]
    assert not FamilyFollowUp.objects.exists()


def test_follow_ups_at_6_and_12_months_once_each(officer, family):
    kid = family.children.first()
    services.follow_up_record(actor=officer, child=kid, milestone="6", done_on=D(2025, 12, 1), in_school=True)
    services.follow_up_record(actor=officer, child=kid, milestone="12", done_on=D(2026, 6, 1), in_school=True)
    with pytest.raises(ValidationError) as exc:
        services.follow_up_record(
            actor=officer, child=kid, milestone="12", done_on=D(2026, 6, 2), in_school=False
        )
    assert "milestone" in messages(exc)
    assert kid.follow_ups.count() == 2


def test_an_alternative_cannot_start_before_the_family_was_registered(officer, family):
    kid = family.children.first()
    with pytest.raises(ValidationError) as exc:
        services.alternative_add(actor=officer, child=kid, kind="schooling", started_on=D(2025, 1, 1))
    assert "started_on" in messages(exc)
    alt = services.alternative_add(
        actor=officer, child=kid, kind="schooling", started_on=D(2025, 7, 1), provider="UGEL Quispicanchi"
    )
    assert alt.child == kid


def test_another_agency_cannot_write_on_a_family(other_officer, family):
    kid = family.children.first()
    with pytest.raises(PermissionDenied):
        services.follow_up_record(
            actor=other_officer, child=kid, milestone="6", done_on=D(2025, 12, 1), in_school=True
        )


def test_an_analyst_cannot_register_families(analyst):
    with pytest.raises(PermissionDenied):
        services.family_register(
            actor=analyst,
            registered_on=D(2026, 1, 10),
            ubigeo="080101",
            head_name="Juana",
            risk_factors=["poverty"],
            children=[child()],
        )
