"""Who sees what: the person-visibility provider grants identity only for the agency's own cases and for
accepted referrals that carry it."""

import datetime

from django.utils import timezone

from sistra.assistance import access, services
from sistra.assistance.models import Referral
from sistra.people.access import can_see_identity, visible_persons

from .conftest import consent_to_share, service

DUE = lambda: timezone.localdate() + datetime.timedelta(days=3)  # noqa: E731


def test_the_provider_covers_the_agencys_own_cases(transferred_case, mimp_worker, ngo_worker):
    from sistra.people.models import Person

    assert Person.objects.filter(access.persons_in_assistance(mimp_worker), pk=transferred_case.person_id).exists()
    assert not Person.objects.filter(access.persons_in_assistance(ngo_worker),
                                     pk=transferred_case.person_id).exists()


def test_an_accepted_referral_without_consent_is_not_covered_by_the_provider(clinic_case, health_worker, ngo,
                                                                            ngo_worker):
    from sistra.people.models import Person

    referral = services.referral_send(actor=health_worker, case=clinic_case, to_agency=ngo,
                                      services=[service("health")], due_on=DUE())
    services.referral_accept(actor=ngo_worker, referral=referral)
    assert not Person.objects.filter(access.persons_in_assistance(ngo_worker), pk=clinic_case.person_id).exists()
    assert visible_persons(ngo_worker).filter(pk=clinic_case.person_id).exists()  # pseudonymous share
    assert not can_see_identity(ngo_worker, clinic_case.person)


def test_an_accepted_referral_with_consent_is_covered_until_it_ends(clinic_case, health_worker, ngo, ngo_worker,
                                                                     days_ago):
    from sistra.people.models import Person

    consent_to_share(health_worker, clinic_case, ngo, days_ago(1))
    referral = services.referral_send(actor=health_worker, case=clinic_case, to_agency=ngo,
                                      services=[service("health")], due_on=DUE())
    services.referral_accept(actor=ngo_worker, referral=referral)
    assert Person.objects.filter(access.persons_in_assistance(ngo_worker), pk=clinic_case.person_id).exists()
    services.referral_complete(actor=ngo_worker, referral=referral)
    assert not Person.objects.filter(access.persons_in_assistance(ngo_worker), pk=clinic_case.person_id).exists()
    assert not visible_persons(ngo_worker).filter(pk=clinic_case.person_id).exists()


def test_referrals_are_seen_by_the_sender_and_the_receiver_only(clinic_case, health_worker, mimp, mimp_worker,
                                                                ngo_worker, prosecutor):
    referral = services.referral_send(actor=health_worker, case=clinic_case, to_agency=mimp,
                                      services=[service("shelter")], due_on=DUE())
    assert access.visible_referrals(health_worker).get() == referral
    assert access.visible_referrals(mimp_worker).get() == referral
    assert not access.visible_referrals(ngo_worker).exists()
    assert not access.visible_referrals(prosecutor).exists()


def test_only_the_receiver_responds_and_only_the_sender_revokes(clinic_case, health_worker, mimp, mimp_worker):
    referral = services.referral_send(actor=health_worker, case=clinic_case, to_agency=mimp,
                                      services=[service("shelter")], due_on=DUE())
    assert access.can_respond(mimp_worker, referral) and not access.can_respond(health_worker, referral)
    assert access.can_revoke(health_worker, referral) and not access.can_revoke(mimp_worker, referral)
    services.referral_accept(actor=mimp_worker, referral=referral)
    referral = Referral.objects.get(pk=referral.pk)
    assert access.can_complete(mimp_worker, referral)
    assert access.can_work_on_referral(mimp_worker, referral)
    assert not access.can_work_on_referral(health_worker, referral)


def test_family_contacts_reach_the_receiver_only_for_family_services_with_identity(transferred_case, mimp_worker,
                                                                                   iom, iom_worker, days_ago):
    from sistra.core.testing import ubigeo

    plain = services.referral_send(actor=mimp_worker, case=transferred_case, to_agency=iom,
                                   services=[service("return_domestic")], destination_ubigeo=ubigeo("080000"),
                                   due_on=DUE())
    services.referral_accept(actor=iom_worker, referral=plain)
    assert not access.referral_shows_family(iom_worker, Referral.objects.get(pk=plain.pk))  # no identity consent
    services.referral_complete(actor=iom_worker, referral=plain)
    consent_to_share(mimp_worker, transferred_case, iom, days_ago(1))
    with_identity = services.referral_send(actor=mimp_worker, case=transferred_case, to_agency=iom,
                                           services=[service("return_domestic")],
                                           destination_ubigeo=ubigeo("080000"), due_on=DUE())
    assert not access.referral_shows_family(iom_worker, with_identity)  # not accepted yet
    services.referral_accept(actor=iom_worker, referral=with_identity)
    assert access.referral_shows_family(iom_worker, Referral.objects.get(pk=with_identity.pk))


def test_the_lead_agency_sees_and_may_revoke_referrals_sent_before_the_transfer(clinic_case, health_worker, mimp,
                                                                               mimp_worker, ngo, ngo_worker,
                                                                               days_ago):
    to_ngo = services.referral_send(actor=health_worker, case=clinic_case, to_agency=ngo,
                                    services=[service("health")], due_on=DUE())
    consent_to_share(health_worker, clinic_case, mimp, days_ago(1))
    transfer = services.referral_send(actor=health_worker, case=clinic_case, to_agency=mimp, kind="transfer",
                                      services=[service("shelter")], due_on=DUE())
    assert not access.visible_referrals(mimp_worker).filter(pk=to_ngo.pk).exists()
    services.referral_accept(actor=mimp_worker, referral=transfer)
    to_ngo = access.access_referral(mimp_worker, to_ngo.uuid)
    assert access.can_revoke(mimp_worker, to_ngo)
    assert access.referral_shows_identity(mimp_worker, access.access_referral(mimp_worker, transfer.uuid))
    services.referral_revoke(actor=mimp_worker, referral=to_ngo, reason="El caso lo lleva ahora MIMP")
    assert Referral.objects.get(pk=to_ngo.pk).status == Referral.Status.REVOKED
    assert not visible_persons(ngo_worker).filter(pk=clinic_case.person_id).exists()
