"""Every write of user and agency administration. Each service checks that the actor may do it on the fresh
row, writes, and records the change (audit.services.record_change) in the same transaction. Passwords and
second-factor secrets never reach the history."""

import re

from allauth.mfa.models import Authenticator
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import Capability, Role, has_capability
from sistra.accounts.management.commands.createuser import generate_password
from sistra.accounts.models import Agency, ApiToken, User
from sistra.accounts.signals import end_user_sessions
from sistra.accounts.tokens import token_revoke
from sistra.audit.services import record_change, snapshot

from .roles import NATIONAL_ROLES, assignable_roles, is_national_admin, roles_for_agency

_USER_EXCLUDE = ("password", "last_login")
_USERNAME = re.compile(r"^[\w.@+-]{3,150}$")


# ------------------------------------------------------------------------------------------------ rules


def _check_may_manage(actor, user: User) -> None:
    """The actor administers this user: the national administrator anyone, an agency's administrator the users
    of their agency except national administrators. Not themself: their own account is changed on their own
    security page, so an administrator cannot lock themself out or raise their own role."""
    if not has_capability(actor, Capability.USER_MANAGE):
        raise PermissionDenied(_("No tiene permiso para administrar usuarios."))
    if actor.pk == user.pk:
        raise ValidationError(
            _("No puede hacer este cambio en su propia cuenta; pídaselo a otro administrador.")
        )
    if is_national_admin(actor):
        return
    if user.role == Role.SYSTEM_ADMIN or not actor.agency_id or user.agency_id != actor.agency_id:
        raise PermissionDenied(_("Solo puede administrar los usuarios de su institución."))


