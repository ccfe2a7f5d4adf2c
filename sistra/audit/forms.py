"""The auditor's search and export forms. Shape only, plus turning what was typed (a pseudonym, a case
number, a username) into the keys the selectors filter on. Nothing typed here is a victim's identity, so the
search travels in the query string and a result page can be bookmarked."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sistra.accounts.models import Agency
from sistra.core.forms import DayField, PlainLabelsMixin

from .models import AccessLog, ChangeEvent
from .selectors import AuditFilters, resolve_person, resolve_record, resolve_user


class AuditSearchForm(PlainLabelsMixin, forms.Form):
    ACCESSES = "accesos"
    CHANGES = "cambios"

    kind = forms.ChoiceField(label=_("Buscar en"), required=False, initial=ACCESSES, choices=[
        (ACCESSES, _("Registro de accesos")), (CHANGES, _("Historial de cambios"))])
    person = forms.CharField(
        label=_("Persona (código o identificador)"), required=False, max_length=40,
        help_text=_("El seudónimo, p. ej. P-7KX429QD, o el identificador de la persona."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    record = forms.CharField(
        label=_("Registro (número de carpeta o identificador)"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    user = forms.CharField(label=_("Usuario"), required=False, max_length=150,
                           help_text=_("Nombre de usuario o identificador."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    agency = forms.ModelChoiceField(label=_("Institución"), required=False, to_field_name="code",
                                    queryset=Agency.objects.all(), empty_label=_("Todas"))
    date_from = DayField(label=_("Desde"), required=False)
    date_to = DayField(label=_("Hasta"), required=False)
    purpose = forms.ChoiceField(label=_("Finalidad del acceso"), required=False,
                                choices=[("", _("Todas")), *AccessLog.Purpose.choices])
    event = forms.ChoiceField(label=_("Tipo de evento"), required=False, choices=[
        ("", _("Todos")),
        (_("Accesos"), AccessLog.Kind.choices),
        (_("Cambios"), ChangeEvent.Kind.choices),
    ])

    FILTER_FIELDS = ("kind", "person", "record", "user", "agency", "date_from", "date_to", "purpose", "event")

    def clean_person(self):
        text = self.cleaned_data["person"].strip()
        if not text:
            return None
        person_uuid = resolve_person(text)
        if person_uuid is None:
            raise forms.ValidationError(_("Ninguna persona tiene ese código o identificador."))
        return person_uuid

    def clean_record(self):
        text = self.cleaned_data["record"].strip()
        if not text:
            return None
        uuids = resolve_record(text)
        if not uuids:
            raise forms.ValidationError(_("No hay ningún caso con ese número; escriba el número de carpeta "
                                          "tal como figura en el caso o el identificador del registro."))
        return uuids

    def clean_user(self):
        text = self.cleaned_data["user"].strip()
        if not text:
            return None
        user = resolve_user(text)
        if user is None:
            raise forms.ValidationError(_("No existe un usuario con ese nombre de usuario o identificador."))
        return user

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("La fecha final no puede ser anterior a la inicial."))
        return data

    @property
    def searching_changes(self) -> bool:
        return (getattr(self, "cleaned_data", {}).get("kind") or self.data.get("kind")) == self.CHANGES

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        user, agency = data.get("user"), data.get("agency")
        return AuditFilters(
            person_uuid=data.get("person"),
            record_uuids=data.get("record"),
            actor_id=user.pk if user else None,
            agency_id=agency.pk if agency else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            purpose=data.get("purpose") or "",
            event=data.get("event") or "",
        )

    def describe(self) -> str:
        """The search as typed, for the export's log line (pseudonyms, numbers and usernames only)."""
        parts = []
        for name in self.FILTER_FIELDS:
            value = self.data.get(name, "")
            if value:
                parts.append(f"{name}={value}")
        return ", ".join(parts)


class AuditExportForm(AuditSearchForm):
    # the search form is on the same page with the same fields: ids of its own (one id per page)
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_export_%s")
        super().__init__(*args, **kwargs)

    export_purpose = forms.CharField(
        label=_("Finalidad de la exportación"), max_length=200, required=True,
        help_text=_("Obligatorio: quedará registrada junto con la exportación."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Indique para qué necesita exportar estos registros.")},
    )

    def clean_export_purpose(self):
        text = " ".join(self.cleaned_data["export_purpose"].split())
        if len(text) < 5:
            raise forms.ValidationError(_("Describa la finalidad en unas palabras (al menos 5 caracteres)."))
        return text
