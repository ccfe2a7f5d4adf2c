import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from sistra.assistance import services
from sistra.assistance.models import Referral, ReferralAlert

from .conftest import service


def test_the_daily_command_raises_the_overdue_alerts(clinic_case, health_worker, mimp, mimp_worker):
    referral = services.referral_send(actor=health_worker, case=clinic_case, to_agency=mimp,
                                      services=[service("shelter")], due_on=timezone.localdate())
    Referral.objects.filter(pk=referral.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    out = io.StringIO()
    call_command("referrals_check_overdue", stdout=out)
    assert "encolada" in out.getvalue()
    assert ReferralAlert.objects.filter(referral=referral).count() == 2


def test_a_referral_done_in_time_raises_no_alert(clinic_case, health_worker, ngo, ngo_worker):
    referral = services.referral_send(actor=health_worker, case=clinic_case, to_agency=ngo,
                                      services=[service("health")], due_on=timezone.localdate())
    services.referral_decline(actor=ngo_worker, referral=referral, reason="Sin cupo")
    Referral.objects.filter(pk=referral.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    call_command("referrals_check_overdue", stdout=io.StringIO())
    assert not ReferralAlert.objects.exists()
