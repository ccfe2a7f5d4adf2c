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


class EveryWidget(forms.Form):
    text = forms.CharField(label="Nombre <b>", help_text="Como en su <em>DNI</em>", max_length=20)
    number = forms.IntegerField(label="Edad?", required=False, initial=7)
    day = forms.DateField(label="Fecha", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    mail = forms.EmailField(required=False, disabled=True)
    hidden = forms.CharField(widget=forms.HiddenInput, initial='a"b')
    checked = forms.BooleanField(required=False, initial=True)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, initial="línea <1>\nlínea 2")
    radio = forms.ChoiceField(choices=[("a", "Uno"), ("b", "Dos")], widget=forms.RadioSelect, help_text="Elija")
    boxes = forms.MultipleChoiceField(choices=[("x", "X")], widget=forms.CheckboxSelectMultiple, required=False)
    unlabelled = forms.CharField(label="", required=False, widget=forms.TextInput(attrs={"id": "propio"}))
    safe_value = forms.CharField(required=False, initial=mark_safe("<b>ya seguro</b>"))


class NoIds(EveryWidget):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id=False, **kwargs)


def _both(form_class, *args, **kwargs):
    return form_class(*args, renderer=FormRenderer(), **kwargs), form_class(*args, renderer=DjangoTemplates(), **kwargs)


@pytest.mark.parametrize("form_class", [EveryWidget, NoIds])
@pytest.mark.parametrize("data", [None, {}, {"text": "x" * 30, "number": "doce", "notes": "<script>", "radio": "b"}])
def test_fields_labels_and_inputs_are_byte_identical_to_djangos(form_class, data):
    ours, theirs = _both(form_class, data)
    assert str(ours) == str(theirs)
    for name in form_class.base_fields:
        assert ours[name].as_field_group() == theirs[name].as_field_group(), name
        assert ours[name].label_tag() == theirs[name].label_tag(), name
        assert str(ours[name].errors) == str(theirs[name].errors), name


def _project_forms():
    import importlib
    import inspect
    import pkgutil

    import sistra

    found = []
    for module_info in pkgutil.walk_packages(sistra.__path__, "sistra."):
        if not module_info.name.endswith(".forms"):
            continue
        module = importlib.import_module(module_info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__ and cls.base_fields:
                found.append(cls)
    return found


@pytest.mark.django_db
def test_the_projects_forms_render_byte_identical_to_djangos():
    compared = 0
    for form_class in _project_forms():
        for data in (None, {}):
            try:
                ours, theirs = _both(form_class, data)
                expected = str(theirs)
            except (TypeError, KeyError, AttributeError, ValueError):
                continue  # a form that needs a user, a case or a request to be built
            assert str(ours) == expected, form_class.__qualname__
            compared += 1
    assert compared >= 30
