"""The user's API tokens (/cuenta/tokens/): list, create (after re-authentication; the secret is shown once on
the answer page and never again) and revoke."""

import datetime

from allauth.account.internal.flows.reauthentication import suspend_request
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from .decorators import require_recent_auth
from .mfa import has_second_factor, mfa_required, second_factor_within
from .models import API_TOKEN_DEFAULT_DAYS, API_TOKEN_MAX_DAYS
from .tokens import MAX_ACTIVE_TOKENS, own_token, token_create, token_revoke, tokens_of

# a token of a role that sees identities needs a second factor passed in the last five minutes
SECOND_FACTOR_MAX_AGE = 300


def _default_expiry_date() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=API_TOKEN_DEFAULT_DAYS)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nombre"), max_length=100,
        help_text=gettext_lazy("Para reconocerlo: el sistema o la persona que lo usará."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Indique un nombre para el token.")},
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Vence el"),
        help_text=gettext_lazy("Como máximo dentro de un año."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"required": gettext_lazy("Indique la fecha de vencimiento.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["expires_on"].initial = _default_expiry_date()
        self.fields["expires_on"].widget.attrs.update({
            "min": (today + datetime.timedelta(days=1)).isoformat(),
            "max": (today + datetime.timedelta(days=API_TOKEN_MAX_DAYS)).isoformat(),
        })

    def expires_at(self) -> datetime.datetime:
        """The end of the chosen day in Lima: a token "valid until 30/06" works all of that day."""
        day = self.cleaned_data["expires_on"] + datetime.timedelta(days=1)
        midnight = datetime.datetime.combine(day, datetime.time.min)
        return timezone.make_aware(midnight) - datetime.timedelta(microseconds=1)

    def apply_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for name, field_messages in error.message_dict.items():
            name = "expires_on" if name == "expires_at" else name
            self.add_error(name if name in self.fields else None, field_messages)


def _page(request, *, form: TokenCreateForm, created=None, secret: str | None = None, status: int = 200):
    return render(request, "account/tokens.html", {
        "tokens": list(tokens_of(request.user)),
        "form": form,
        "created": created,
        "secret": secret,
        "max_active": MAX_ACTIVE_TOKENS,
    }, status=status)


@require_GET
def token_list(request):
    return _page(request, form=TokenCreateForm())


@require_POST
@require_recent_auth(max_age=300)
def token_create_view(request):
    identity_role = mfa_required(request.user)
    if identity_role and not second_factor_within(request, SECOND_FACTOR_MAX_AGE):
        if not has_second_factor(request.user):
            messages.warning(request, _(
                "Su rol ve datos de identidad: configure la verificación en dos pasos antes de crear un token."))
            return redirect("mfa_activate_totp")
        # allauth asks for the code and then resumes this very POST
        return suspend_request(request, reverse("mfa_reauthenticate"))
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = token_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"],
                expires_at=form.expires_at(), second_factor_verified=identity_role,
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
        else:
            # rendered, not redirected: the secret exists only in this answer (marked no-store, as every page
            # for a signed-in user), and nowhere to go back to
            return _page(request, form=TokenCreateForm(), created=token, secret=secret)
    return _page(request, form=form, status=422)


@require_POST
def token_revoke_view(request, token_uuid):
    token = own_token(request.user, token_uuid)
    if token is None:
        raise Http404(_("No existe ese token."))
    token_revoke(actor=request.user, token=token)
    messages.success(
        request, _("Token «%(name)s» revocado: ya no da acceso a la API.") % {"name": token.name}
    )
    return redirect("account_api_tokens")
