"""Forms of user and agency administration: shape only; the services decide what is allowed."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.models import DistritoFiscal, Ubigeo

from .roles import assignable_roles, is_national_admin


class ServiceErrorsMixin:
    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for name, messages in exc.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


def _role_choices(actor, agency) -> list[tuple[str, str]]:
    return [(value, Role(value).label) for value in assignable_roles(actor, agency)]


class UserCreateForm(ServiceErrorsMixin, forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Institución"),
        queryset=Agency.objects.filter(is_active=True),
        to_field_name="code",
        error_messages={"required": _("Elija la institución.")},
    )
    username = forms.CharField(
        label=_("Nombre de usuario"),
        max_length=150,
        help_text=_("Con el que iniciará sesión, p. ej. «nombre.apellido»."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": _("Indique el nombre de usuario.")},
    )
    first_name = forms.CharField(label=_("Nombres"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Apellidos"), max_length=150, required=False)
    email = forms.EmailField(label=_("Correo electrónico"), required=False)
    role = forms.ChoiceField(label=_("Rol"), error_messages={"required": _("Elija el rol.")})

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if is_national_admin(actor):
            self.fields["role"].choices = [("", _("Elija un rol"))] + _role_choices(actor, None)
        else:
            # an agency's administrator creates users of their own agency only
            del self.fields["agency"]
            self.fields["role"].choices = [("", _("Elija un rol"))] + _role_choices(actor, actor.agency)

    def agency_for(self) -> Agency:
        return self.cleaned_data.get("agency") or self.actor.agency


class RoleForm(ServiceErrorsMixin, forms.Form):
    role = forms.ChoiceField(label=_("Nuevo rol"), error_messages={"required": _("Elija el rol.")})

    def __init__(self, *args, actor, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(actor, user.agency)
        self.fields["role"].initial = user.role


class UserFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("Todos")), ("active", _("Activos")), ("disabled", _("Desactivados"))]

    agency = forms.ModelChoiceField(
        label=_("Institución"),
        queryset=Agency.objects.all(),
        required=False,
        to_field_name="uuid",
        empty_label=_("Todas"),
    )
    status = forms.ChoiceField(label=_("Estado"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_national_admin(actor):
            del self.fields["agency"]


class AgencyForm(ServiceErrorsMixin, forms.Form):
    code = forms.SlugField(
        label=_("Código"),
        max_length=40,
        help_text=_("Minúsculas, números y guiones; no se puede cambiar."),
        error_messages={"required": _("Indique el código.")},
    )
    name = forms.CharField(
        label=_("Nombre"), max_length=200, error_messages={"required": _("Indique el nombre.")}
    )
    kind = forms.ChoiceField(
        label=_("Tipo"),
        choices=[("", _("Elija el tipo"))] + list(Agency.Kind.choices),
        error_messages={"required": _("Elija el tipo.")},
    )
    distrito_fiscal = forms.ModelChoiceField(
        label=_("Distrito fiscal"),
        queryset=DistritoFiscal.objects.all(),
        required=False,
        empty_label=_("Ninguno"),
    )
    ubigeo = forms.CharField(
        label=_("Ubigeo (código INEI)"),
        max_length=6,
        required=False,
        help_text=_("Seis dígitos, p. ej. 080101 para Cusco."),
    )
    parent = forms.ModelChoiceField(
        label=_("Depende de"),
        queryset=Agency.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("Ninguna"),
    )

    def __init__(self, *args, agency: Agency | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if agency is not None:
            del self.fields["code"]
            self.fields["parent"].queryset = Agency.objects.exclude(pk=agency.pk)
            self.initial.update(
                {
                    "name": agency.name,
                    "kind": agency.kind,
                    "distrito_fiscal": agency.distrito_fiscal_id,
                    "ubigeo": agency.ubigeo_id or "",
                    "parent": agency.parent.code if agency.parent_id else None,
                }
            )

    def clean_ubigeo(self):
        code = (self.cleaned_data.get("ubigeo") or "").strip()
        if not code:
            return None
        ubigeo = Ubigeo.objects.filter(code=code).first()
        if ubigeo is None:
            raise ValidationError(_("No existe ese código de ubigeo."))
        return ubigeo

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data.get(name) for name in ("name", "kind", "distrito_fiscal", "ubigeo", "parent")}
        if "code" in self.fields:
            kwargs["code"] = data["code"]
        return kwargs
