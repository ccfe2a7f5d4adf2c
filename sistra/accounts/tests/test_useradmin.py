"""User administration: an agency's administrator manages their agency's users; the national administrator
manages agencies and every user. Services first (the rules), then the pages (the denied paths)."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from sistra.accounts.capabilities import Role
from sistra.accounts.mfa import ensure_demo_totp
from sistra.accounts.models import Agency, ApiToken, User
from sistra.accounts.tokens import token_create
from sistra.accounts.useradmin import services
from sistra.accounts.useradmin.roles import assignable_roles
from sistra.audit.models import ChangeEvent
from sistra.core.testing import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "contraseña-de-prueba-segura"  # UserFactory's


@pytest.fixture
def agency_admin(fiscalia):
    return UserFactory(username="admin.cusco", agency=fiscalia, role=Role.AGENCY_ADMIN)


@pytest.fixture
def national_admin(db):
    agency = AgencyFactory(code="mininter", name="MININTER", kind=Agency.Kind.MININTER)
    return UserFactory(username="admin.nacional", agency=agency, role=Role.SYSTEM_ADMIN)


def signed_in(user) -> Client:
    """A real sign-in, so the session has a recent authentication (every change asks for one)."""
    client = Client()
    response = client.post(reverse("login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


def changes_of(user) -> list[str]:
    return list(ChangeEvent.objects.filter(root_uuid=user.uuid).values_list("summary", flat=True))


# --- roles --------------------------------------------------------------------------------------------------


def test_an_agency_admin_may_give_only_the_roles_of_their_agency_kind(agency_admin):
    roles = assignable_roles(agency_admin, agency_admin.agency)
    assert roles == [Role.AGENCY_ADMIN, Role.PROSECUTOR]


def test_the_national_admin_may_give_the_national_roles(national_admin, fiscalia):
    roles = assignable_roles(national_admin, fiscalia)
    assert Role.SYSTEM_ADMIN in roles and Role.AUDITOR in roles and Role.CASEWORKER not in roles


# --- create -------------------------------------------------------------------------------------------------


def test_an_agency_admin_creates_a_user_of_their_agency_with_a_one_time_password(agency_admin):
    user, password = services.user_create(
        actor=agency_admin,
        agency=agency_admin.agency,
        username="fiscal.nueva",
        role=Role.PROSECUTOR,
        first_name="Ana",
        last_name="Paz",
    )
    assert user.agency == agency_admin.agency and user.role == Role.PROSECUTOR
    assert user.check_password(password) and len(password) >= 12
    event = ChangeEvent.objects.get(root_uuid=user.uuid)
    assert event.action == "create" and event.actor == agency_admin
    assert "password" not in event.after


def test_an_agency_admin_cannot_create_a_user_in_another_agency(agency_admin, other_fiscalia):
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=agency_admin, agency=other_fiscalia, username="intruso", role=Role.PROSECUTOR
        )
    assert not User.objects.filter(username="intruso").exists()


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDITOR])
def test_an_agency_admin_cannot_create_a_national_role(agency_admin, role):
    with pytest.raises(PermissionDenied):
        services.user_create(actor=agency_admin, agency=agency_admin.agency, username="escala", role=role)
    assert not User.objects.filter(username="escala").exists()


def test_a_role_foreign_to_the_agency_kind_is_refused(agency_admin):
    with pytest.raises(ValidationError) as exc:
        services.user_create(
            actor=agency_admin, agency=agency_admin.agency, username="salud", role=Role.HEALTH_WORKER
        )
    assert "role" in exc.value.message_dict


def test_a_taken_username_is_refused_whatever_its_case(agency_admin, prosecutor):
    with pytest.raises(ValidationError) as exc:
        services.user_create(
            actor=agency_admin, agency=agency_admin.agency, username="FISCAL", role=Role.PROSECUTOR
        )
    assert "username" in exc.value.message_dict


def test_a_user_of_a_deactivated_agency_cannot_be_created(national_admin, other_fiscalia):
    services.agency_deactivate(actor=national_admin, agency=other_fiscalia)
    with pytest.raises(ValidationError):
        services.user_create(
            actor=national_admin, agency=other_fiscalia, username="tarde", role=Role.PROSECUTOR
        )


def test_a_non_admin_cannot_create_users(prosecutor):
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=prosecutor, agency=prosecutor.agency, username="otro", role=Role.PROSECUTOR
        )


# --- role -----------------------------------------------------------------------------------------------------


def test_changing_the_role_is_recorded_and_ends_the_users_sessions(agency_admin, prosecutor):
    signed_in(prosecutor)
    assert sessions_of(prosecutor) == 1
    services.user_change_role(actor=agency_admin, user=prosecutor, role=Role.AGENCY_ADMIN)
    prosecutor.refresh_from_db()
    assert prosecutor.role == Role.AGENCY_ADMIN
    assert sessions_of(prosecutor) == 0
    event = ChangeEvent.objects.get(root_uuid=prosecutor.uuid)
    assert event.before["role"] == Role.PROSECUTOR and event.after["role"] == Role.AGENCY_ADMIN


def test_an_agency_admin_cannot_escalate_anyone_to_system_admin(agency_admin, prosecutor):
    with pytest.raises(PermissionDenied):
        services.user_change_role(actor=agency_admin, user=prosecutor, role=Role.SYSTEM_ADMIN)
    prosecutor.refresh_from_db()
    assert prosecutor.role == Role.PROSECUTOR


def test_an_admin_cannot_change_their_own_role(agency_admin, national_admin):
    with pytest.raises(ValidationError):
        services.user_change_role(actor=agency_admin, user=agency_admin, role=Role.PROSECUTOR)
    with pytest.raises(ValidationError):
        services.user_disable(actor=national_admin, user=national_admin)


def test_an_agency_admin_cannot_touch_another_agencys_user(agency_admin, outsider):
    for call in (
        lambda: services.user_change_role(actor=agency_admin, user=outsider, role=Role.AGENCY_ADMIN),
        lambda: services.user_disable(actor=agency_admin, user=outsider),
        lambda: services.user_reset_second_factor(actor=agency_admin, user=outsider),
        lambda: services.user_reset_password(actor=agency_admin, user=outsider),
    ):
        with pytest.raises(PermissionDenied):
            call()
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.role == Role.PROSECUTOR


def test_the_national_admin_manages_any_user(national_admin, outsider):
    services.user_change_role(actor=national_admin, user=outsider, role=Role.AUDITOR)
    outsider.refresh_from_db()
    assert outsider.role == Role.AUDITOR


# --- second factor, password ----------------------------------------------------------------------------------


def test_resetting_the_second_factor_removes_every_authenticator_and_ends_sessions(agency_admin, prosecutor):
    ensure_demo_totp(prosecutor)
    signed_in(prosecutor)
    assert Authenticator.objects.filter(user=prosecutor).count() == 2  # app codes and recovery codes
    removed = services.user_reset_second_factor(actor=agency_admin, user=prosecutor)
    assert removed == 2
    assert not Authenticator.objects.filter(user=prosecutor).exists()
    assert sessions_of(prosecutor) == 0
    assert "Segundo factor restablecido" in changes_of(prosecutor)


def test_resetting_the_password_gives_a_new_one_and_the_old_one_stops_working(agency_admin, prosecutor):
    password = services.user_reset_password(actor=agency_admin, user=prosecutor)
    prosecutor.refresh_from_db()
    assert prosecutor.check_password(password) and not prosecutor.check_password(PASSWORD)
    event = ChangeEvent.objects.get(root_uuid=prosecutor.uuid)
    assert prosecutor.password not in str(event.after)


# --- disable ------------------------------------------------------------------------------------------------


def test_disabling_ends_sessions_and_revokes_api_tokens(agency_admin, prosecutor):
    signed_in(prosecutor)
    token, _secret = token_create(actor=prosecutor, user=prosecutor, name="Integración", second_factor_verified=True)
    services.user_disable(actor=agency_admin, user=prosecutor)
    prosecutor.refresh_from_db()
    token.refresh_from_db()
    assert not prosecutor.is_active
    assert sessions_of(prosecutor) == 0
    assert token.revoked_at is not None
    assert "Cuenta desactivada" in changes_of(prosecutor)
    assert "Token de API revocado" in changes_of(prosecutor)


def test_a_disabled_user_can_be_enabled_again(agency_admin, prosecutor):
    services.user_disable(actor=agency_admin, user=prosecutor)
    services.user_enable(actor=agency_admin, user=prosecutor)
    prosecutor.refresh_from_db()
    assert prosecutor.is_active


def test_an_agency_admin_cannot_disable_the_national_admin_of_their_agency(agency_admin):
    boss = UserFactory(username="jefe", agency=agency_admin.agency, role=Role.SYSTEM_ADMIN)
    with pytest.raises(PermissionDenied):
        services.user_disable(actor=agency_admin, user=boss)


# --- agencies -----------------------------------------------------------------------------------------------


def test_the_national_admin_creates_and_edits_an_agency(national_admin):
    agency = services.agency_create(
        actor=national_admin, code="fistrap-puno", name="FISTRAP Puno", kind=Agency.Kind.FISCALIA
    )
    services.agency_update(actor=national_admin, agency=agency, name="FISTRAP Puno (sede Juliaca)")
    agency.refresh_from_db()
    assert agency.name == "FISTRAP Puno (sede Juliaca)"
    assert [e.action for e in ChangeEvent.objects.filter(root_uuid=agency.uuid).order_by("at", "id")] == [
        "create",
        "update",
    ]


def test_an_agency_code_must_be_new_and_well_formed(national_admin, fiscalia):
    for code in ("fiscalia-cusco", "Con Espacios"):
        with pytest.raises(ValidationError) as exc:
            services.agency_create(actor=national_admin, code=code, name="X", kind=Agency.Kind.NGO)
        assert "code" in exc.value.message_dict


def test_an_agency_kind_cannot_change_under_users_whose_role_would_not_fit(national_admin, prosecutor):
    with pytest.raises(ValidationError) as exc:
        services.agency_update(actor=national_admin, agency=prosecutor.agency, kind=Agency.Kind.HEALTH)
    assert "kind" in exc.value.message_dict


def test_deactivating_an_agency_disables_its_users_and_their_tokens(national_admin, prosecutor, teammate):
    token, _secret = token_create(actor=teammate, user=teammate, name="Integración", second_factor_verified=True)
    disabled = services.agency_deactivate(actor=national_admin, agency=prosecutor.agency)
    assert disabled == 2
    assert not User.objects.filter(pk__in=[prosecutor.pk, teammate.pk], is_active=True).exists()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert not Agency.objects.get(pk=prosecutor.agency_id).is_active


def test_an_agency_admin_does_not_manage_agencies(agency_admin):
    with pytest.raises(PermissionDenied):
        services.agency_create(actor=agency_admin, code="nueva", name="Nueva", kind=Agency.Kind.NGO)
    with pytest.raises(PermissionDenied):
        services.agency_deactivate(actor=agency_admin, agency=agency_admin.agency)


# --- pages ----------------------------------------------------------------------------------------------------


def test_the_user_list_shows_only_the_admins_agency(agency_admin, prosecutor, outsider):
    response = signed_in(agency_admin).get(reverse("useradmin:user_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert prosecutor.username in body and outsider.username not in body


def test_another_agencys_user_page_is_404_for_an_agency_admin(agency_admin, outsider):
    client = signed_in(agency_admin)
    assert client.get(reverse("useradmin:user_detail", args=[outsider.uuid])).status_code == 404
    assert client.post(reverse("useradmin:user_disable", args=[outsider.uuid])).status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active


@pytest.mark.parametrize("name", ["user_list", "user_create", "agency_list"])
def test_a_non_admin_is_refused_the_admin_pages(prosecutor, name):
    assert signed_in(prosecutor).get(reverse(f"useradmin:{name}")).status_code == 403


def test_a_non_admin_cannot_disable_a_colleague(prosecutor, teammate):
    response = signed_in(prosecutor).post(reverse("useradmin:user_disable", args=[teammate.uuid]))
    assert response.status_code == 403
    teammate.refresh_from_db()
    assert teammate.is_active


def test_an_agency_admin_is_refused_the_agency_pages(agency_admin):
    assert signed_in(agency_admin).get(reverse("useradmin:agency_list")).status_code == 403


def test_creating_a_user_through_the_page_shows_the_password_once(agency_admin):
    response = signed_in(agency_admin).post(
        reverse("useradmin:user_create"),
        {"username": "fiscal.web", "first_name": "Eva", "last_name": "Ríos", "role": Role.PROSECUTOR},
    )
    assert response.status_code == 200
    user = User.objects.get(username="fiscal.web")
    assert user.agency == agency_admin.agency
    assert "Cópiela ahora" in response.content.decode()


def test_the_create_page_offers_no_national_role_to_an_agency_admin(agency_admin):
    body = signed_in(agency_admin).get(reverse("useradmin:user_create")).content.decode()
    assert f'value="{Role.PROSECUTOR}"' in body
    assert f'value="{Role.SYSTEM_ADMIN}"' not in body


def test_posting_the_system_admin_role_through_the_page_is_refused(agency_admin, prosecutor):
    response = signed_in(agency_admin).post(
        reverse("useradmin:user_role", args=[prosecutor.uuid]), {"role": Role.SYSTEM_ADMIN}
    )
    assert response.status_code == 302
    prosecutor.refresh_from_db()
    assert prosecutor.role == Role.PROSECUTOR


def test_a_change_asks_for_the_password_again_when_the_login_is_not_recent(client, agency_admin, prosecutor):
    client.force_login(agency_admin)  # a session with no authentication on record
    response = client.post(reverse("useradmin:user_disable", args=[prosecutor.uuid]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    prosecutor.refresh_from_db()
    assert prosecutor.is_active


def test_the_pages_disable_reset_and_change_role(agency_admin, prosecutor):
    ensure_demo_totp(prosecutor)
    client = signed_in(agency_admin)
    client.post(reverse("useradmin:user_role", args=[prosecutor.uuid]), {"role": Role.AGENCY_ADMIN})
    client.post(reverse("useradmin:user_reset_mfa", args=[prosecutor.uuid]))
    client.post(reverse("useradmin:user_disable", args=[prosecutor.uuid]))
    prosecutor.refresh_from_db()
    assert prosecutor.role == Role.AGENCY_ADMIN and not prosecutor.is_active
    assert not Authenticator.objects.filter(user=prosecutor).exists()
    page = client.get(reverse("useradmin:user_detail", args=[prosecutor.uuid])).content.decode()
    assert "Cuenta desactivada" in page and "Segundo factor restablecido" in page


def test_the_national_admin_creates_and_deactivates_an_agency_through_the_pages(national_admin):
    client = signed_in(national_admin)
    response = client.post(
        reverse("useradmin:agency_create"),
        {"code": "ong-puno", "name": "ONG Puno", "kind": Agency.Kind.NGO, "ubigeo": "080101"},
    )
    agency = Agency.objects.get(code="ong-puno")
    assert response.status_code == 302 and agency.ubigeo_id == "080101"
    client.post(reverse("useradmin:agency_deactivate", args=[agency.uuid]))
    agency.refresh_from_db()
    assert not agency.is_active


def test_an_admin_lands_on_the_user_list(client, agency_admin):
    client.force_login(agency_admin)
    response = client.get(reverse("home"))
    assert response.url == reverse("useradmin:user_list")


def test_the_national_admin_creates_a_user_in_any_agency_through_the_page(national_admin, other_fiscalia):
    response = signed_in(national_admin).post(
        reverse("useradmin:user_create"),
        {"agency": other_fiscalia.code, "username": "fiscal.puno", "role": Role.PROSECUTOR},
    )
    assert response.status_code == 200
    assert User.objects.get(username="fiscal.puno").agency == other_fiscalia
