"""Forms of the prevention pages: shape only; the rules live in the services, whose messages are attached
to the fields they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sistra.core.forms import DayField, ServiceErrorsMixin

from .models import (
    Alternative,
    AtRiskFamily,
    Campaign,
    CampaignPlace,
    CampaignReach,
    FamilyFollowUp,
    Participant,
    TrainingEvent,
)

REACH_ROWS = 4
CHILD_ROWS = 3


def _blank(choices):
    return [("", "—"), *choices]


class EventForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Título"), max_length=200)
    topic = forms.ChoiceField(label=_("Tema"), choices=_blank(TrainingEvent.Topic.choices))
    organiser = forms.CharField(label=_("Organizador"), max_length=200)
    partners = forms.CharField(label=_("Socios"), max_length=300, required=False)
    starts_on = DayField(label=_("Inicio"))
    ends_on = DayField(label=_("Fin"))
    ubigeo = forms.CharField(
        label=_("Lugar (ubigeo)"), max_length=6, help_text=_("Código INEI de 6 dígitos del distrito.")
    )
    modality = forms.ChoiceField(label=_("Modalidad"), choices=TrainingEvent.Modality.choices)
    audience = forms.CharField(label=_("Público"), max_length=200, required=False)
    score_max = forms.IntegerField(
        label=_("Nota máxima de las evaluaciones"), initial=20, min_value=1, max_value=1000
    )


class ParticipantForm(ServiceErrorsMixin, forms.Form):
    full_name = forms.CharField(label=_("Nombre completo"), max_length=200)
    document_number = forms.CharField(label=_("DNI u otro documento"), max_length=20, required=False)
    profession = forms.ChoiceField(label=_("Profesión"), choices=_blank(Participant.Profession.choices))
    institution = forms.CharField(label=_("Institución"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Sexo"), choices=Participant.Sex.choices, initial=Participant.Sex.UNKNOWN)
    region = forms.CharField(label=_("Región (código de departamento)"), max_length=2, required=False)
    attended = forms.BooleanField(label=_("Asistió"), required=False, initial=True)
    pre_score = forms.CharField(label=_("Nota de entrada"), max_length=8, required=False)
    post_score = forms.CharField(label=_("Nota de salida"), max_length=8, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Lista de asistencia (XLSX o CSV)"))
    skip_invalid = forms.BooleanField(
        label=_("Omitir las filas con errores e importar las demás"), required=False
    )


class VerifyForm(forms.Form):
    codigo = forms.CharField(label=_("Código de verificación"), max_length=40)


class CampaignForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Nombre"), max_length=200)
    slogan = forms.CharField(label=_("Lema"), max_length=200, required=False)
    starts_on = DayField(label=_("Inicio"))
    ends_on = DayField(label=_("Fin"))
    channels = forms.MultipleChoiceField(
        label=_("Canales"),
        choices=Campaign.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    partners = forms.CharField(label=_("Socios"), max_length=300, required=False)
    materials = forms.CharField(
        label=_("Materiales"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    place_kind = forms.ChoiceField(
        label=_("Tipo de lugar"), choices=_blank(CampaignPlace.Kind.choices), required=False
    )
    place_name = forms.CharField(label=_("Nombre del lugar"), max_length=200, required=False)
    place_ubigeo = forms.CharField(label=_("Ubigeo del lugar"), max_length=6, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(REACH_ROWS):
            n = i + 1
            self.fields[f"reach-{i}-channel"] = forms.ChoiceField(
                label=_("Canal %(n)s") % {"n": n}, choices=_blank(Campaign.Channel.choices), required=False
            )
            self.fields[f"reach-{i}-people"] = forms.IntegerField(
                label=_("Personas alcanzadas %(n)s") % {"n": n}, min_value=0, required=False
            )
            self.fields[f"reach-{i}-method"] = forms.ChoiceField(
                label=_("Método %(n)s") % {"n": n},
                choices=_blank(CampaignReach.Method.choices),
                required=False,
            )
            self.fields[f"reach-{i}-source"] = forms.CharField(
                label=_("Fuente %(n)s") % {"n": n}, max_length=300, required=False
            )
            self.fields[f"reach-{i}-departamento_code"] = forms.CharField(
                label=_("Departamento %(n)s") % {"n": n}, max_length=2, required=False
            )

    def reach_rows(self):
        return [
            [
                self[f"reach-{i}-{name}"]
                for name in ("channel", "people", "method", "source", "departamento_code")
            ]
            for i in range(REACH_ROWS)
        ]

    def service_kwargs(self) -> dict:
        from .services import PlaceInput, ReachInput

        data = self.cleaned_data
        places = []
        if data["place_kind"] or data["place_name"] or data["place_ubigeo"]:
            places.append(PlaceInput(data["place_kind"], data["place_name"], data["place_ubigeo"]))
        reach = []
        for i in range(REACH_ROWS):
            row = {
                name: data.get(f"reach-{i}-{name}")
                for name in ("channel", "people", "method", "source", "departamento_code")
            }
            if any(v not in (None, "") for v in row.values()):
                reach.append(
                    ReachInput(
                        row["channel"],
                        row["people"],
                        row["method"] or "",
                        row["source"] or "",
                        row["departamento_code"] or "",
                    )
                )
        return {
            "name": data["name"],
            "slogan": data["slogan"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "channels": data["channels"],
            "partners": data["partners"],
            "materials": data["materials"],
            "places": places,
            "reach": reach,
        }

    field_aliases = {
        "place-0-kind": "place_kind",
        "place-0-name": "place_name",
        "place-0-ubigeo": "place_ubigeo",
    }


class ReachForm(ServiceErrorsMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Canal"), choices=_blank(Campaign.Channel.choices))
    people = forms.IntegerField(label=_("Personas alcanzadas"), min_value=0)
    method = forms.ChoiceField(
        label=_("Método de estimación"), choices=_blank(CampaignReach.Method.choices), required=False
    )
    source = forms.CharField(label=_("Fuente"), max_length=300, required=False)
    departamento_code = forms.CharField(label=_("Departamento (código)"), max_length=2, required=False)


class FamilyForm(ServiceErrorsMixin, forms.Form):
    registered_on = DayField(label=_("Fecha de registro"))
    ubigeo = forms.CharField(label=_("Lugar de origen (ubigeo)"), max_length=6)
    community = forms.CharField(label=_("Comunidad"), max_length=200, required=False)
    head_name = forms.CharField(label=_("Nombre de la persona responsable"), max_length=200)
    contact_phone = forms.CharField(label=_("Teléfono de contacto"), max_length=30, required=False)
    risk_factors = forms.MultipleChoiceField(
        label=_("Factores de riesgo"),
        choices=AtRiskFamily.RiskFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Observaciones"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(CHILD_ROWS):
            n = i + 1
            self.fields[f"child-{i}-first_names"] = forms.CharField(
                label=_("Nombres (niña, niño o adolescente %(n)s)") % {"n": n}, max_length=100, required=False
            )
            self.fields[f"child-{i}-last_names"] = forms.CharField(
                label=_("Apellidos (%(n)s)") % {"n": n}, max_length=100, required=False
            )
            self.fields[f"child-{i}-birth_year"] = forms.IntegerField(
                label=_("Año de nacimiento (%(n)s)") % {"n": n}, required=False
            )
            self.fields[f"child-{i}-sex"] = forms.ChoiceField(
                label=_("Sexo (%(n)s)") % {"n": n}, choices=_blank(Participant.Sex.choices), required=False
            )
            self.fields[f"child-{i}-in_school"] = forms.BooleanField(
                label=_("Estudia (%(n)s)") % {"n": n}, required=False, initial=True
            )

    def child_rows(self):
        return [
            [
                self[f"child-{i}-{name}"]
                for name in ("first_names", "last_names", "birth_year", "sex", "in_school")
            ]
            for i in range(CHILD_ROWS)
        ]

    def service_kwargs(self) -> dict:
        from .services import ChildInput

        data = self.cleaned_data
        children = []
        for i in range(CHILD_ROWS):
            first, last = data.get(f"child-{i}-first_names"), data.get(f"child-{i}-last_names")
            year, sex = data.get(f"child-{i}-birth_year"), data.get(f"child-{i}-sex")
            if first or last or year or sex:
                children.append(
                    ChildInput(
                        first or "", last or "", year, sex or "", bool(data.get(f"child-{i}-in_school"))
                    )
                )
        return {
            "registered_on": data["registered_on"],
            "ubigeo": data["ubigeo"],
            "community": data["community"],
            "head_name": data["head_name"],
            "contact_phone": data["contact_phone"],
            "risk_factors": data["risk_factors"],
            "notes": data["notes"],
            "children": children,
        }


class AlternativeForm(ServiceErrorsMixin, forms.Form):
    # two forms on the family page: prefixes keep their field ids (and labels) apart
    prefix = "alt"
    child = forms.ChoiceField(label=_("Niña, niño o adolescente"))
    kind = forms.ChoiceField(label=_("Alternativa"), choices=_blank(Alternative.Kind.choices))
    started_on = DayField(label=_("Desde"))
    provider = forms.CharField(label=_("Quién la brinda"), max_length=200, required=False)

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = list(children)


class FollowUpForm(ServiceErrorsMixin, forms.Form):
    prefix = "fu"
    child = forms.ChoiceField(label=_("Niña, niño o adolescente"))
    milestone = forms.ChoiceField(label=_("Seguimiento"), choices=_blank(FamilyFollowUp.Milestone.choices))
    done_on = DayField(label=_("Fecha"))
    in_school = forms.BooleanField(label=_("Sigue estudiando"), required=False)
    migrated = forms.BooleanField(label=_("Migró"), required=False)
    referred = forms.BooleanField(label=_("Fue derivado a un servicio"), required=False)
    notes = forms.CharField(label=_("Observaciones"), required=False, max_length=500)

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = list(children)
