"""Forms of the assistance pages. Shape only: every rule across records (consent before sharing, dates after
identification, no closing with referrals in flight…) is checked by sistra.assistance.services and its message
attached to the field it names (ServiceErrorsMixin)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sistra.accounts.capabilities import ROLE_CAPABILITIES, Capability
from sistra.accounts.models import Agency, User
from sistra.core.choices import departments_by_name, named_rows
from sistra.core.forms import DayField, ServiceErrorsMixin, search_text_field
from sistra.core.models import Country, Ubigeo, localized
from sistra.people.access import visible_persons
from sistra.people.forms import PickerMixin

from .models import (
    Assessment,
    AssistanceCase,
    Consent,
    FamilyContact,
    FollowUpVisit,
    Provider,
    Referral,
    RiskLevel,
    ServiceType,
    SupportGoal,
)


class LocalizedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return localized(obj)


class LocalizedMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return localized(obj)


def _service_types():
    return ServiceType.objects.filter(is_active=True)


def _ubigeo_field(label):
    return forms.ModelChoiceField(label=label, required=False, to_field_name="code", widget=forms.RadioSelect,
                                  queryset=Ubigeo.objects.select_related("parent__parent"))


def _country_field(label, empty):
    return LocalizedChoiceField(label=label, required=False, to_field_name="code", empty_label=empty,
                                queryset=Country.objects.exclude(code="PE"))


class AssistanceForm(ServiceErrorsMixin, PickerMixin, forms.Form):
    def __init__(self, *args, actor=None, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if not k.endswith("_q") and k != "version"}

    def rows(self) -> list[tuple]:
        """What the form page renders, in order: ("picker", picker, lookup url, method) for a search picker
        (its "_q" text field goes with it), ("field", bound field, "", "") otherwise."""
        from django.urls import reverse

        pickers = self.pickers
        result = []
        for bound in self.visible_fields():
            if bound.name.endswith("_q") and bound.name[:-2] in pickers:
                continue
            if bound.name in self.person_pickers:
                result.append(("picker", pickers[bound.name], reverse("people:lookup"), "post"))
            elif bound.name in self.ubigeo_pickers:
                result.append(("picker", pickers[bound.name], reverse("assistance:ubigeo_lookup"), "get"))
            else:
                result.append(("field", bound, "", ""))
        return result


class IdentifyForm(AssistanceForm):
    person_pickers = ("person",)
    ubigeo_pickers = ("identification_place", "current_ubigeo")

    person = forms.ModelChoiceField(label=_("Persona identificada"), to_field_name="uuid", widget=forms.RadioSelect,
                                    queryset=None)
    person_q = search_text_field(_("Buscar a la persona por nombre, documento o código"))
    identified_on = DayField(label=_("Fecha de identificación"))
    identification_channel = forms.ChoiceField(label=_("Vía de identificación"),
                                               choices=AssistanceCase.Channel.choices)
    trafficking_status = forms.ChoiceField(label=_("Situación de trata"),
                                           choices=AssistanceCase.TraffickingStatus.choices,
                                           initial=AssistanceCase.TraffickingStatus.POTENTIAL)
    status_decision_org = forms.ChoiceField(label=_("Tipo de organización que lo determina (HTCDS)"),
                                            choices=AssistanceCase.DecisionOrg.choices)
    identification_place = _ubigeo_field(_("Lugar de identificación"))
    identification_place_q = search_text_field(_("Buscar lugar de identificación"))
    current_ubigeo = _ubigeo_field(_("Lugar donde se encuentra ahora"))
    current_ubigeo_q = search_text_field(_("Buscar lugar donde se encuentra"))
    current_location = forms.CharField(label=_("Dirección o albergue actual"), required=False, max_length=300,
                                       help_text=_("Dato protegido: nunca se muestra en documentos para familiares "
                                                   "marcados como riesgo."))
    notes = forms.CharField(label=_("Observaciones"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["person"].queryset = visible_persons(actor)


def _caseworkers(agency_id):
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.ASSISTANCE_EDIT in caps]
    return User.objects.filter(agency_id=agency_id, is_active=True, role__in=roles).order_by("first_name", "username")


class CaseworkerField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class CaseEditForm(AssistanceForm):
    ubigeo_pickers = ("identification_place", "current_ubigeo")

    caseworker = CaseworkerField(label=_("Gestor del caso"), queryset=User.objects.none(), to_field_name="uuid",
                                 required=False, empty_label=_("— Sin asignar —"))
    identification_place = _ubigeo_field(_("Lugar de identificación"))
    identification_place_q = search_text_field(_("Buscar lugar de identificación"))
    current_ubigeo = _ubigeo_field(_("Lugar donde se encuentra ahora"))
    current_ubigeo_q = search_text_field(_("Buscar lugar donde se encuentra"))
    current_location = forms.CharField(label=_("Dirección o albergue actual"), required=False, max_length=300)
    notes = forms.CharField(label=_("Observaciones"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["caseworker"].queryset = _caseworkers(getattr(actor, "agency_id", None))


class TraffickingStatusForm(AssistanceForm):
    trafficking_status = forms.ChoiceField(label=_("Situación de trata"),
                                           choices=AssistanceCase.TraffickingStatus.choices)
    status_decision_org = forms.ChoiceField(label=_("Tipo de organización que lo determina (HTCDS)"),
                                            choices=AssistanceCase.DecisionOrg.choices)
    status_decided_on = DayField(label=_("Fecha de la determinación"))


class AgencyField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ConsentForm(AssistanceForm):
    kind = forms.ChoiceField(label=_("Consiente en"), choices=Consent.Kind.choices, widget=forms.RadioSelect)
    agency = AgencyField(label=_("Institución con la que consiente compartir sus datos"), required=False,
                         queryset=Agency.objects.none(), to_field_name="code", empty_label=_("— Ninguna —"),
                         help_text=_("Solo para «Compartir sus datos»: una institución por consentimiento."))
    given_on = DayField(label=_("Fecha del consentimiento"))
    given_by = forms.ChoiceField(label=_("Otorgado por"), choices=Consent.GivenBy.choices)
    method = forms.ChoiceField(label=_("Forma"), choices=Consent.Method.choices)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True).exclude(
            pk=getattr(actor, "agency_id", None)).order_by("name")


class WithdrawConsentForm(AssistanceForm):
    withdrawn_on = DayField(label=_("Fecha del retiro"))
    notes = forms.CharField(label=_("Detalle"), required=False, max_length=300)


def _factor_field(label, choices):
    return forms.MultipleChoiceField(label=label, required=False, choices=choices,
                                     widget=forms.CheckboxSelectMultiple)


def _risk_field(label):
    return forms.ChoiceField(label=label, choices=RiskLevel.choices, widget=forms.RadioSelect)


class AssessmentForm(AssistanceForm):
    assessed_on = DayField(label=_("Fecha de la evaluación"))
    individual_risk = _risk_field(_("Riesgo individual"))
    individual_factors = _factor_field(_("Factores individuales"), Assessment.IndividualFactor.choices)
    household_risk = _risk_field(_("Riesgo en el hogar"))
    household_factors = _factor_field(_("Factores del hogar"), Assessment.HouseholdFactor.choices)
    community_risk = _risk_field(_("Riesgo en la comunidad"))
    community_factors = _factor_field(_("Factores de la comunidad"), Assessment.CommunityFactor.choices)
    needs = LocalizedMultipleChoiceField(label=_("Necesidades identificadas"), required=False, to_field_name="code",
                                         widget=forms.CheckboxSelectMultiple, queryset=_service_types())
    notes = forms.CharField(label=_("Observaciones"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(AssistanceForm):
    plan_type = forms.ChoiceField(label=_("Tipo de plan (HTCDS)"), choices=ServiceType.SupportType.choices)
    objectives = forms.CharField(label=_("Objetivos"), widget=forms.Textarea(attrs={"rows": 3}))
    action_plan = forms.CharField(label=_("Plan de acción"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    starts_on = DayField(label=_("Inicio"))
    planned_end = DayField(label=_("Fin previsto"), required=False)


class PlanEndForm(AssistanceForm):
    actual_end = DayField(label=_("Fin real del plan"))


class GoalForm(AssistanceForm):
    description = forms.CharField(label=_("Meta"), max_length=300)
    service_type = LocalizedChoiceField(label=_("Servicio relacionado"), required=False, to_field_name="code",
                                        queryset=_service_types(), empty_label=_("— Ninguno —"))
    target_date = DayField(label=_("Fecha objetivo"), required=False)


class GoalStatusForm(AssistanceForm):
    status = forms.ChoiceField(label=_("Estado"), choices=SupportGoal.Status.choices)
    achieved_on = DayField(label=_("Fecha de logro"), required=False)


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ReferralForm(AssistanceForm):
    ubigeo_pickers = ("destination_ubigeo",)

    to_agency = AgencyField(label=_("Institución que recibe"), queryset=Agency.objects.none(), to_field_name="code",
                            empty_label=_("— Elija —"))
    kind = forms.ChoiceField(label=_("Tipo de derivación"), choices=Referral.Kind.choices, widget=forms.RadioSelect,
                             initial=Referral.Kind.SERVICES,
                             help_text=_("Con la transferencia, la institución que recibe pasa a gestionar el caso."))
    services = LocalizedMultipleChoiceField(label=_("Servicios solicitados"), required=False, to_field_name="code",
                                            widget=forms.CheckboxSelectMultiple, queryset=_service_types())
    reason = forms.ChoiceField(label=_("Motivo (HTCDS)"), choices=Referral.Reason.choices)
    due_on = DayField(label=_("Fecha límite de respuesta"))
    is_urgent = forms.BooleanField(label=_("Urgente"), required=False)
    provider = ProviderChoiceField(label=_("Proveedor del directorio (opcional)"), required=False,
                                   queryset=Provider.objects.none(), to_field_name="uuid",
                                   empty_label=_("— Ninguno —"))
    destination_ubigeo = _ubigeo_field(_("Destino del retorno en el Perú"))
    destination_ubigeo_q = search_text_field(_("Buscar destino (departamento, provincia o distrito)"))
    destination_country = _country_field(_("Destino del retorno en otro país"), _("— Perú / no aplica —"))
    details = forms.CharField(label=_("Detalle y logística"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Si la víctima no consintió compartir sus datos con esta institución, no "
                                          "escriba su nombre ni su documento."))

    def __init__(self, *args, actor=None, **kwargs):
        from .services import receiving_agencies

        super().__init__(*args, actor=actor, **kwargs)
        self.fields["to_agency"].queryset = receiving_agencies().exclude(
            pk=getattr(actor, "agency_id", None)).order_by("name")
        self.fields["provider"].queryset = Provider.objects.filter(is_active=True).order_by("name")


class DeclineForm(AssistanceForm):
    reason = forms.CharField(label=_("Motivo del rechazo"), max_length=300)


class CompleteForm(AssistanceForm):
    notes = forms.CharField(label=_("Resultado"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RevokeForm(AssistanceForm):
    reason = forms.CharField(label=_("Motivo de la revocación"), max_length=300)


class DeliveryForm(AssistanceForm):
    ubigeo_pickers = ("destination_ubigeo",)

    service_type = LocalizedChoiceField(label=_("Servicio"), to_field_name="code", queryset=_service_types(),
                                        empty_label=_("— Elija —"))
    delivered_on = DayField(label=_("Fecha"))
    description = forms.CharField(label=_("Descripción"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    cost = forms.DecimalField(label=_("Costo (S/)"), required=False, max_digits=10, decimal_places=2, min_value=0,
                              localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    provider = ProviderChoiceField(label=_("Proveedor"), required=False, queryset=Provider.objects.none(),
                                   to_field_name="uuid", empty_label=_("— Su institución —"))
    destination_ubigeo = _ubigeo_field(_("Destino en el Perú (retorno)"))
    destination_ubigeo_q = search_text_field(_("Buscar destino"))
    destination_country = _country_field(_("Destino en otro país (retorno)"), _("— Perú / no aplica —"))
    visa_arranged = forms.BooleanField(label=_("Visa o salvoconducto tramitado"), required=False)
    tickets = forms.CharField(label=_("Pasajes"), required=False, max_length=200,
                              help_text=_("Medio, ruta y fecha, p. ej. «Bus Puerto Maldonado–Cusco, 12/03»."))

    def __init__(self, *args, actor=None, service_types=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if service_types is not None:
            self.fields["service_type"].queryset = service_types
        self.fields["provider"].queryset = Provider.objects.filter(is_active=True).order_by("name")


class FollowUpForm(AssistanceForm):
    kind = forms.ChoiceField(label=_("Tipo"), choices=FollowUpVisit.Kind.choices)
    visited_on = DayField(label=_("Fecha"))
    outcome = forms.CharField(label=_("Resultado"), widget=forms.Textarea(attrs={"rows": 3}))
    next_visit_on = DayField(label=_("Próxima visita"), required=False)


class FamilyContactForm(AssistanceForm):
    ubigeo_pickers = ("ubigeo",)

    full_name = forms.CharField(label=_("Nombre completo"), max_length=200)
    relationship = forms.ChoiceField(label=_("Parentesco"), choices=FamilyContact.Relationship.choices)
    phone = forms.CharField(label=_("Teléfono"), required=False, max_length=40)
    ubigeo = _ubigeo_field(_("Lugar donde vive"))
    ubigeo_q = search_text_field(_("Buscar lugar donde vive"))
    address = forms.CharField(label=_("Dirección o referencia"), required=False, max_length=300)
    involved_in_trafficking = forms.BooleanField(
        label=_("Involucrado en la trata"), required=False,
        help_text=_("Nunca se le revelará dónde está la víctima: el contacto se marca de forma destacada."))
    is_unsafe = forms.BooleanField(label=_("Representa un riesgo para la víctima"), required=False)
    safety_notes = forms.CharField(label=_("Detalle del riesgo"), required=False, max_length=300)
    tracing_status = forms.ChoiceField(label=_("Búsqueda y reunificación"), choices=FamilyContact.Tracing.choices)
    reunited_on = DayField(label=_("Fecha de reunificación"), required=False)
    notes = forms.CharField(label=_("Observaciones"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(AssistanceForm):
    closure_reason = forms.ChoiceField(label=_("Motivo de cierre"), choices=AssistanceCase.ClosureReason.choices)
    closed_on = DayField(label=_("Fecha de cierre"))
    closure_notes = forms.CharField(label=_("Detalle del cierre"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(AssistanceForm):
    reason = forms.CharField(label=_("Motivo de la reapertura"), max_length=300)


class CriminalCaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} — {obj.fiscalia.name}"


class LinkCriminalCaseForm(AssistanceForm):
    criminal_case = CriminalCaseChoiceField(label=_("Caso penal en el que la víctima es parte"), to_field_name="uuid",
                                            widget=forms.RadioSelect, queryset=None)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criminal_case"].queryset = candidates.select_related("fiscalia")


class DepartmentsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProviderForm(AssistanceForm):
    name = forms.CharField(label=_("Nombre"), max_length=200)
    kind = forms.ChoiceField(label=_("Tipo"), choices=Provider.Kind.choices)
    agency = AgencyField(label=_("Institución en SISTRA (si recibe derivaciones en el sistema)"), required=False,
                         queryset=Agency.objects.filter(is_active=True).order_by("name"), to_field_name="code",
                         empty_label=_("— No está en SISTRA —"))
    services = LocalizedMultipleChoiceField(label=_("Servicios"), to_field_name="code", queryset=_service_types(),
                                            widget=forms.CheckboxSelectMultiple)
    regions = DepartmentsField(label=_("Departamentos donde atiende"), to_field_name="code",
                               widget=forms.CheckboxSelectMultiple,
                               queryset=Ubigeo.objects.filter(level=Ubigeo.Level.DEPARTAMENTO).order_by("name"))
    address = forms.CharField(label=_("Dirección"), required=False, max_length=300)
    phone = forms.CharField(label=_("Teléfono"), required=False, max_length=40)
    email = forms.EmailField(label=_("Correo electrónico"), required=False)
    notes = forms.CharField(label=_("Observaciones"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProviderFilterForm(forms.Form):
    region = forms.ChoiceField(label=_("Departamento"), required=False)
    service = forms.ChoiceField(label=_("Servicio"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Todos"))] + [
            (u.code, u.name)
            for u in named_rows("departamentos", departments_by_name)]
        self.fields["service"].choices = [("", _("Todos"))] + [
            (s.code, localized(s)) for s in named_rows("servicios", _service_types)]


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Casos"), required=False, choices=[
        ("", _("Abiertos")), ("closed", _("Cerrados")), ("all", _("Todos"))])
