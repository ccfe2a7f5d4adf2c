import datetime
import hashlib

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from sistra.accounts.capabilities import Role
from sistra.accounts.models import ApiToken
from sistra.accounts.tokens import MAX_ACTIVE_TOKENS, hash_secret, token_create, token_revoke
from sistra.audit.models import ChangeEvent
from sistra.cases.services import case_share
from sistra.cases.testing import make_case
from sistra.core.testing import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "contraseña-de-prueba-segura"  # UserFactory's


def bearer(secret: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return client


def new_token(user, **extra) -> tuple[ApiToken, str]:
    extra.setdefault("second_factor_verified", True)
    return token_create(actor=user, user=user, name=extra.pop("name", "Integración"), **extra)


def signed_in(user) -> Client:
    """A real sign-in, so the session has a recent authentication (creating a token asks for one)."""
    client = Client()
    response = client.post(reverse("login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def signed_in_with_second_factor(user) -> Client:
    """A real sign-in with password and TOTP code: the session has a recent second factor on record."""
    from sistra.accounts.mfa import current_totp_code, ensure_demo_totp

    ensure_demo_totp(user)
    # allauth refuses a code already used (kept in the cache): another test may have used this one
    cache.clear()
    client = Client()
    response = client.post(reverse("login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(user)})
    assert response.status_code == 302
    return client


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


# --- authentication -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_a_valid_token_authenticates_as_its_user(prosecutor, keyword):
    case = make_case(actor=prosecutor)
    _token, secret = new_token(prosecutor)

    response = bearer(secret, keyword).get(f"/api/v1/cases/{case.uuid}/")

    assert response.status_code == 200
    assert response.json()["number"] == case.number


def test_through_a_token_another_agencys_case_is_404_as_on_the_pages(prosecutor, outsider):
    theirs = make_case(actor=outsider)
    _token, secret = new_token(prosecutor)
    page = Client()
    page.force_login(prosecutor)

    assert bearer(secret).get(f"/api/v1/cases/{theirs.uuid}/").status_code == 404
    assert page.get(reverse("cases:detail", args=[theirs.uuid])).status_code == 404
    assert bearer(secret).get("/api/v1/cases/").json()["results"] == []


def test_a_case_shared_with_the_agency_becomes_visible_through_the_token_too(prosecutor, outsider):
    theirs = make_case(actor=outsider)
    _token, secret = new_token(prosecutor)
    case_share(actor=outsider, case=theirs, agency=prosecutor.agency, reason="Investigación conjunta")

    assert bearer(secret).get(f"/api/v1/cases/{theirs.uuid}/").status_code == 200


@pytest.mark.parametrize("who", ["prosecutor", "outsider", "police_officer", "analyst"])
def test_a_token_answers_exactly_what_the_same_users_session_answers(request, who, prosecutor, outsider):
    user = request.getfixturevalue(who)
    case = make_case(actor=prosecutor)
    urls = ["/api/v1/cases/", f"/api/v1/cases/{case.uuid}/", "/api/v1/persons/", "/api/v1/stages/"]
    _token, secret = new_token(user)
    token_client = bearer(secret)
    session_client = APIClient()
    session_client.force_login(user)

    for url in urls:
        by_token, by_session = token_client.get(url), session_client.get(url)
        assert by_token.status_code == by_session.status_code, url
        assert by_token.content == by_session.content, url


def test_a_role_without_the_capability_is_refused_through_the_token_as_well(fiscalia):
    operator = UserFactory(username="operadora", agency=fiscalia, role=Role.HOTLINE_OPERATOR)
    _token, secret = new_token(operator)

    assert bearer(secret).get("/api/v1/cases/").status_code == 403


def test_an_expired_token_is_refused(prosecutor):
    token, secret = new_token(prosecutor)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = bearer(secret).get("/api/v1/stages/")

    assert response.status_code == 401
    assert "venció" in response.json()["detail"]


def test_a_revoked_token_is_refused_at_once(prosecutor):
    token, secret = new_token(prosecutor)
    assert bearer(secret).get("/api/v1/stages/").status_code == 200

    token_revoke(actor=prosecutor, token=token)

    response = bearer(secret).get("/api/v1/stages/")
    assert response.status_code == 401
    assert "revocado" in response.json()["detail"]


@pytest.mark.parametrize("header", [
    "Bearer desconocido-0123456789abcdef0123456789abcdef",
    "Bearer",
    "Bearer dos partes",
])
def test_an_unknown_or_malformed_token_is_refused(prosecutor, header):
    new_token(prosecutor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/stages/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_an_inactive_user_is_refused(prosecutor):
    _token, secret = new_token(prosecutor)
    prosecutor.is_active = False
    prosecutor.save()

    assert bearer(secret).get("/api/v1/stages/").status_code == 401


def test_the_secret_is_not_stored_only_its_hash(prosecutor):
    token, secret = new_token(prosecutor)
    token.refresh_from_db()

    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.key_prefix == secret[:8]
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().first().values()]
    assert not any(secret in value for value in stored)
    event = ChangeEvent.objects.get(object_uuid=token.uuid)
    assert secret not in str(event.after) and token.key_hash not in str(event.after)


def test_last_use_is_written_at_most_once_a_minute(prosecutor):
    token, secret = new_token(prosecutor)
    client = bearer(secret)
    assert token.last_used_at is None

    client.get("/api/v1/stages/")
    token.refresh_from_db()
    first = token.last_used_at
    client.get("/api/v1/stages/")
    token.refresh_from_db()

    assert first is not None and token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get("/api/v1/stages/")
    token.refresh_from_db()
    assert token.last_used_at > first


# --- services -----------------------------------------------------------------------------------------------


def test_a_new_token_expires_in_90_days_by_default(prosecutor):
    token, _secret = new_token(prosecutor)

    assert timezone.localdate(token.expires_at) == in_days(90)
    assert token.status == ApiToken.Status.ACTIVE


def test_a_token_may_last_a_year_at_most(prosecutor):
    with pytest.raises(ValidationError) as exc:
        new_token(prosecutor, expires_at=timezone.now() + datetime.timedelta(days=366))

    assert "como máximo 365 días" in str(exc.value)
    assert not ApiToken.objects.exists()
    token, _ = new_token(prosecutor, expires_at=timezone.now() + datetime.timedelta(days=365))
    assert token.pk


def test_a_token_must_expire_in_the_future_and_have_a_name(prosecutor):
    with pytest.raises(ValidationError) as exc:
        token_create(actor=prosecutor, user=prosecutor, name="  ",
                     expires_at=timezone.now() - datetime.timedelta(hours=1))

    assert set(exc.value.message_dict) == {"name", "expires_at"}
    assert not ApiToken.objects.exists()


def test_nobody_creates_a_token_for_someone_else(prosecutor, teammate):
    admin = UserFactory(username="admin", agency=prosecutor.agency, role=Role.AGENCY_ADMIN)
    for actor in (teammate, admin):
        with pytest.raises(PermissionDenied):
            token_create(actor=actor, user=prosecutor, name="Ajeno")
    assert not ApiToken.objects.exists()


def test_an_agency_administrator_may_revoke_a_token_of_their_agency_but_not_of_another(prosecutor, outsider):
    admin = UserFactory(username="admin", agency=prosecutor.agency, role=Role.AGENCY_ADMIN)
    mine, _ = new_token(prosecutor)
    theirs, _ = new_token(outsider)

    token_revoke(actor=admin, token=mine)
    with pytest.raises(PermissionDenied):
        token_revoke(actor=admin, token=theirs)
    with pytest.raises(PermissionDenied):
        token_revoke(actor=prosecutor, token=theirs)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == ApiToken.Status.REVOKED
    assert theirs.status == ApiToken.Status.ACTIVE


def test_the_number_of_active_tokens_is_limited(prosecutor):
    for n in range(MAX_ACTIVE_TOKENS):
        new_token(prosecutor, name=f"Token {n}")

    with pytest.raises(ValidationError, match="revoque alguno"):
        new_token(prosecutor, name="Uno más")
    assert ApiToken.objects.filter(user=prosecutor).count() == MAX_ACTIVE_TOKENS


def test_creating_and_revoking_write_history_rooted_at_the_user(prosecutor):
    token, _secret = new_token(prosecutor)
    token_revoke(actor=prosecutor, token=token)
    token_revoke(actor=prosecutor, token=token)  # a second revocation changes nothing

    events = list(ChangeEvent.objects.filter(model="accounts.apitoken").order_by("id"))
    assert [e.action for e in events] == ["create", "update"]
    assert all(e.root_model == "accounts.user" and e.root_uuid == prosecutor.uuid for e in events)
    assert all(e.actor == prosecutor for e in events)
    assert events[0].after["name"] == "Integración"
    assert events[1].before["revoked_at"] is None and events[1].after["revoked_at"]


# --- the page -----------------------------------------------------------------------------------------------


def test_the_page_lists_only_the_users_own_tokens(client, prosecutor, teammate):
    new_token(prosecutor, name="Central telefónica")
    new_token(teammate, name="Script del colega")
    client.force_login(prosecutor)

    response = client.get(reverse("account_api_tokens"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Central telefónica" in page
    assert "Script del colega" not in page
    assert [t.name for t in response.context["tokens"]] == ["Central telefónica"]


def test_the_page_shows_each_tokens_status(client, prosecutor):
    revoked, _ = new_token(prosecutor, name="Viejo")
    token_revoke(actor=prosecutor, token=revoked)
    expired, _ = new_token(prosecutor, name="Vencido")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    new_token(prosecutor, name="Actual")
    client.force_login(prosecutor)

    page = client.get(reverse("account_api_tokens")).content.decode()

    assert "Revocado" in page and "Vencido" in page and "Vigente" in page
    assert page.count(">Revocar<") == 1  # only the active one can be revoked


def test_the_security_page_links_to_the_tokens(client, prosecutor):
    client.force_login(prosecutor)

    assert reverse("account_api_tokens") in client.get(reverse("mfa_index")).content.decode()


def test_the_token_page_is_for_signed_in_users_only(client, db):
    response = client.get(reverse("account_api_tokens"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_creating_a_token_asks_for_the_password_again_when_the_login_is_not_recent(client, prosecutor):
    client.force_login(prosecutor)  # a session with no authentication on record

    response = client.post(reverse("account_api_token_create"), {"name": "Nuevo", "expires_on": in_days(30)})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ApiToken.objects.exists()


def test_creating_a_token_shows_its_secret_once_and_the_secret_works(prosecutor):
    client = signed_in_with_second_factor(prosecutor)

    response = client.post(reverse("account_api_token_create"),
                           {"name": "Central telefónica", "expires_on": in_days(30).isoformat()})

    assert response.status_code == 200
    secret = response.context["secret"]
    token = ApiToken.objects.get(user=prosecutor)
    assert token.key_hash == hash_secret(secret)
    assert timezone.localdate(token.expires_at) == in_days(30)
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert secret not in client.get(reverse("account_api_tokens")).content.decode()
    assert bearer(secret).get("/api/v1/stages/").status_code == 200


def test_a_token_beyond_a_year_is_refused_on_the_page_with_a_message(prosecutor):
    client = signed_in_with_second_factor(prosecutor)

    response = client.post(reverse("account_api_token_create"), {"name": "Largo", "expires_on": in_days(400)})

    assert response.status_code == 422
    assert "como máximo 365 días" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_user_revokes_their_own_token_from_the_page(client, prosecutor):
    token, secret = new_token(prosecutor)
    client.force_login(prosecutor)

    response = client.post(reverse("account_api_token_revoke", args=[token.uuid]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(secret).get("/api/v1/stages/").status_code == 401


def test_revoking_someone_elses_token_is_404_and_changes_nothing(client, prosecutor, teammate):
    theirs, secret = new_token(teammate)
    client.force_login(prosecutor)

    response = client.post(reverse("account_api_token_revoke", args=[theirs.uuid]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert bearer(secret).get("/api/v1/stages/").status_code == 200


def test_revoking_needs_a_post(client, prosecutor):
    token, _ = new_token(prosecutor)
    client.force_login(prosecutor)

    assert client.get(reverse("account_api_token_revoke", args=[token.uuid])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


# --- a second factor for tokens of roles that see identities ------------------------------------------------


def test_an_identity_roles_token_after_a_password_only_sign_in_asks_for_the_second_factor(prosecutor):
    from sistra.accounts.mfa import current_totp_code, ensure_demo_totp

    ensure_demo_totp(prosecutor)
    client = Client()
    client.force_login(prosecutor)
    # a recent password, but no second factor in this session
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302

    response = client.post(reverse("account_api_token_create"), {"name": "Nuevo", "expires_on": in_days(30)})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not ApiToken.objects.exists()
    # after the code, allauth resumes the very POST: the token is created
    cache.clear()  # allauth refuses a code already used (kept in the cache)
    resumed = client.post(response["Location"], {"code": current_totp_code(prosecutor)})
    assert resumed.status_code == 200 and resumed.context["secret"]
    assert ApiToken.objects.filter(user=prosecutor, name="Nuevo").exists()


def test_an_identity_role_without_a_second_factor_is_sent_to_set_one_up(prosecutor):
    client = signed_in(prosecutor)

    response = client.post(reverse("account_api_token_create"), {"name": "Nuevo", "expires_on": in_days(30)})

    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    assert not ApiToken.objects.exists()


def test_a_role_that_sees_no_identity_needs_no_second_factor_for_a_token(fiscalia):
    analyst = UserFactory(username="analista", agency=fiscalia, role=Role.ANALYST)
    client = signed_in(analyst)

    response = client.post(reverse("account_api_token_create"), {"name": "BI", "expires_on": in_days(30)})

    assert response.status_code == 200 and ApiToken.objects.filter(user=analyst).exists()


def test_the_service_refuses_an_identity_roles_token_without_a_second_factor_check(prosecutor):
    with pytest.raises(ValidationError) as exc:
        token_create(actor=prosecutor, user=prosecutor, name="Sin código")
    assert "verificación en dos pasos" in str(exc.value)
    assert not ApiToken.objects.exists()


def test_a_service_account_token_without_mfa_is_marked_in_the_history_and_the_log(prosecutor, caplog):
    token, _secret = token_create(actor=None, user=prosecutor, name="Integración", allow_without_mfa=True)

    event = ChangeEvent.objects.get(model="accounts.apitoken", action="create")
    assert event.after["without_second_factor"] is True
    assert "sin segundo factor" in event.summary
    assert any("without a second factor" in r.getMessage() for r in caplog.records)
