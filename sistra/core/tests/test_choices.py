"""Drop-down lists of reference data are read once per process and minute, never kept for other tables, and
a change of a reference row shows at once in the process that made it (sistra.core.choices, ADR 0223)."""

import pytest
from django import forms
from django.utils import translation

from sistra.accounts.models import User
from sistra.cases.forms import CaseFilterForm
from sistra.core import choices
from sistra.core.models import Term

pytestmark = pytest.mark.django_db


def _render_filters() -> str:
    form = CaseFilterForm({})
    form.filters()
    return str(form)


def test_a_list_page_filter_form_asks_nothing_the_second_time(django_assert_num_queries):
    with django_assert_num_queries(4) as first:  # distritos, stages, forms of exploitation, departamentos
        html = _render_filters()
    assert all("core_" in q["sql"] for q in first.captured_queries)
    with django_assert_num_queries(0):
        assert _render_filters() == html


def test_a_saved_term_shows_at_once_and_a_deleted_one_goes():
    assert "Explotación en minería ilegal de prueba" not in _render_filters()
    term = Term.objects.create(vocabulary=Term.Vocabulary.EXPLOITATION, code="prueba_mineria",
                               name_es="Explotación en minería ilegal de prueba", name_en="Test mining")
    assert "Explotación en minería ilegal de prueba" in _render_filters()
    term.delete()
    assert "Explotación en minería ilegal de prueba" not in _render_filters()


def test_a_change_without_signals_shows_after_the_ttl(monkeypatch):
    _render_filters()
    Term.objects.bulk_create([Term(vocabulary=Term.Vocabulary.EXPLOITATION, code="prueba_bulk",
                                   name_es="Forma cargada en bloque", name_en="Bulk")])
    assert "Forma cargada en bloque" not in _render_filters()  # kept: bulk_create sends no signal
    now = choices.time.monotonic()
    monkeypatch.setattr(choices.time, "monotonic", lambda: now + choices.TTL + 1)
    assert "Forma cargada en bloque" in _render_filters()


def test_labels_follow_the_language_of_each_request():
    with translation.override("en"):
        english = _render_filters()
    with translation.override("es-pe"):
        spanish = _render_filters()
    sexual = Term.objects.get(vocabulary=Term.Vocabulary.EXPLOITATION, code="explotacion_sexual")
    assert sexual.name_en and sexual.name_en != sexual.name_es
    assert f">{sexual.name_en}<" in english and f">{sexual.name_en}<" not in spanish
    assert f">{sexual.name_es}<" in spanish


def test_lists_narrowed_differently_are_kept_apart():
    class Pick(forms.Form):
        term = forms.ModelChoiceField(queryset=Term.objects.none())

    def options(vocabulary):
        form = Pick()
        form.fields["term"].queryset = Term.objects.filter(vocabulary=vocabulary)
        return {str(value) for value, _label in form.fields["term"].choices if value}

    control = options(Term.Vocabulary.CONTROL)
    languages = options(Term.Vocabulary.LANGUAGE)
    assert control and languages and not control & languages
    assert control == {str(pk) for pk in Term.objects.filter(vocabulary="control").values_list("pk", flat=True)}


def test_other_tables_are_read_on_every_render(django_assert_num_queries, django_user_model):
    django_user_model.objects.create_user(username="una.usuaria", password="x" * 20)

    class PickUser(forms.Form):
        user = forms.ModelChoiceField(queryset=User.objects.order_by("username"))

    list(PickUser().fields["user"].choices)
    with django_assert_num_queries(1):
        assert any(label == "una.usuaria" for _v, label in PickUser().fields["user"].choices)
    User.objects.create_user(username="otra.usuaria", password="y" * 20)
    assert any(label == "otra.usuaria" for _v, label in PickUser().fields["user"].choices)


def test_a_submitted_choice_is_still_checked_against_the_database():
    _render_filters()
    Term.objects.filter(vocabulary=Term.Vocabulary.EXPLOITATION, code="explotacion_sexual").update(is_active=False)
    form = CaseFilterForm({"exploitation": "explotacion_sexual"})
    assert form.filters().exploitation is None  # ignored as a stale link, though the kept list still shows it


def test_only_reference_tables_may_be_kept_by_name():
    with pytest.raises(ValueError):
        choices.named_rows("usuarios", lambda: User.objects.all())
