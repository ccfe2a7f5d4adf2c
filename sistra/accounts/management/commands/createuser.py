"""`sistra createuser`: create a user of an agency with a role, from the command line."""

import secrets
import string

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import Role
from sistra.accounts.mfa import mfa_required
from sistra.accounts.models import Agency, User
from sistra.accounts.tokens import token_create
from sistra.audit.services import record_change, snapshot

_ALPHABET = string.ascii_letters + string.digits + "-_.!"


def generate_password(length: int = 20) -> str:
    """A random password with at least one lower-case letter, one capital and one digit."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


class Command(BaseCommand):
    help = _(
        "Crea un usuario de una institución con un rol. Sin --password genera una contraseña segura y la "
        "muestra una sola vez; con --token crea además un token para la API (vence en 90 días). La "
        "contraseña nunca se registra."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("Nombre de usuario."))
        parser.add_argument("--agency", required=True, help=_("Código de la institución."))
        parser.add_argument(
            "--role", required=True, help=_("Rol: %(roles)s.") % {"roles": ", ".join(Role.values)}
        )
        parser.add_argument(
            "--password",
            default=None,
            help=_("Contraseña (mínimo 12 caracteres). Si se omite, se genera una."),
        )
        parser.add_argument("--first-name", default="", help=_("Nombres."))
        parser.add_argument("--last-name", default="", help=_("Apellidos."))
        parser.add_argument("--email", default="", help=_("Correo electrónico."))
        parser.add_argument("--token", action="store_true", help=_("Crea y muestra un token para la API."))
        parser.add_argument(
            "--allow-without-mfa",
            action="store_true",
            help=_(
                "Permite crear el token de un rol que ve identidades sin segundo factor (cuentas de servicio); "
                "queda registrado."
            ),
        )

    def handle(
        self,
        *args,
        username: str,
        agency: str,
        role: str,
        password: str | None,
        first_name: str,
        last_name: str,
        email: str,
        token: bool,
        allow_without_mfa: bool = False,
        **options,
    ):
        username = username.strip()
        if not username:
            raise CommandError(_("Indique el nombre de usuario."))
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(_("Ya existe un usuario «%(username)s».") % {"username": username})
        institution = Agency.objects.filter(code=agency.strip()).first()
        if institution is None:
            raise CommandError(_("No existe una institución con el código «%(code)s».") % {"code": agency})
        if role not in Role.values:
            valid = "; ".join(f"{value} ({label})" for value, label in Role.choices)
            raise CommandError(
                _("El rol «%(role)s» no es válido. Roles válidos: %(roles)s.")
                % {"role": role, "roles": valid}
            )
        user = User(
            username=username,
            agency=institution,
            role=role,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip(),
        )
        if token and mfa_required(user) and not allow_without_mfa:
            raise CommandError(
                _(
                    "El rol %(role)s ve datos de identidad: su token de API exige la verificación en dos pasos. "
                    "Cree el usuario sin --token (el usuario creará su token en /cuenta/tokens/ tras confirmar "
                    "su segundo factor) o, para una cuenta de servicio, añada --allow-without-mfa (queda "
                    "registrado)."
                )
                % {"role": Role(role).label}
            )
        generated = password is None
        if generated:
            password = generate_password()
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise CommandError(
                _("La contraseña no es aceptable: %(reasons)s") % {"reasons": " ".join(exc.messages)}
            ) from None
        user.set_password(password)
        with transaction.atomic():
            user.save()
            # the history keeps who was created with which role, never the password hash
            record_change(
                actor=None,
                action="create",
                instance=user,
                after=snapshot(user, exclude=("password", "last_login")),
                summary=_("Alta de usuario desde la línea de comandos"),
            )
            secret = None
            if token:
                api_token, secret = token_create(
                    actor=None,
                    user=user,
                    name=_("Creado con createuser"),
                    allow_without_mfa=allow_without_mfa,
                )
        self.stdout.write(
            self.style.SUCCESS(
                _("Usuario «%(username)s» creado en %(agency)s con el rol %(role)s.")
                % {"username": username, "agency": institution.name, "role": Role(role).label}
            )
        )
        if generated:
            self.stdout.write(
                _("Contraseña generada (se muestra solo esta vez): %(password)s") % {"password": password}
            )
        if secret is not None:
            self.stdout.write(
                _("Token de la API (se muestra solo esta vez; vence el %(date)s): %(token)s")
                % {
                    "date": formats.date_format(
                        timezone.localtime(api_token.expires_at), "SHORT_DATE_FORMAT"
                    ),
                    "token": secret,
                }
            )
