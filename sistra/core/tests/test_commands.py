from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency, User
from sistra.cases.access import visible_cases
from sistra.cases.models import Case
from sistra.core.demo import AGENCIES, DEMO_CASES, DEMO_PASSWORD, demo_users
from sistra.people.models import Person


def demo() -> str:
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_without_serving_prints_a_login_for_every_role():
    output = demo()

    assert {u.role for u in demo_users()} == set(Role.values)
    for spec in demo_users():
        user = User.objects.get(username=spec.username)
        assert user.role == spec.role
        line = next(line for line in output.splitlines() if line.startswith(user.username + " "))
        assert str(Role(spec.role).label) in line
        assert user.agency.name.split(" — ")[0] in line
        assert DEMO_PASSWORD in line
        assert user.check_password(DEMO_PASSWORD)
    assert "http://127.0.0.1:8000/" in output


@pytest.mark.django_db
def test_demo_is_idempotent():
    demo()
    counts = (Agency.objects.count(), User.objects.count(), Case.objects.count(), Person.objects.count())

    output = demo()

    assert (
        Agency.objects.count(),
        User.objects.count(),
        Case.objects.count(),
        Person.objects.count(),
    ) == counts
    assert counts[0] == len(AGENCIES) and counts[1] == len(demo_users()) and counts[2] == DEMO_CASES
    assert "0 instituciones, 0 usuarios, 0 casos" in output


@pytest.mark.django_db
def test_demo_prosecutors_see_their_own_fiscalia_cases_only():
    demo()
    cusco = User.objects.get(username="fiscal.cusco")
    lima = User.objects.get(username="fiscal.lima")
    police = User.objects.get(username="policia")

    cusco_cases = set(visible_cases(cusco).values_list("pk", flat=True))
    lima_cases = set(visible_cases(lima).values_list("pk", flat=True))
    assert cusco_cases and lima_cases
    assert not cusco_cases & lima_cases
    assert visible_cases(police).exists()  # some Cusco cases are shared with the police on purpose
    assert set(visible_cases(police).values_list("pk", flat=True)) <= cusco_cases


@pytest.mark.django_db
def test_demo_port_comes_from_the_option(monkeypatch):
    out = StringIO()
    call_command("demo", no_serve=True, port=8765, stdout=out)

    assert "http://127.0.0.1:8765/" in out.getvalue()


def test_seed_creates_exactly_the_requested_cases(fiscalia):
    fiscalia.distrito_fiscal_id = "cusco"
    fiscalia.save()
    out = StringIO()

    call_command("seed", cases=25, seed=3, fiscalias="fiscalia-cusco", stdout=out)

    assert Case.objects.filter(fiscalia=fiscalia).count() == 25
    assert "casos/s" in out.getvalue()


def test_seed_refuses_unknown_fiscalias(fiscalia):
    with pytest.raises(CommandError, match="No existen fiscalías con los códigos: nada"):
        call_command("seed", cases=5, fiscalias="fiscalia-cusco,nada", stdout=StringIO())
    assert not Case.objects.exists()


def test_seed_help_says_it_writes_one_summary_line_of_history():
    from sistra.demo.management.commands.seed import Command

    assert "UNA sola línea de resumen" in str(Command.help)


@pytest.mark.django_db
def test_demo_gives_the_roles_that_see_identities_a_known_totp_authenticator():
    from sistra.accounts.mfa import current_totp_code, mfa_required

    output = demo()

    for username in ("fiscal.cusco", "policia", "analista"):
        user = User.objects.get(username=username)
        assert (current_totp_code(user) is not None) == mfa_required(user)
    assert current_totp_code(User.objects.get(username="fiscal.cusco")) is not None
    assert "sistra totp" in output
