"""The agency administrator's user screen walked in a browser: create a user (the password shown once),
change their role, reset their second factor and disable the account — each confirmed and recorded — while a
user of another agency stays out of reach."""

import pytest
from allauth.mfa.models import Authenticator

from sistra.accounts.capabilities import Role
from sistra.accounts.mfa import ensure_demo_totp
from sistra.accounts.models import Agency, User
from sistra.core.testing import AgencyFactory, UserFactory

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "contraseña-de-prueba-segura"


def test_an_agency_admin_creates_re_roles_resets_and_disables_a_user(page):
    fiscalia = AgencyFactory(code="fistrap-cusco", name="FISTRAP Cusco", kind=Agency.Kind.FISCALIA)
    other = AgencyFactory(code="fistrap-lima", name="FISTRAP Lima", kind=Agency.Kind.FISCALIA)
    UserFactory(
        username="admin.cusco",
        agency=fiscalia,
        role=Role.AGENCY_ADMIN,
        first_name="Jorge",
        last_name="Cárdenas",
    )
    UserFactory(username="fiscal.lima", agency=other, role=Role.PROSECUTOR)
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions

    login(page, "admin.cusco", PASSWORD)
    # the administrator lands on their agency's users; the other agency's prosecutor is not listed
    page.wait_for_url("**/administracion/usuarios/")
    assert "fiscal.lima" not in page.locator("main").inner_text()

    # 1. create a prosecutor: the password is shown once
    page.get_by_role("link", name="Nuevo usuario").click()
    role_options = page.get_by_label("Rol").locator("option").all_inner_texts()
    assert "Administrador del sistema" not in role_options and "Auditor" not in role_options
    page.get_by_label("Nombre de usuario").fill("fiscal.nueva")
    page.get_by_label("Nombres").fill("Elena")
    page.get_by_label("Apellidos").fill("Paz Huamán")
    page.get_by_label("Rol").select_option(label="Fiscal")
    page.get_by_role("button", name="Crear usuario").click()
    password = page.locator("#password-secret").inner_text().strip()
    assert len(password) >= 12
    created = User.objects.get(username="fiscal.nueva")
    assert created.agency == fiscalia and created.check_password(password)

    # the new user sets up a second factor (here, the demo's known secret)
    ensure_demo_totp(created)

    # 2. change the role
    page.get_by_role("link", name="Ver la cuenta").click()
    assert page.locator("#user-mfa").inner_text() == "Configurado"
    page.get_by_label("Nuevo rol").select_option(label="Administrador de la institución")
    page.get_by_role("button", name="Cambiar rol").click()
    page.get_by_text("Rol actualizado").wait_for()
    assert page.locator("#user-role").inner_text() == "Administrador de la institución"

    # 3. reset the second factor
    page.get_by_role("button", name="Restablecer segundo factor").click()
    page.get_by_text("Segundo factor restablecido: al iniciar sesión").wait_for()
    assert page.locator("#user-mfa").inner_text() == "No configurado"
    assert not Authenticator.objects.filter(user=created).exists()

    # 4. disable the account
    page.get_by_role("button", name="Desactivar cuenta").click()
    page.get_by_text("Cuenta desactivada: sus sesiones se cerraron").wait_for()
    assert page.locator("#user-status").inner_text() == "Desactivado"
    created.refresh_from_db()
    assert not created.is_active and created.role == Role.AGENCY_ADMIN
    history = page.locator(".history").inner_text()
    for summary in ("Cuenta desactivada", "Segundo factor restablecido", "Rol cambiado", "Alta de usuario"):
        assert summary in history

    # the other agency's user is a 404, whatever the address typed
    outsider = User.objects.get(username="fiscal.lima")
    response = page.goto(f"/administracion/usuarios/{outsider.uuid}/")
    assert response.status == 404
