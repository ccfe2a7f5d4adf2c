"""Forms of the criminal-case pages. Shape only: every rule across records (stage transitions, the article in
force on the date of the offence, a sentence only with a conviction…) is checked by sistra.cases.services and
its message attached to the field it names (ServiceErrorsMixin)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency, User
from sistra.core.choices import departments_by_name, named_rows
from sistra.core.forms import DayField, PlainLabelsMixin, ServiceErrorsMixin, search_text_field
from sistra.core.models import (
    Country,
    DistritoFiscal,
    PenalArticle,
    ProceduralStage,
    Term,
    Ubigeo,
    article_order,
    localized,
)
from sistra.core.validation import fmt
from sistra.people.access import visible_persons
from sistra.people.forms import PickerMixin

from .attachments import EXTENSIONS
from .models import Case, CaseDefendant, CaseEvent, CaseParty, CasePlace, CaseShare, CaseVictim
from .selectors import CaseFilters, DeadlineFilter

FIRST_YEAR = 2000


def _year_choices():
    this_year = timezone.localdate().year
    return [("", _("Todos"))] + [(str(y), str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]


def _department_choices():
    departments = named_rows("departamentos", departments_by_name)
    return [("", _("Todas"))] + [(u.departamento_code, u.name) for u in departments]


def _terms(vocabulary):
    return Term.objects.filter(vocabulary=vocabulary, is_active=True)


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return localized(obj)


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return localized(obj)


class CaseFilterForm(PlainLabelsMixin, forms.Form):
    q = forms.CharField(label=_("Número de carpeta o nombre de una persona"), required=False, max_length=120,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    year = forms.TypedChoiceField(label=_("Año de la denuncia"), required=False, choices=_year_choices,
                                  coerce=int, empty_value=None)
    distrito_fiscal = forms.ModelChoiceField(label=_("Distrito fiscal"), required=False, to_field_name="code",
                                             queryset=DistritoFiscal.objects.all(), empty_label=_("Todos"))
    region = forms.ChoiceField(label=_("Región de explotación"), required=False, choices=_department_choices)
    stage = forms.ModelChoiceField(label=_("Etapa procesal"), required=False, to_field_name="code",
                                   queryset=ProceduralStage.objects.all(), empty_label=_("Todas"))
    status = forms.ChoiceField(label=_("Estado"), required=False, choices=[("", _("Todos")), *Case.Status.choices])
    exploitation = TermChoiceField(label=_("Forma de explotación"), required=False, to_field_name="code",
                                   queryset=_terms(Term.Vocabulary.EXPLOITATION), empty_label=_("Todas"))
    minor_victim = forms.ChoiceField(label=_("Víctima menor de edad"), required=False, choices=[
        ("", _("Indistinto")), ("1", _("Con víctima menor de edad")), ("0", _("Sin víctima menor de edad"))])
    deadline = forms.ChoiceField(label=_("Plazo"), required=False,
                                 choices=[("", _("Indistinto")), *DeadlineFilter.choices])

    FILTER_FIELDS = ("year", "distrito_fiscal", "region", "stage", "status", "exploitation", "minor_victim",
                     "deadline")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.FILTER_FIELDS:
            # a change of any filter refreshes the results (htmx); the search text waits for "Buscar"/Enter
            self.fields[name].widget.attrs["class"] = "auto-submit"

    def filters(self) -> CaseFilters:
        """The filters that are valid; an invalid value (a stale link) is ignored rather than failing the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        minor = data.get("minor_victim")
        return CaseFilters(
            year=data.get("year"),
            distrito_fiscal=data["distrito_fiscal"].code if data.get("distrito_fiscal") else None,
            region=data.get("region") or None,
            stage=data["stage"].code if data.get("stage") else None,
            status=data.get("status") or None,
            exploitation=data["exploitation"].code if data.get("exploitation") else None,
            minor_victim={"1": True, "0": False}.get(minor),
            q=(data.get("q") or "").strip(),
            deadline=data.get("deadline") or None,
        )

    def filter_query(self) -> dict:
        """The filters (never the search text, which may be a name) as query parameters."""
        data = getattr(self, "cleaned_data", {})
        result = {}
        for name in self.FILTER_FIELDS:
            value = data.get(name)
            if value in (None, ""):
                continue
            result[name] = getattr(value, "code", value)
        return result


class CaseForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Denominación"), required=False, max_length=200,
                            help_text=_("Un nombre de referencia del caso, sin nombres de víctimas."))
    distrito_fiscal = forms.ModelChoiceField(label=_("Distrito fiscal"), to_field_name="code",
                                             queryset=DistritoFiscal.objects.all())
    source = forms.ChoiceField(label=_("Origen de la denuncia"), choices=[("", "—"), *Case.Source.choices])
    complaint_date = DayField(label=_("Fecha de la denuncia"))
    opened_date = DayField(label=_("Fecha de apertura de la carpeta"), required=False)
    facts_date_from = DayField(label=_("Fecha de los hechos (desde)"), required=False)
    facts_date_to = DayField(label=_("Fecha de los hechos (hasta)"), required=False)
    is_complex = forms.BooleanField(label=_("Declarado complejo"), required=False,
                                    help_text=_("Los plazos de los casos complejos son más largos."))
    is_organized_crime = forms.BooleanField(
        label=_("Criminalidad organizada"), required=False,
        help_text=_("Imputados integrantes de una organización criminal o vinculados a ella (Ley 30077): plazos "
                    "de 36 meses."))
    summary = forms.CharField(label=_("Resumen de los hechos"), required=False,
                              widget=forms.Textarea(attrs={"rows": 5}))

    EDIT_FIELDS = ("title", "distrito_fiscal", "source", "complaint_date", "opened_date", "facts_date_from",
                   "facts_date_to", "is_complex", "is_organized_crime", "summary")

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.EDIT_FIELDS}


