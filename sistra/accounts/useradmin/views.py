"""User administration pages (/administracion/): thin views over useradmin.access and useradmin.services.
Every change asks for a recent authentication (password or code in the last 5 minutes) first."""

from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sistra.accounts.decorators import authenticated_within
from sistra.audit.selectors import history_for

from . import services
from .access import (
    access_agency,
    access_managed_user,
    manageable_agencies,
    manageable_users,
    require_national_admin,
    require_user_manager,
    with_second_factor,
)
from .forms import AgencyForm, RoleForm, UserCreateForm, UserFilterForm
from .roles import is_national_admin

PAGE_SIZE = 50
REAUTH_MAX_AGE = 300


def require_recent_auth_for_changes(request) -> None:
    """Like accounts.decorators.require_recent_auth, but only for a POST, and called after the access check:
    looking at a form needs no password, and a user or agency the administrator may not see is a 404 before
    any password is asked."""
    if request.method == "POST" and not authenticated_within(request, REAUTH_MAX_AGE):
        raise ReauthenticationRequired()


def _refused(request, exc: Exception, user_uuid):
    message = " ".join(getattr(exc, "messages", None) or [str(exc) or _("No permitido.")])
    messages.error(request, message)
    return redirect("useradmin:user_detail", user_uuid=user_uuid)


# ------------------------------------------------------------------------------------------------ users


@require_GET
def user_list(request):
    require_user_manager(request.user)
    form = UserFilterForm(request.GET or None, actor=request.user)
    qs = with_second_factor(manageable_users(request.user)).select_related("agency")
    if form.is_valid():
        if form.cleaned_data.get("agency"):
            qs = qs.filter(agency=form.cleaned_data["agency"])
        if form.cleaned_data.get("status") == "active":
            qs = qs.filter(is_active=True)
        elif form.cleaned_data.get("status") == "disabled":
            qs = qs.filter(is_active=False)
    qs = qs.order_by("-is_active", "last_name", "first_name", "username")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "useradmin/user_list.html",
        {
            "page_obj": page,
            "form": form,
            "base_query": query.urlencode(),
            "national": is_national_admin(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def user_create(request):
    require_user_manager(request.user)
    require_recent_auth_for_changes(request)
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.user_create(
                actor=request.user,
                agency=form.agency_for(),
                username=data["username"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except PermissionDenied as exc:
            form.add_error("role", " ".join(exc.args) or _("No permitido."))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            # rendered, not redirected: the password exists only in this answer (no-store, as every page)
            return render(request, "useradmin/user_created.html", {"managed": user, "password": password})
    return render(
        request, "useradmin/user_form.html", {"form": form}, status=422 if request.method == "POST" else 200
    )


@require_GET
def user_detail(request, user_uuid):
    require_user_manager(request.user)
    user = access_managed_user(request.user, user_uuid)
    return render(
        request,
        "useradmin/user_detail.html",
        {
            "managed": user,
            "role_form": RoleForm(actor=request.user, user=user),
            "tokens": user.api_tokens.filter(revoked_at__isnull=True).count(),
            "history": history_for(request.user, user),
            "is_self": user.pk == request.user.pk,
        },
    )


@require_POST
def user_role(request, user_uuid):
    require_user_manager(request.user)
    user = access_managed_user(request.user, user_uuid)
    require_recent_auth_for_changes(request)
    form = RoleForm(request.POST, actor=request.user, user=user)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("role", [_("Elija un rol válido.")])))
        return redirect("useradmin:user_detail", user_uuid=user.uuid)
    try:
        user = services.user_change_role(actor=request.user, user=user, role=form.cleaned_data["role"])
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc, user.uuid)
    messages.success(
        request,
        _("Rol actualizado: %(role)s. Sus sesiones abiertas se cerraron.")
        % {"role": user.get_role_display()},
    )
    return redirect("useradmin:user_detail", user_uuid=user.uuid)


@require_POST
def user_reset_second_factor(request, user_uuid):
    require_user_manager(request.user)
    user = access_managed_user(request.user, user_uuid)
    require_recent_auth_for_changes(request)
    try:
        services.user_reset_second_factor(actor=request.user, user=user)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc, user.uuid)
    messages.success(
        request, _("Segundo factor restablecido: al iniciar sesión deberá configurarlo de nuevo.")
    )
    return redirect("useradmin:user_detail", user_uuid=user.uuid)