def _check_role(actor, agency: Agency, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": [_("Elija un rol válido.")]})
    if role in NATIONAL_ROLES and not is_national_admin(actor):
        raise PermissionDenied(
            _("Solo el administrador nacional puede dar el rol «%(role)s».") % {"role": Role(role).label}
        )
    if role not in roles_for_agency(agency):
        raise ValidationError(
            {
                "role": [
                    _("El rol «%(role)s» no corresponde a una institución de tipo «%(kind)s».")
                    % {"role": Role(role).label, "kind": agency.get_kind_display()}
                ]
            }
        )
    if role not in assignable_roles(actor, agency):
        raise PermissionDenied(_("No puede dar ese rol."))


def _locked(user: User) -> User:
    return User.objects.select_for_update(of=("self",)).select_related("agency").get(pk=user.pk)


# ------------------------------------------------------------------------------------------------ users


@transaction.atomic
def user_create(
    *,
    actor,
    agency: Agency,
    username: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> tuple[User, str]:
    """A new user of `agency` with `role` and a generated password, returned once to be handed over in person;
    it is not kept anywhere else. An agency's administrator creates users only in their own agency."""
    if not has_capability(actor, Capability.USER_MANAGE):
        raise PermissionDenied(_("No tiene permiso para administrar usuarios."))
    if not is_national_admin(actor) and agency.pk != actor.agency_id:
        raise PermissionDenied(_("Solo puede crear usuarios de su institución."))
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not _USERNAME.match(username):
        errors["username"] = [
            _("El nombre de usuario debe tener de 3 a 150 caracteres: letras, números y . @ + - _")
        ]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("Ya existe un usuario con ese nombre.")]
    if not agency.is_active:
        errors["agency"] = [_("La institución está desactivada: no se le pueden crear usuarios.")]
    if errors:
        raise ValidationError(errors)
    _check_role(actor, agency, role)
    user = User(
        username=username,
        agency=agency,
        role=role,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        email=(email or "").strip(),
        is_staff=role == Role.SYSTEM_ADMIN,
    )
    password = generate_password()
    validate_password(password, user=user)
    user.set_password(password)
    user.save()
    record_change(
        actor=actor,
        action="create",
        instance=user,
        after=snapshot(user, exclude=_USER_EXCLUDE),
        summary=_("Alta de usuario con el rol %(role)s") % {"role": Role(role).label},
    )
    return user, password


@transaction.atomic
def user_change_role(*, actor, user: User, role: str) -> User:
    _check_may_manage(actor, user)
    user = _locked(user)
    if user.agency_id is None:
        raise ValidationError(_("El usuario no pertenece a ninguna institución."))
    if user.role in NATIONAL_ROLES and not is_national_admin(actor):
        raise PermissionDenied(_("Solo el administrador nacional puede cambiar ese rol."))
    _check_role(actor, user.agency, role)
    if user.role == role:
        return user
    before = snapshot(user, exclude=_USER_EXCLUDE)
    old_label = Role(user.role).label if user.role in Role.values else user.role
    user.role = role
    user.is_staff = role == Role.SYSTEM_ADMIN
    user.save(update_fields=["role", "is_staff"])
    # a session opened under the old role would keep whatever its pages had already shown; a new role starts
    # with a new sign-in (and, where the role sees identities, a second factor)
    end_user_sessions(user)
    record_change(
        actor=actor,
        action="update",
        instance=user,
        before=before,
        after=snapshot(user, exclude=_USER_EXCLUDE),
        summary=_("Rol cambiado de %(old)s a %(new)s") % {"old": old_label, "new": Role(role).label},
    )
    return user


@transaction.atomic
def user_reset_second_factor(*, actor, user: User) -> int:
    """Delete the user's authenticators (app codes and recovery codes) and end their sessions: at the next
    sign-in they set up a second factor again. Returns how many authenticators were removed."""
    _check_may_manage(actor, user)
    user = _locked(user)
    authenticators = Authenticator.objects.filter(user_id=user.pk)
    kinds = sorted(set(authenticators.values_list("type", flat=True)))
    removed, _detail = authenticators.delete()
    end_user_sessions(user)
    record_change(
        actor=actor,
        action="update",
        instance=user,
        before={"authenticators": kinds},
        after={"authenticators": []},
        summary=_("Segundo factor restablecido"),
    )
    return removed


@transaction.atomic
def user_reset_password(*, actor, user: User) -> str:
    """A new generated password, returned once to be handed over; the user's sessions end."""
    _check_may_manage(actor, user)
    user = _locked(user)
    if not user.is_active:
        raise ValidationError(_("La cuenta está desactivada: actívela antes de darle una contraseña."))
    password = generate_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    end_user_sessions(user)
    record_change(
        actor=actor,
        action="update",
        instance=user,
        before={"password": "…"},
        after={"password": "…"},
        summary=_("Contraseña restablecida por un administrador"),
    )
    return password


def _disable(actor, user: User) -> int:
    """Disable a locked user row: the save ends every session (accounts.signals) and every token is revoked.
    Returns how many tokens were revoked."""
    before = snapshot(user, exclude=_USER_EXCLUDE)
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = 0
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        token_revoke(actor=actor, token=token)
        revoked += 1
    record_change(
        actor=actor,
        action="update",
        instance=user,
        before=before,
        after=snapshot(user, exclude=_USER_EXCLUDE),
        summary=_("Cuenta desactivada"),
    )
    return revoked


@transaction.atomic
def user_disable(*, actor, user: User) -> User:
    """The user can no longer sign in: sessions ended at once, API tokens revoked. Disabling again changes
    nothing."""
    _check_may_manage(actor, user)
    user = _locked(user)
    if user.is_active:
        _disable(actor, user)
    return user


@transaction.atomic
def user_enable(*, actor, user: User) -> User:
    _check_may_manage(actor, user)
    user = _locked(user)
    if user.is_active:
        return user
    if user.agency_id and not user.agency.is_active:
        raise ValidationError(_("La institución está desactivada: actívela antes de activar a sus usuarios."))
    before = snapshot(user, exclude=_USER_EXCLUDE)
    user.is_active = True
    user.save(update_fields=["is_active"])
    record_change(
        actor=actor,
        action="update",
        instance=user,
        before=before,
        after=snapshot(user, exclude=_USER_EXCLUDE),
        summary=_("Cuenta activada"),
    )
    return user


# --------------------------------------------------------------------------------------------- agencies

_AGENCY_FIELDS = ("name", "kind", "distrito_fiscal", "ubigeo", "parent")


def _check_agency(*, name: str, kind: str, parent: Agency | None, agency: Agency | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Indique el nombre de la institución.")]
    if kind not in Agency.Kind.values:
        errors["kind"] = [_("Elija un tipo de institución válido.")]
    if parent is not None and agency is not None:
        node = parent
        while node is not None:
            if node.pk == agency.pk:
                errors["parent"] = [_("Una institución no puede depender de sí misma ni de sus unidades.")]
                break
            node = node.parent
    return errors


@transaction.atomic
def agency_create(
    *, actor, code: str, name: str, kind: str, distrito_fiscal=None, ubigeo=None, parent: Agency | None = None
) -> Agency:
    if not is_national_admin(actor):
        raise PermissionDenied(_("Solo el administrador nacional administra instituciones."))
    code = (code or "").strip().lower()
    errors = _check_agency(name=name, kind=kind, parent=parent)
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", code) or len(code) > 40:
        errors["code"] = [
            _("El código lleva minúsculas, números y guiones (hasta 40), p. ej. «fistrap-puno».")
        ]
    elif Agency.objects.filter(code=code).exists():
        errors["code"] = [_("Ya existe una institución con ese código.")]
    if errors:
        raise ValidationError(errors)
    agency = Agency.objects.create(
        code=code, name=name.strip(), kind=kind, distrito_fiscal=distrito_fiscal, ubigeo=ubigeo, parent=parent
    )
    record_change(
        actor=actor,
        action="create",
        instance=agency,
        after=snapshot(agency),
        summary=_("Alta de institución"),
    )
    return agency


@transaction.atomic
def agency_update(*, actor, agency: Agency, **changes) -> Agency:
    """Change the name, kind, distrito fiscal, ubigeo or parent. A new kind must fit the roles its users hold."""
    if not is_national_admin(actor):
        raise PermissionDenied(_("Solo el administrador nacional administra instituciones."))
    unknown = set(changes) - set(_AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"agency_update: unknown fields {sorted(unknown)}")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    before = snapshot(agency)
    for name, value in changes.items():
        setattr(agency, name, value.strip() if isinstance(value, str) and name == "name" else value)
    errors = _check_agency(name=agency.name, kind=agency.kind, parent=agency.parent, agency=agency)
    if "kind" not in errors:
        misfits = agency.users.filter(is_active=True).exclude(role__in=roles_for_agency(agency)).count()
        if misfits:
            errors["kind"] = [
                _(
                    "%(count)s usuarios activos tienen un rol que no corresponde a ese tipo: cambie "
                    "su rol o desactívelos antes."
                )
                % {"count": misfits}
            ]
    if errors:
        raise ValidationError(errors)
    agency.save()
    after = snapshot(agency)
    if after != before:
        record_change(
            actor=actor,
            action="update",
            instance=agency,
            before=before,
            after=after,
            summary=_("Datos de la institución modificados"),
        )
    return agency


@transaction.atomic
def agency_deactivate(*, actor, agency: Agency) -> int:
    """The agency stops using SISTRA: every active user of it is disabled (sessions ended, tokens revoked). Its
    records stay. Returns how many users were disabled."""
    if not is_national_admin(actor):
        raise PermissionDenied(_("Solo el administrador nacional administra instituciones."))
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.pk == actor.agency_id:
        raise ValidationError(_("No puede desactivar la institución a la que usted pertenece."))
    if not agency.is_active:
        return 0
    before = snapshot(agency)
    agency.is_active = False
    agency.save(update_fields=["is_active"])
    disabled = 0
    for user in User.objects.select_for_update().filter(agency=agency, is_active=True):
        _disable(actor, user)
        disabled += 1
    record_change(
        actor=actor,
        action="update",
        instance=agency,
        before=before,
        after=snapshot(agency),
        summary=_("Institución desactivada (%(count)s usuarios desactivados)") % {"count": disabled},
    )
    return disabled


@transaction.atomic
def agency_reactivate(*, actor, agency: Agency) -> Agency:
    """The agency may have users again; its users stay disabled until an administrator activates each one."""
    if not is_national_admin(actor):
        raise PermissionDenied(_("Solo el administrador nacional administra instituciones."))
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.is_active:
        return agency
    before = snapshot(agency)
    agency.is_active = True
    agency.save(update_fields=["is_active"])
    record_change(
        actor=actor,
        action="update",
        instance=agency,
        before=before,
        after=snapshot(agency),
        summary=_("Institución reactivada"),
    )
    return agency
