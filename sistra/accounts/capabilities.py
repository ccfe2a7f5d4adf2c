"""Named capabilities granted to roles, checked in one place (`has_capability`)."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("Administrador del sistema")
    AGENCY_ADMIN = "agency_admin", _("Administrador de la institución")
    PROSECUTOR = "prosecutor", _("Fiscal")
    POLICE = "police", _("Investigador policial")
    HOTLINE_OPERATOR = "hotline_operator", _("Operador de línea")
    HOTLINE_SUPERVISOR = "hotline_supervisor", _("Supervisor de línea")
    HEALTH_WORKER = "health_worker", _("Personal de salud")
    CASEWORKER = "caseworker", _("Gestor de casos")
    PREVENTION_OFFICER = "prevention_officer", _("Responsable de prevención")
    ANALYST = "analyst", _("Analista")
    AUDITOR = "auditor", _("Auditor")
    DATA_STEWARD = "data_steward", _("Responsable de datos de la institución")
    NATIONAL_DATA_STEWARD = "national_data_steward", _("Responsable nacional de datos")


class Capability(StrEnum):
    CASE_VIEW = "case_view"
    CASE_CREATE = "case_create"
    CASE_EDIT = "case_edit"
    CASE_SHARE = "case_share"
    CASE_VIEW_IDENTITY = "case_view_identity"
    PERSON_VIEW = "person_view"
    PERSON_CREATE = "person_create"
    PERSON_EDIT = "person_edit"
    PERSON_VIEW_IDENTITY = "person_view_identity"
    HISTORY_VIEW = "history_view"
    DATA_IMPORT = "data_import"
    DATA_EXPORT = "data_export"
    USER_MANAGE = "user_manage"
    STATS_VIEW = "stats_view"
    AUDIT_VIEW = "audit_view"
    # hotline
    CONTACT_CREATE = "contact_create"
    CONTACT_VIEW = "contact_view"
    HOTLINE_SUPERVISE = "hotline_supervise"
    POLICE_REPORT_RECEIVE = "police_report_receive"
    # identification, assistance and referrals
    ASSISTANCE_VIEW = "assistance_view"
    ASSISTANCE_EDIT = "assistance_edit"
    REFERRAL_SEND = "referral_send"
    REFERRAL_RECEIVE = "referral_receive"
    # statistics and open data
    OPEN_DATA_PUBLISH = "open_data_publish"
    # prevention: trainings and campaigns; at-risk families (identity only for the owning agency)
    PREVENTION_VIEW = "prevention_view"
    PREVENTION_EDIT = "prevention_edit"
    FAMILY_VIEW = "family_view"
    FAMILY_VIEW_IDENTITY = "family_view_identity"
    # record linkage: review possible links of the own agency's persons / of every agency; batch runs
    LINKAGE_REVIEW = "linkage_review"
    LINKAGE_REVIEW_ALL = "linkage_review_all"
    LINKAGE_RUN = "linkage_run"


C = Capability
_CASE_WORK = {
    C.CASE_VIEW, C.CASE_CREATE, C.CASE_EDIT, C.CASE_SHARE, C.CASE_VIEW_IDENTITY,
    C.PERSON_VIEW, C.PERSON_CREATE, C.PERSON_EDIT, C.PERSON_VIEW_IDENTITY, C.HISTORY_VIEW,
}

_HOTLINE = {C.CONTACT_CREATE, C.CONTACT_VIEW, C.PERSON_VIEW, C.PERSON_CREATE, C.PERSON_VIEW_IDENTITY}
_ASSISTANCE = {C.ASSISTANCE_VIEW, C.ASSISTANCE_EDIT, C.REFERRAL_SEND, C.REFERRAL_RECEIVE}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.SYSTEM_ADMIN: frozenset({C.USER_MANAGE}),
    Role.AGENCY_ADMIN: frozenset({C.USER_MANAGE}),
    Role.PROSECUTOR: frozenset(_CASE_WORK | {C.DATA_IMPORT, C.DATA_EXPORT, C.POLICE_REPORT_RECEIVE,
                                            C.REFERRAL_SEND}),
    Role.POLICE: frozenset((_CASE_WORK - {C.CASE_SHARE}) | {C.POLICE_REPORT_RECEIVE, C.REFERRAL_SEND}),
    Role.HOTLINE_OPERATOR: frozenset(_HOTLINE | {C.REFERRAL_SEND}),
    Role.HOTLINE_SUPERVISOR: frozenset(_HOTLINE | {C.HOTLINE_SUPERVISE, C.REFERRAL_SEND, C.STATS_VIEW}),
    Role.HEALTH_WORKER: frozenset({C.PERSON_VIEW, C.PERSON_CREATE, C.PERSON_VIEW_IDENTITY, C.ASSISTANCE_VIEW,
                                   C.REFERRAL_SEND}),
    Role.CASEWORKER: frozenset({C.CASE_VIEW, C.PERSON_VIEW, C.PERSON_CREATE, C.PERSON_EDIT, C.PERSON_VIEW_IDENTITY}
                               | _ASSISTANCE | {C.DATA_IMPORT, C.DATA_EXPORT}),
    Role.PREVENTION_OFFICER: frozenset({C.STATS_VIEW, C.PREVENTION_VIEW, C.PREVENTION_EDIT, C.FAMILY_VIEW,
                                        C.FAMILY_VIEW_IDENTITY}),
    Role.ANALYST: frozenset({C.STATS_VIEW, C.CASE_VIEW, C.PERSON_VIEW, C.OPEN_DATA_PUBLISH, C.FAMILY_VIEW}),
    Role.AUDITOR: frozenset({C.AUDIT_VIEW, C.HISTORY_VIEW}),
    Role.DATA_STEWARD: frozenset({C.PERSON_VIEW, C.PERSON_VIEW_IDENTITY, C.HISTORY_VIEW, C.LINKAGE_REVIEW}),
    Role.NATIONAL_DATA_STEWARD: frozenset({C.PERSON_VIEW, C.PERSON_VIEW_IDENTITY, C.HISTORY_VIEW, C.LINKAGE_REVIEW,
                                           C.LINKAGE_REVIEW_ALL, C.LINKAGE_RUN}),
}


def has_capability(user, capability: Capability) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())
