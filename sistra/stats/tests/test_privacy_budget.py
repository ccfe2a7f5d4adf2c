"""The ε accountant: every noisy release spends from the budget of each year it reads; a release over the
budget is refused with a Spanish message; budgets and spends are in the audit log."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sistra.audit.models import ChangeEvent
from sistra.stats.models import OpenDataRelease, PrivacyBudget, PrivacySpend
from sistra.stats.services import open_data_release_request, privacy_budget_set


@pytest.fixture
def budget_of_four(settings):
    settings.STATS_DP_BUDGET_PER_YEAR = 4.0
    settings.STATS_RELEASE_MIN_RECORDS = 1  # the test registry is small; the rule has its own test


def request(analyst, year_from=2020, year_to=2022, epsilon_per_table=0.5):
    return open_data_release_request(
        actor=analyst, year_from=year_from, year_to=year_to, epsilon_per_table=epsilon_per_table
    )


def test_releases_are_refused_once_the_budget_of_a_year_is_spent(run, analyst, budget_of_four):
    # 4 noisy tables × ε 0.5 = ε 2 per release: two fit in ε 4, the third does not
    request(analyst)
    request(analyst)
    with pytest.raises(ValidationError) as exc:
        request(analyst)
    message = " ".join(exc.value.message_dict["epsilon_per_table"])
    assert (
        "El presupuesto de privacidad de 2020 no alcanza: quedan ε 0 de 4 y esta publicación gastaría ε 2."
        in (message)
    )
    assert OpenDataRelease.objects.count() == 2
    assert PrivacySpend.objects.count() == 2 * 3


def test_a_release_that_fits_exactly_is_accepted_and_one_over_by_a_little_is_not(
    run, analyst, budget_of_four
):
    request(analyst, year_from=2021, year_to=2021, epsilon_per_table=0.75)  # ε 3
    with pytest.raises(ValidationError):
        request(analyst, year_from=2021, year_to=2021, epsilon_per_table=0.26)  # ε 1.04 > 1 left
    request(analyst, year_from=2021, year_to=2021, epsilon_per_table=0.25)  # ε 1: exactly what is left
    assert sum(PrivacySpend.objects.filter(budget__year=2021).values_list("epsilon", flat=True)) == (
        pytest.approx(4.0)
    )


def test_another_years_budget_is_untouched(run, analyst, budget_of_four):
    request(analyst, year_from=2020, year_to=2020, epsilon_per_table=1)  # spends all of 2020
    request(analyst, year_from=2021, year_to=2021, epsilon_per_table=1)
    with pytest.raises(ValidationError) as exc:
        request(analyst, year_from=2020, year_to=2021, epsilon_per_table=0.1)
    assert "2020" in str(exc.value) and "2021" in str(exc.value)


def test_a_refused_release_spends_nothing(run, analyst, budget_of_four):
    request(analyst, year_from=2020, year_to=2020, epsilon_per_table=1)
    with pytest.raises(ValidationError):
        request(analyst, year_from=2019, year_to=2020, epsilon_per_table=0.25)
    assert not PrivacySpend.objects.filter(budget__year=2019).exists()


def test_budgets_and_spends_are_in_the_audit_log(run, analyst, budget_of_four):
    release = request(analyst, year_from=2021, year_to=2022)
    events = ChangeEvent.objects.filter(model="stats.privacybudget")
    assert events.filter(action="create", after__epsilon=4.0).count() == 2  # the two budgets opened
    spends = events.filter(root_uuid=release.uuid)
    assert sorted(e.after["year"] for e in spends) == [2021, 2022]
    assert all(e.after["epsilon"] == 2.0 and e.actor == analyst for e in spends)


def test_a_budget_can_be_raised_but_never_below_what_was_spent(run, analyst, budget_of_four):
    request(analyst, year_from=2021, year_to=2021, epsilon_per_table=0.75)
    with pytest.raises(ValidationError) as exc:
        privacy_budget_set(actor=analyst, year=2021, epsilon=2)
    assert "Ya se gastó ε 3 de 2021" in str(exc.value)
    budget = privacy_budget_set(actor=analyst, year=2021, epsilon=6)
    assert PrivacyBudget.objects.get(year=2021).epsilon == 6 == budget.epsilon
    assert ChangeEvent.objects.filter(model="stats.privacybudget", action="update", after__epsilon=6).exists()


def test_a_role_without_the_capability_cannot_set_a_budget(run, supervisor):
    with pytest.raises(ValidationError):
        privacy_budget_set(actor=supervisor, year=2021, epsilon=6)
    assert not PrivacyBudget.objects.exists()


def test_a_scope_with_too_few_records_is_refused(run, analyst, settings):
    settings.STATS_RELEASE_MIN_RECORDS = 10_000
    with pytest.raises(ValidationError) as exc:
        request(analyst)
    assert "muy pocos registros" in str(exc.value)
    assert not OpenDataRelease.objects.exists() and not PrivacySpend.objects.exists()


def test_the_release_page_shows_the_budget_left(client, run, analyst, budget_of_four):
    release = request(analyst, year_from=2021, year_to=2021)
    client.force_login(analyst)
    html = client.get(reverse("stats:open_data_detail", args=[release.uuid])).content.decode()
    assert "Presupuesto de privacidad" in html
    assert '<th scope="row">2021</th><td>4.00</td><td>2.00</td><td>2.00</td>' in html
