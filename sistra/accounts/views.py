"""The few account pages SISTRA serves itself; the rest are django-allauth's views with SISTRA's templates."""

from allauth.account.views import LogoutView as AllauthLogoutView
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.webauthn.views import RemoveWebAuthnView as AllauthRemoveWebAuthnView
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import RedirectView, TemplateView


@method_decorator(login_not_required, name="dispatch")
class LogoutView(AllauthLogoutView):
    """Sign out by POST only (a link or an image cannot sign anyone out), and have the browser drop what it
    kept of the session: cached pages, cookies and storage. Also cancels a login waiting at the MFA step."""

    http_method_names = ["post", "options"]

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(TemplateView):
    """No reset by e-mail: an e-mail box is a weaker lock than SISTRA's, so the institution's administrator
    resets passwords."""

    template_name = "account/password_reset.html"


class AccountHomeView(RedirectView):
    """No e-mail address management: the account page is the security page."""

    pattern_name = "mfa_index"


class RemoveWebAuthnView(AllauthRemoveWebAuthnView):
    """allauth removes any passkey asked for; SISTRA keeps the last one of a user whose role requires it (an
    administrator's last passkey, or the only second factor of a role that sees identities)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_delete"] = get_mfa_adapter().can_delete_authenticator(self.object)
        return context

    def form_valid(self, form):
        adapter = get_mfa_adapter()
        if not adapter.can_delete_authenticator(self.get_object()):
            messages.error(self.request, adapter.error_messages["cannot_delete_authenticator"])
            return HttpResponseRedirect(reverse("mfa_list_webauthn"))
        return super().form_valid(form)


logout = LogoutView.as_view()
remove_webauthn = RemoveWebAuthnView.as_view()
password_reset = PasswordResetView.as_view()
account_home = AccountHomeView.as_view()