@require_POST
def user_reset_password(request, user_uuid):
    require_user_manager(request.user)
    user = access_managed_user(request.user, user_uuid)
    require_recent_auth_for_changes(request)
    try:
        password = services.user_reset_password(actor=request.user, user=user)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc, user.uuid)
    return render(
        request, "useradmin/user_created.html", {"managed": user, "password": password, "reset": True}
    )


@require_POST
def user_disable(request, user_uuid):
    require_user_manager(request.user)
    user = access_managed_user(request.user, user_uuid)
    require_recent_auth_for_changes(request)
    try:
        services.user_disable(actor=request.user, user=user)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc, user.uuid)
    messages.success(
        request, _("Cuenta desactivada: sus sesiones se cerraron y sus tokens de API se revocaron.")
    )
    return redirect("useradmin:user_detail", user_uuid=user.uuid)


@require_POST
def user_enable(request, user_uuid):
    require_user_manager(request.user)
    user = access_managed_user(request.user, user_uuid)
    require_recent_auth_for_changes(request)
    try:
        services.user_enable(actor=request.user, user=user)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc, user.uuid)
    messages.success(request, _("Cuenta activada."))
    return redirect("useradmin:user_detail", user_uuid=user.uuid)


# --------------------------------------------------------------------------------------------- agencies


@require_GET
def agency_list(request):
    require_national_admin(request.user)
    qs = (
        manageable_agencies(request.user)
        .annotate(active_users=Count("users", filter=Q(users__is_active=True)))
        .order_by("-is_active", "name")
    )
    return render(request, "useradmin/agency_list.html", {"agencies": qs})


@require_http_methods(["GET", "POST"])
def agency_create(request):
    require_national_admin(request.user)
    require_recent_auth_for_changes(request)
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Institución «%(name)s» creada.") % {"name": agency.name})
            return redirect("useradmin:agency_detail", agency_uuid=agency.uuid)
    return render(
        request, "useradmin/agency_form.html", {"form": form}, status=422 if request.method == "POST" else 200
    )


@require_http_methods(["GET", "POST"])
def agency_detail(request, agency_uuid):
    require_national_admin(request.user)
    agency = access_agency(request.user, agency_uuid)
    require_recent_auth_for_changes(request)
    form = AgencyForm(request.POST or None, agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_update(actor=request.user, agency=agency, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Datos de la institución guardados."))
            return redirect("useradmin:agency_detail", agency_uuid=agency.uuid)
    return render(
        request,
        "useradmin/agency_form.html",
        {
            "form": form,
            "agency": agency,
            "history": history_for(request.user, agency),
            "active_users": agency.users.filter(is_active=True).count(),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_POST
def agency_deactivate(request, agency_uuid):
    require_national_admin(request.user)
    agency = access_agency(request.user, agency_uuid)
    require_recent_auth_for_changes(request)
    try:
        disabled = services.agency_deactivate(actor=request.user, agency=agency)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Institución desactivada; %(count)s usuarios desactivados.") % {"count": disabled}
        )
    return redirect("useradmin:agency_detail", agency_uuid=agency.uuid)


@require_POST
def agency_reactivate(request, agency_uuid):
    require_national_admin(request.user)
    agency = access_agency(request.user, agency_uuid)
    require_recent_auth_for_changes(request)
    services.agency_reactivate(actor=request.user, agency=agency)
    messages.success(request, _("Institución reactivada. Active a cada usuario que deba volver a entrar."))
    return redirect("useradmin:agency_detail", agency_uuid=agency.uuid)