class CaseCreateForm(CaseForm):
    number = forms.CharField(label=_("Número de carpeta fiscal"), max_length=40,
                             help_text=_("Por ejemplo 2026-00123."))
    fiscalia = forms.ModelChoiceField(label=_("Fiscalía"), to_field_name="code",
                                      queryset=Agency.objects.filter(kind=Agency.Kind.FISCALIA, is_active=True))

    field_order = ["number", "fiscalia", "distrito_fiscal", "source", "title"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        agency = getattr(actor, "agency", None)
        if agency is not None and agency.kind == Agency.Kind.FISCALIA:
            # a prosecutor registers only in their own fiscalía; another one gets the case by a transfer
            self.fields["fiscalia"].queryset = Agency.objects.filter(pk=agency.pk)
            self.fields["fiscalia"].help_text = _("Para otra fiscalía, registre el caso y derívelo por competencia.")
    sections = [
        (_("Identificación"), ["number", "fiscalia", "distrito_fiscal", "source", "title"]),
        (_("Fechas"), ["complaint_date", "opened_date", "facts_date_from", "facts_date_to"]),
        (_("Hechos"), ["is_complex", "is_organized_crime", "summary"]),
    ]

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        kwargs.update(number=self.cleaned_data["number"], fiscalia=self.cleaned_data["fiscalia"])
        return kwargs


class CaseEditForm(CaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    sections = [
        (_("Identificación"), ["distrito_fiscal", "source", "title"]),
        (_("Fechas"), ["complaint_date", "opened_date", "facts_date_from", "facts_date_to"]),
        (_("Hechos"), ["is_complex", "is_organized_crime", "summary"]),
    ]


class StageForm(ServiceErrorsMixin, forms.Form):
    stage = forms.ModelChoiceField(label=_("Nueva etapa"), to_field_name="code",
                                   queryset=ProceduralStage.objects.all())
    date = DayField(label=_("Fecha del cambio"))
    reason = forms.CharField(label=_("Motivo"), required=False, max_length=300,
                             help_text=_("Obligatorio en un cambio de etapa excepcional."))
    exception = forms.ChoiceField(
        label=_("Cambio excepcional"), required=False,
        choices=[("", _("No: un paso que el NCPP prevé")), *[c for c in CaseEvent.StageException.choices if c[0]]],
        help_text=_("Solo para registrar un caso que llega ya en una etapa posterior o deshacer el último cambio; "
                    "queda marcado en el historial."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            # the stages the NCPP allows from here first; the rest only through the exception path
            allowed = set(case.current_stage.next_stages.values_list("code", flat=True))
            choices = [(s.code, str(s)) for s in ProceduralStage.objects.all() if s.code in allowed]
            others = [(s.code, str(s)) for s in ProceduralStage.objects.all()
                      if s.code not in allowed and s.pk != case.current_stage_id]
            self.fields["stage"].widget.choices = [("", "—"), (_("Etapas siguientes"), choices),
                                                   (_("Solo como excepción"), others)]


class TransferForm(ServiceErrorsMixin, forms.Form):
    to_fiscalia = forms.ModelChoiceField(label=_("Fiscalía competente"), to_field_name="code",
                                         queryset=Agency.objects.filter(kind=Agency.Kind.FISCALIA, is_active=True))
    date = DayField(label=_("Fecha de la derivación"))
    reason = forms.CharField(label=_("Motivo"), max_length=300,
                             help_text=_("Por ejemplo: los hechos ocurrieron en otro distrito fiscal."))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["to_fiscalia"].queryset = Agency.objects.filter(
                kind=Agency.Kind.FISCALIA, is_active=True).exclude(pk=case.fiscalia_id)


class AssignProsecutorForm(ServiceErrorsMixin, forms.Form):
    prosecutor = forms.ModelChoiceField(label=_("Fiscal a cargo"), required=False, to_field_name="uuid",
                                        queryset=User.objects.none(), empty_label=_("— Sin asignar —"))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["prosecutor"].queryset = User.objects.filter(
                agency_id=case.fiscalia_id, role=Role.PROSECUTOR, is_active=True).order_by("last_name", "username")
        self.fields["prosecutor"].label_from_instance = lambda u: u.get_full_name() or u.username

class EventForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Tipo de evento"),
                             choices=[c for c in CaseEvent.Kind.choices if c[0] != CaseEvent.Kind.STAGE_CHANGE])
    date = DayField(label=_("Fecha"))
    title = forms.CharField(label=_("Título"), max_length=200)
    description = forms.CharField(label=_("Detalle"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ArticleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.valid_to:
            period = _("vigente del %(from)s al %(to)s") % {"from": fmt(obj.valid_from), "to": fmt(obj.valid_to)}
        else:
            period = _("vigente desde el %(from)s") % {"from": fmt(obj.valid_from)}
        return f"Art. {obj.article} ({obj.law}) — {localized(obj, 'title')} · {period}"


class ChargeForm(ServiceErrorsMixin, forms.Form):
    article = ArticleChoiceField(label=_("Artículo del Código Penal"), to_field_name="code",
                                 queryset=PenalArticle.objects.order_by("-is_trafficking", article_order(),
                                                                          "valid_from"))
    offence_date = DayField(label=_("Fecha del delito"))
    defendant = forms.ModelChoiceField(label=_("Imputado"), required=False, to_field_name="uuid",
                                       queryset=CaseDefendant.objects.none(), empty_label=_("— Sin asignar —"))
    notes = forms.CharField(label=_("Observaciones"), required=False, max_length=300)

    def __init__(self, *args, case=None, identity=False, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["defendant"].queryset = CaseDefendant.objects.filter(case=case).select_related("person")
        self.fields["defendant"].label_from_instance = (
            lambda d: d.person.full_name if identity else d.person.code)


def person_field(label):
    return forms.ModelChoiceField(
        label=label, to_field_name="uuid", queryset=visible_persons(None), widget=forms.RadioSelect,
        error_messages={
            "required": _("Elija una persona: búsquela por nombre o regístrela primero."),
            "invalid_choice": _("La persona elegida no existe o no está a su alcance."),
        },
    )


class PersonPickerForm(ServiceErrorsMixin, PickerMixin, forms.Form):
    person_pickers = ("person",)

    def __init__(self, *args, actor=None, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = visible_persons(actor)


class VictimForm(PersonPickerForm):
    person = person_field(_("Víctima"))
    person_q = search_text_field(_("Buscar persona por nombre, alias o código"))
    age_at_exploitation = forms.IntegerField(label=_("Edad durante la explotación"), required=False,
                                             min_value=0, max_value=120)
    nationality = forms.ModelChoiceField(label=_("Nacionalidad"), queryset=Country.objects.all(), required=False,
                                         to_field_name="code", empty_label=_("— La registrada de la persona —"))
    exploitation_forms = TermMultipleChoiceField(label=_("Formas de explotación"), required=False,
                                                 to_field_name="code", widget=forms.CheckboxSelectMultiple,
                                                 queryset=_terms(Term.Vocabulary.EXPLOITATION))
    control_methods = TermMultipleChoiceField(label=_("Medios de control"), required=False, to_field_name="code",
                                              widget=forms.CheckboxSelectMultiple,
                                              queryset=_terms(Term.Vocabulary.CONTROL))
    recruitment_method = TermChoiceField(label=_("Método de captación"), required=False, to_field_name="code",
                                         queryset=_terms(Term.Vocabulary.RECRUITMENT),
                                         empty_label=_("— Sin información —"))
    relation_to_trafficker = forms.ChoiceField(label=_("Relación con el tratante"),
                                               choices=CaseVictim.Relation.choices,
                                               initial=CaseVictim.Relation.UNKNOWN)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "person": data["person"], "age_at_exploitation": data["age_at_exploitation"],
            "nationality": data["nationality"], "exploitation_forms": list(data["exploitation_forms"]),
            "control_methods": list(data["control_methods"]), "recruitment_method": data["recruitment_method"],
            "relation_to_trafficker": data["relation_to_trafficker"],
        }


class DefendantForm(PersonPickerForm):
    person = person_field(_("Imputado"))
    person_q = search_text_field(_("Buscar persona por nombre, alias o código"))
    role = TermChoiceField(label=_("Rol en la red"), required=False, to_field_name="code",
                           queryset=_terms(Term.Vocabulary.PERPETRATOR_ROLE), empty_label=_("— Sin información —"))
    status = forms.ChoiceField(label=_("Situación procesal"), choices=CaseDefendant.Status.choices,
                               initial=CaseDefendant.Status.INVESTIGATED)


class PartyForm(PersonPickerForm):
    person = person_field(_("Persona"))
    person_q = search_text_field(_("Buscar persona por nombre, alias o código"))
    role = forms.ChoiceField(label=_("Rol en el caso"), choices=CaseParty.Role.choices)


class OutcomeForm(ServiceErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Resultado"), choices=CaseDefendant.Outcome.choices)
    outcome_date = DayField(label=_("Fecha del resultado"), required=False)
    sentence_years = forms.DecimalField(label=_("Pena (años)"), required=False, max_digits=5, decimal_places=2,
                                        min_value=0)
    reparation_amount = forms.DecimalField(label=_("Reparación civil (S/)"), required=False, max_digits=12,
                                           decimal_places=2, min_value=0)


class PlaceForm(ServiceErrorsMixin, PickerMixin, forms.Form):
    ubigeo_pickers = ("ubigeo",)

    kind = forms.ChoiceField(label=_("Tipo de lugar"), choices=[("", "—"), *CasePlace.Kind.choices])
    ubigeo = forms.ModelChoiceField(label=_("Lugar en el Perú"), required=False, to_field_name="code",
                                    widget=forms.RadioSelect, queryset=Ubigeo.objects.select_related("parent__parent"))
    ubigeo_q = search_text_field(_("Buscar departamento, provincia o distrito"))
    country = forms.ModelChoiceField(label=_("O bien, país extranjero"), required=False, to_field_name="code",
                                     queryset=Country.objects.exclude(code="PE"), empty_label=_("— Ninguno —"))
    description = forms.CharField(label=_("Descripción"), required=False, max_length=300,
                                  help_text=_("Por ejemplo: campamento minero, bar, terminal terrestre."))


class ShareForm(ServiceErrorsMixin, forms.Form):
    agency = forms.ModelChoiceField(label=_("Institución"), to_field_name="code",
                                    queryset=Agency.objects.filter(is_active=True))
    level = forms.ChoiceField(label=_("Nivel de acceso"), choices=CaseShare.Level.choices,
                              initial=CaseShare.Level.READ)
    reason = forms.CharField(label=_("Motivo"), max_length=300)
    expires_on = DayField(label=_("Vence el (opcional)"), required=False,
                          help_text=_("El acceso termina al final de ese día."))

    field_aliases = {"expires_at": "expires_on"}

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["agency"].queryset = Agency.objects.filter(is_active=True).exclude(pk=case.owner_agency_id)

    @property
    def expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if not day:
            return None
        end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
        return timezone.make_aware(end)


class AttachmentForm(ServiceErrorsMixin, forms.Form):
    file = forms.FileField(
        label=_("Archivo"),
        help_text=format_lazy("{} {}", _("PDF, imagen JPEG o PNG, documento Word (DOCX), Excel (XLSX) u "
                                                   "OpenDocument (ODT)."),
                              _("Las fotografías se guardan sin sus metadatos (ubicación GPS, cámara).")),
        widget=forms.FileInput(attrs={"accept": ",".join(f".{ext}" for ext in sorted({*EXTENSIONS.values(), "jpeg"}))}),
    )
    description = forms.CharField(label=_("Descripción"), max_length=300, required=False)
    is_identity_bearing = forms.BooleanField(
        label=_("Contiene datos que identifican a personas (nombres, documentos, rostros)"),
        required=False, initial=True,
        help_text=_("Solo quien puede ver la identidad de las partes podrá descargarlo."),
    )
