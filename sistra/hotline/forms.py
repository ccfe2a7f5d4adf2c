"""Forms of the hotline. They check shape only (and turn what an operator types into codes); every rule is
the services' job. Dates and times are typed day first, as Peru writes them, in plain text inputs: a
datetime-local input makes keyboard users tab through six parts."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sistra.accounts.models import Agency
from sistra.core.models import Country, DistritoFiscal, Term
from sistra.core.selectors import ubigeo_search
from sistra.core.text import normalize
from sistra.people.models import Person

from .models import DEFAULT_LINE, CallerFlag, Contact, ContactPerson
from .selectors import police_units, report_recipients
from .services import FollowUpInput, PoliceNotificationInput

DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                          "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
DATETIME_FORMAT = "%d/%m/%Y %H:%M:%S"
DAY_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class MomentField(forms.DateTimeField):
    widget = forms.TextInput(attrs={"placeholder": _("dd/mm/aaaa hh:mm"), "autocomplete": "off",
                                    "class": "input-moment"})
    input_formats = DATETIME_INPUT_FORMATS
    default_error_messages = {"invalid": _("Escriba la fecha y hora como dd/mm/aaaa hh:mm, por ejemplo "
                                           "22/11/2026 14:05.")}


class DayField(forms.DateField):
    widget = forms.TextInput(attrs={"placeholder": _("dd/mm/aaaa"), "autocomplete": "off", "class": "input-date"})
    input_formats = DAY_INPUT_FORMATS
    default_error_messages = {"invalid": _("Escriba la fecha como dd/mm/aaaa, por ejemplo 22/11/2026.")}


def moment_text(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime(DATETIME_FORMAT)


class ServiceErrorsMixin:
    """Attach a service's ValidationError to the fields it names; the rest go to the top of the form."""

    field_aliases: dict[str, str] = {}

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                name = self.field_aliases.get(name, name)
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


def _blank_choice(choices):
    return [("", "—"), *choices]


