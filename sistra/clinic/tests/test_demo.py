"""The demo has the clinic team (one user per profession), the Madre de Dios itinerary and past visits, and
loading it twice creates nothing more."""

from sistra.clinic.demo import MEMBERS, load_clinic_demo
from sistra.clinic.models import ClinicMember, Consultation, Itinerary, Profession, Screening, Visit
from sistra.core.demo import load_demo_data


def test_the_demo_loads_the_clinic_once(db):
    load_demo_data(cases=0)
    assert set(ClinicMember.objects.values_list("profession", flat=True)) == set(Profession.values)
    assert {m.user.username for m in ClinicMember.objects.select_related("user")} == {m[0] for m in MEMBERS}
    names = set(Visit.objects.values_list("community__name", flat=True))
    assert {"Huepetuhe", "Delta 1", "Mazuko", "La Pampa", "Laberinto"} <= names
    assert Itinerary.objects.count() == 2
    assert Visit.objects.filter(patients_seen__gt=0).count() == 5
    consultations = Consultation.objects.count()
    assert consultations >= 30
    assert Screening.objects.filter(referral__isnull=False).count() == 1
    assert load_clinic_demo() == 0
    assert Consultation.objects.count() == consultations
