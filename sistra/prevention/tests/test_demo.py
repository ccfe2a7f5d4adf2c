import datetime

from sistra.core.demo import load_demo_data
from sistra.prevention.models import AtRiskFamily, Campaign, FamilyFollowUp, Participant, TrainingEvent


def test_the_demo_has_a_year_of_prevention_work_and_loads_once(db):
    load_demo_data(cases=0)
    events = TrainingEvent.objects.all()
    assert events.count() == 12
    assert set(events.values_list("departamento_code", flat=True)) == {"08", "17"}
    assert Participant.objects.count() > 300
    assert Participant.objects.exclude(certificate_code=None).exists()
    assert Campaign.objects.count() == 3
    assert AtRiskFamily.objects.count() == 36
    assert FamilyFollowUp.objects.filter(milestone="12").exists()
    assert all(e.starts_on <= datetime.date.today() for e in events)
    snapshot = (Participant.objects.count(), AtRiskFamily.objects.count(), Campaign.objects.count())
    load_demo_data(cases=0)
    assert (Participant.objects.count(), AtRiskFamily.objects.count(), Campaign.objects.count()) == snapshot