class ContactForm(ServiceErrorsMixin, forms.Form):
    """The operator's screen, in the order of a call. The clock starts when the form opens: `started_at` is
    filled in then and travels with the form."""

    field_aliases = {"ubigeo_code": "ubigeo", "country_code": "country", "language_code": "language",
                     "caller_number": "caller_phone", "note": "follow_up_note", "due_at": "follow_up_due_at"}

    channel = forms.ChoiceField(label=_("Canal"), choices=Contact.Channel.choices, initial=Contact.Channel.PHONE)
    caller_phone = forms.CharField(
        label=_("Número del llamante"), required=False, max_length=30,
        help_text=_("Para reconocer llamadas repetidas se guarda solo una huella (hash con clave) del número, "
                    "de la que no se puede recuperar; el número mismo solo se guarda con consentimiento."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    caller_type = forms.ChoiceField(label=_("Tipo de llamante"), choices=Contact.CallerType.choices,
                                    initial=Contact.CallerType.ANONYMOUS)
    category = forms.ChoiceField(label=_("Categoría"), choices=_blank_choice(Contact.Category.choices),
                                 required=False)
    non_substantive_reason = forms.ChoiceField(label=_("Motivo (no sustantivo)"), required=False,
                                               choices=_blank_choice(Contact.NonSubstantive.choices))
    topics = forms.MultipleChoiceField(label=_("Temas"), choices=Contact.Topic.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    summary = forms.CharField(label=_("Resumen"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    indicators = forms.MultipleChoiceField(label=_("Indicadores de trata"), choices=Contact.Indicator.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)
    risk_level = forms.ChoiceField(label=_("Nivel de riesgo"), choices=Contact.Risk.choices,
                                   initial=Contact.Risk.NONE)
    police_unit = forms.ModelChoiceField(label=_("Unidad policial avisada"), queryset=Agency.objects.none(),
                                         required=False, empty_label=_("— ninguna / otra —"))
    police_unit_name = forms.CharField(label=_("Otra unidad (comisaría…)"), required=False, max_length=200)
    police_officer = forms.CharField(label=_("Efectivo que recibió el aviso"), required=False, max_length=200)
    police_notified_at = MomentField(label=_("Hora del aviso"), required=False)
    police_reference = forms.CharField(label=_("Referencia del aviso"), required=False, max_length=100)
    information_given = forms.BooleanField(label=_("Se brindó información"), required=False)
    referred_to = forms.CharField(label=_("Derivado a"), required=False, max_length=200)
    heard_via = forms.ChoiceField(label=_("¿Cómo conoció la línea?"), required=False,
                                  choices=_blank_choice(Contact.HeardVia.choices))
    heard_campaign = forms.ModelChoiceField(label=_("¿Por qué campaña?"), required=False,
                                            queryset=Contact._meta.get_field("heard_campaign").related_model
                                            .objects.none(), empty_label=_("—"))
    ubigeo = forms.CharField(label=_("Lugar (ubigeo)"), required=False, max_length=120,
                             help_text=_("Código INEI de 6 dígitos o nombre del distrito."))
    country = forms.CharField(label=_("País (si es en el extranjero)"), required=False, max_length=60)
    language = forms.ModelChoiceField(label=_("Idioma"), required=False, to_field_name="code",
                                      queryset=Term.objects.none(), empty_label=_("—"))
    contact_consent = forms.BooleanField(label=_("Consiente que se guarden sus datos de contacto"),
                                         required=False)
    caller_name = forms.CharField(label=_("Nombre del llamante"), required=False, max_length=200)
    caller_email = forms.CharField(label=_("Correo del llamante"), required=False, max_length=254)
    follow_up_note = forms.CharField(label=_("Seguimiento: qué hay que hacer"), required=False, max_length=500)
    follow_up_due_at = MomentField(label=_("Seguimiento: para cuándo"), required=False)
    started_at = MomentField(label=_("Inicio"))
    ended_at = MomentField(label=_("Fin"), required=False,
                           help_text=_("En blanco: la hora en que guarda."))
    line = forms.CharField(label=_("Línea"), max_length=40, initial=DEFAULT_LINE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["police_unit"].queryset = police_units()
        self.fields["language"].queryset = Term.objects.filter(vocabulary=Term.Vocabulary.LANGUAGE, is_active=True)
        self.fields["heard_campaign"].queryset = (Contact._meta.get_field("heard_campaign").related_model.objects
                                                  .order_by("-starts_on", "name"))
        self.fields["channel"].widget.attrs["autofocus"] = True
        if not self.is_bound and "started_at" not in self.initial:
            self.initial["started_at"] = moment_text(timezone.now())

    def clock(self) -> dict:
        """What the call clock needs to count in the server's time whatever the browser's time zone: the
        server's clock (UTC, in milliseconds) and the offset of the time zone the start is written in."""
        now = timezone.now()
        return {"server_now_ms": int(now.timestamp() * 1000),
                "utc_offset_minutes": int(timezone.localtime(now).utcoffset().total_seconds() // 60)}

    def clean_ubigeo(self) -> str:
        text = self.cleaned_data["ubigeo"].strip()
        if not text or text.isdigit():
            return text
        matches = list(ubigeo_search(text, level="distrito")[:6]) or list(ubigeo_search(text)[:6])
        if len(matches) == 1:
            return matches[0].code
        if not matches:
            raise ValidationError(gettext("No se encontró el lugar «%(text)s»: escriba el código INEI de 6 "
                                          "dígitos.") % {"text": text})
        options = "; ".join(f"{u.code} {u.full_name}" for u in matches[:5])
        raise ValidationError(gettext("Hay varios lugares con ese nombre, escriba el código: %(options)s.")
                              % {"options": options})

    def clean_country(self) -> str:
        text = self.cleaned_data["country"].strip()
        if not text or len(text) == 2:
            return text.upper()
        key = normalize(text)
        for code, name_es, name_en in Country.objects.values_list("code", "name_es", "name_en"):
            if key in (normalize(name_es), normalize(name_en)):
                return code
        raise ValidationError(gettext("No se reconoce el país «%(text)s».") % {"text": text})

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        language = data.get("language")
        return {
            "channel": data["channel"], "line": data["line"], "started_at": data["started_at"],
            "ended_at": data.get("ended_at"), "caller_type": data["caller_type"],
            "contact_consent": data["contact_consent"], "caller_name": data["caller_name"],
            "caller_phone": data["caller_phone"], "caller_email": data["caller_email"],
            "language_code": language.code if language else "", "ubigeo_code": data["ubigeo"],
            "country_code": data["country"], "category": data["category"],
            "non_substantive_reason": data["non_substantive_reason"], "topics": data["topics"],
            "indicators": data["indicators"], "summary": data["summary"], "risk_level": data["risk_level"],
            "information_given": data["information_given"], "referred_to": data["referred_to"],
            "heard_via": data.get("heard_via", ""), "heard_campaign": data.get("heard_campaign"),
            "police_notification": PoliceNotificationInput(
                unit=data.get("police_unit"), unit_name=data["police_unit_name"], officer=data["police_officer"],
                notified_at=data.get("police_notified_at"), reference=data["police_reference"],
            ),
            "follow_up": FollowUpInput(note=data["follow_up_note"], due_at=data.get("follow_up_due_at")),
        }

    def sections(self) -> list[tuple[str, list]]:
        """Field groups in tab order, for the template."""
        groups = [
            (_("Llamada"), ["channel", "caller_phone", "caller_type", "category", "non_substantive_reason"]),
            (_("Contenido"), ["topics", "summary", "indicators", "risk_level"]),
            (_("Aviso a la policía"), ["police_unit", "police_unit_name", "police_officer", "police_notified_at",
                                       "police_reference"]),
            (_("Acciones y lugar"), ["information_given", "referred_to", "ubigeo", "country", "language",
                                     "heard_via", "heard_campaign"]),
            (_("Datos de contacto (solo con consentimiento)"), ["contact_consent", "caller_name", "caller_email"]),
            (_("Seguimiento"), ["follow_up_note", "follow_up_due_at"]),
            (_("Tiempo"), ["started_at", "ended_at", "line"]),
        ]
        return [(title, [self[name] for name in names]) for title, names in groups]


class PhoneLookupForm(forms.Form):
    caller_phone = forms.CharField(max_length=30, required=False)


class ReportForm(ServiceErrorsMixin, forms.Form):
    recipient = forms.ModelChoiceField(label=_("Destinatario (unidad de la PNP o fiscalía)"),
                                       queryset=Agency.objects.none(), empty_label=_("— elija —"))
    facts = forms.CharField(label=_("Hechos que se reportan"), widget=forms.Textarea(attrs={"rows": 8}))
    include_caller_contact = forms.BooleanField(label=_("Incluir los datos de contacto del llamante"),
                                                required=False)

    def __init__(self, *args, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = report_recipients()
        self.fields["recipient"].widget.attrs["autofocus"] = True
        if not contact.contact_consent:
            self.fields["include_caller_contact"].disabled = True
            self.fields["include_caller_contact"].help_text = _("El llamante no dio su consentimiento.")


class FollowUpForm(ServiceErrorsMixin, forms.Form):
    # its own ids: the flag form on the same page has a `note` too (one id per page)
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_follow_up_%s")
        super().__init__(*args, **kwargs)

    note = forms.CharField(label=_("Qué hay que hacer"), max_length=500)
    due_at = MomentField(label=_("Para cuándo"), required=False)


class FollowUpCloseForm(forms.Form):
    outcome = forms.CharField(label=_("Resultado"), max_length=500, required=False)


class FlagForm(ServiceErrorsMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_flag_%s")
        super().__init__(*args, **kwargs)

    kind = forms.ChoiceField(label=_("Marca"), choices=CallerFlag.Kind.choices)
    note = forms.CharField(label=_("Nota"), max_length=300, required=False)


class PersonSearchForm(forms.Form):
    text = forms.CharField(label=_("Nombre o documento"), max_length=120)


class LinkPersonForm(ServiceErrorsMixin, forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Rol en el contacto"), choices=ContactPerson.Role.choices)


class NewPersonForm(ServiceErrorsMixin, forms.Form):
    role = forms.ChoiceField(label=_("Rol en el contacto"), choices=ContactPerson.Role.choices)
    first_names = forms.CharField(label=_("Nombres"), max_length=120)
    last_name_paternal = forms.CharField(label=_("Apellido paterno"), max_length=80, required=False)
    last_name_maternal = forms.CharField(label=_("Apellido materno"), max_length=80, required=False)
    sex = forms.ChoiceField(label=_("Sexo / género"), choices=Person.Sex.choices, initial=Person.Sex.UNKNOWN)
    estimated_age = forms.IntegerField(label=_("Edad estimada"), required=False, min_value=0, max_value=120)
    confirm_new = forms.BooleanField(label=_("Confirmo que es una persona distinta de las similares"),
                                     required=False)


class AcknowledgeForm(forms.Form):
    reference = forms.CharField(label=_("Su referencia (n.º de registro, parte…)"), max_length=100, required=False)


class OpenCaseForm(ServiceErrorsMixin, forms.Form):
    number = forms.CharField(label=_("Número de carpeta fiscal"), max_length=40)
    distrito_fiscal = forms.ModelChoiceField(label=_("Distrito fiscal"), queryset=DistritoFiscal.objects.all())
    fiscalia = forms.ModelChoiceField(label=_("Fiscalía a cargo"), queryset=Agency.objects.none(), required=False)
    title = forms.CharField(label=_("Denominación"), max_length=200, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        if actor.agency and actor.agency.kind == Agency.Kind.FISCALIA:
            del self.fields["fiscalia"]
            self.initial.setdefault("distrito_fiscal", actor.agency.distrito_fiscal_id)
        else:
            self.fields["fiscalia"].queryset = Agency.objects.filter(kind=Agency.Kind.FISCALIA, is_active=True)
            self.fields["fiscalia"].required = True


class LinkCaseForm(ServiceErrorsMixin, forms.Form):
    number = forms.CharField(label=_("Número de carpeta del caso existente"), max_length=40)


class StatsForm(forms.Form):
    date_from = DayField(label=_("Desde"), required=False)
    date_to = DayField(label=_("Hasta"), required=False)
    hide_non_substantive = forms.BooleanField(label=_("Ocultar contactos no sustantivos"), required=False)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"].replace(day=1)
        if data["date_from"] > data["date_to"]:
            raise ValidationError(gettext("«Desde» (%(start)s) no puede ser posterior a «Hasta» (%(end)s).") % {
                "start": formats.date_format(data["date_from"], "SHORT_DATE_FORMAT"),
                "end": formats.date_format(data["date_to"], "SHORT_DATE_FORMAT")})
        return data


class HandoverForm(forms.Form):
    since = MomentField(label=_("Desde"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Archivo CSV o XLSX"))
    skip_invalid = forms.BooleanField(label=_("Importar las filas válidas y omitir las que tienen errores"),
                                      required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise ValidationError(gettext("Formato no reconocido: use un archivo CSV o XLSX."))
        if upload.size > 20 * 1024 * 1024:
            raise ValidationError(gettext("El archivo supera 20 MB: divídalo en partes."))
        return upload
