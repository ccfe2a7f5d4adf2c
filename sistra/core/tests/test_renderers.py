"""The form renderer writes drop-down lists exactly as Django's templates do."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from sistra.core.models import Country
from sistra.core.renderers import FormRenderer


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a", "Uno <b>"), ("b&c", 'Dos "comillas"')], initial="b&c")
    grouped = forms.ChoiceField(
        choices=[("Perú", [("pe-1", "Lima"), ("pe-2", "Cusco")]), ("x", "Otro"), ("Sin", [])],
        required=False,
    )
    many = forms.MultipleChoiceField(
        choices=[(1, "uno"), (2, "dos"), (3, mark_safe("<i>tres</i>"))], initial=[1, 3]
    )
    disabled = forms.ChoiceField(
        choices=[("a", "a")], disabled=True, widget=forms.Select(attrs={"data-x": "y"})
    )
    country = forms.ModelChoiceField(queryset=Country.objects.all(), to_field_name="code", required=False)


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"plain": "a", "grouped": "pe-2", "many": ["2"], "country": "BO"}])
def test_select_is_byte_identical_to_djangos(data):
    ours = Sample(data, renderer=FormRenderer())
    theirs = Sample(data, renderer=DjangoTemplates())
    for name in Sample.base_fields:
        assert str(ours[name]) == str(theirs[name]), name
    assert "selected" in str(ours["country"]) or data is None


def test_it_is_the_projects_renderer(settings):
    from django.forms.renderers import get_default_renderer

    get_default_renderer.cache_clear()
    try:
        assert isinstance(get_default_renderer(), FormRenderer)
    finally:
        get_default_renderer.cache_clear()
