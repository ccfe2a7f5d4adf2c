"""Forms of return travel and reintegration: shape only; the rules are in assistance.services_return."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sistra.core.forms import DayField, search_text_field

from .forms import AssistanceForm, _country_field, _ubigeo_field
from .models import FollowUpVisit, ReintegrationFollowUp, ReintegrationPlan, ReturnTravel


def _money(label):
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=0,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class ReturnForm(AssistanceForm):
    ubigeo_pickers = ("origin_ubigeo", "destination_ubigeo")

    origin_ubigeo = _ubigeo_field(_("Sale desde (Perú)"))
    origin_ubigeo_q = search_text_field(_("Buscar lugar de salida"))
    origin_country = _country_field(_("Sale desde (otro país)"), _("— Perú —"))
    destination_ubigeo = _ubigeo_field(_("Destino (Perú)"))
    destination_ubigeo_q = search_text_field(_("Buscar destino"))
    destination_country = _country_field(_("Destino (otro país)"), _("— Perú —"))
    transport = forms.ChoiceField(label=_("Medio de transporte"), choices=ReturnTravel.Transport.choices)
    travel_document = forms.ChoiceField(label=_("Documento de viaje"), choices=ReturnTravel.Document.choices)
    document_status = forms.ChoiceField(
        label=_("Estado del documento"), choices=ReturnTravel.DocumentStatus.choices
    )
    visa = forms.ChoiceField(label=_("Visa"), choices=ReturnTravel.Visa.choices)
    tickets = forms.CharField(
        label=_("Pasajes"),
        required=False,
        max_length=200,
        help_text=_("Empresa, número de vuelo o bus, código de reserva."),
    )
    escort = forms.ChoiceField(label=_("Acompañamiento"), choices=ReturnTravel.Escort.choices)
    escort_details = forms.CharField(label=_("Detalle del acompañamiento"), required=False, max_length=200)
    cost_tickets = _money(_("Costo de pasajes (S/)"))
    cost_documents = _money(_("Costo de documentos y visa (S/)"))
    cost_other = _money(_("Otros costos (S/)"))
    paid_by = forms.ChoiceField(label=_("Quién paga"), choices=ReturnTravel.Payer.choices)
    paid_by_details = forms.CharField(label=_("Detalle del financiamiento"), required=False, max_length=200)
    planned_departure = DayField(label=_("Salida prevista"))
    planned_arrival = DayField(label=_("Llegada prevista"), required=False)
    notes = forms.CharField(
        label=_("Observaciones"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DepartureForm(AssistanceForm):
    departed_on = DayField(label=_("Fecha de salida"))


class ArrivalForm(AssistanceForm):
    arrived_on = DayField(label=_("Fecha de llegada"))
    arrival_notes = forms.CharField(
        label=_("Cómo se confirmó la llegada"),
        max_length=300,
        help_text=_("Quién la recibió y por qué medio se confirmó."),
    )

    def service_kwargs(self) -> dict:
        return {"arrived_on": self.cleaned_data["arrived_on"], "notes": self.cleaned_data["arrival_notes"]}


class CancelForm(AssistanceForm):
    cancellation_reason = forms.CharField(label=_("Motivo de la cancelación"), max_length=300)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["cancellation_reason"]}


class ReturnChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.origin} → {obj.destination} ({obj.get_status_display()})"


class ReintegrationPlanForm(AssistanceForm):
    ubigeo_pickers = ("community",)

    community = _ubigeo_field(_("Comunidad de origen"))
    community_q = search_text_field(_("Buscar la comunidad de origen"))
    community_details = forms.CharField(
        label=_("Comunidad, centro poblado o anexo"), required=False, max_length=200
    )
    return_travel = ReturnChoiceField(
        label=_("Retorno"),
        required=False,
        queryset=ReturnTravel.objects.none(),
        to_field_name="uuid",
        empty_label=_("— Sin retorno registrado —"),
    )
    areas = forms.MultipleChoiceField(
        label=_("Áreas de apoyo"),
        required=False,
        choices=ReintegrationPlan.Area.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    goals = forms.CharField(label=_("Metas"), widget=forms.Textarea(attrs={"rows": 4}))
    starts_on = DayField(label=_("Inicio"))

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["return_travel"].queryset = case.returns.exclude(status=ReturnTravel.Status.CANCELLED)


class ReintegrationFollowUpForm(AssistanceForm):
    done_on = DayField(label=_("Fecha del seguimiento"))
    kind = forms.ChoiceField(label=_("Tipo"), choices=FollowUpVisit.Kind.choices)
    progress = forms.ChoiceField(label=_("Avance"), choices=ReintegrationFollowUp.Progress.choices)
    notes = forms.CharField(label=_("Resultado"), widget=forms.Textarea(attrs={"rows": 3}))


class ReintegrationOutcomeForm(AssistanceForm):
    outcome = forms.ChoiceField(label=_("Resultado"), choices=ReintegrationPlan.Outcome.choices)
    outcome_on = DayField(label=_("Fecha del resultado"))
    notes = forms.CharField(label=_("Detalle"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
