"""django-allauth's forms as SISTRA shows every form: labels without a colon, no placeholder repeating the
label, the login fields called "Usuario" and "Contraseña"."""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.webauthn import forms as webauthn_forms
from django.utils.translation import gettext_lazy as _


class _SistraLabels:
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class LoginForm(_SistraLabels, account_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Usuario")
        login.widget.attrs.update({"autocomplete": "username", "autocapitalize": "none", "autofocus": True})
        password = self.fields["password"]
        password.label = _("Contraseña")
        password.help_text = ""


class ChangePasswordForm(_SistraLabels, account_forms.ChangePasswordForm):
    pass


class ReauthenticateForm(_SistraLabels, account_forms.ReauthenticateForm):
    pass


class _CodeLabel:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = _("Código de verificación")
        code.widget.attrs.update({"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True})


class AuthenticateForm(_CodeLabel, _SistraLabels, mfa_forms.AuthenticateForm):
    pass


class MFAReauthenticateForm(_CodeLabel, _SistraLabels, mfa_forms.ReauthenticateForm):
    pass


class ActivateTOTPForm(_CodeLabel, _SistraLabels, totp_forms.ActivateTOTPForm):
    pass


class AddWebAuthnForm(_SistraLabels, webauthn_forms.AddWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.fields["name"]
        name.label = _("Nombre de la llave")
        name.help_text = _("Para distinguirla si registra más de una (por ejemplo, «Laptop de la oficina»).")
        passwordless = self.fields.get("passwordless")
        if passwordless is not None:
            passwordless.label = _("Usarla también para ingresar sin contraseña")
            passwordless.help_text = _(
                "La llave queda guardada en el dispositivo y se desbloquea con su PIN, huella o rostro."
            )


class EditWebAuthnForm(_SistraLabels, webauthn_forms.EditWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Nombre de la llave")
