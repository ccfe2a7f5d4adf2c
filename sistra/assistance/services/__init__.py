"""Every write of the assistance pathway, by topic (as zulip splits its actions): the case, consent,
assessments and plans, referrals, the work on a case (services, follow-ups, family) and the provider directory.
Each service checks who may do it and what makes sense across records, changes the rows in one transaction and
records the change history (root: the assistance case) in that same transaction. A refusal is a ValidationError
with a Spanish message per field; nothing is half-done. Everything public is importable from here, as before
the split (ADR 0200), and the few helpers the return services and the views share."""

from ._common import (
    CASE_EDIT_FIELDS,
    _lock_case,
    _not_before_identification,
    _require,
    _touch,
    active_consent,
    channel_for,
    decision_org_for,
)
from .cases import (
    case_close,
    case_link_criminal_case,
    case_open,
    case_reopen,
    case_set_follow_up,
    case_set_trafficking_status,
    case_update,
    open_referrals,
)
from .consent import (
    Withdrawal,
    _consent_label,
    consent_record,
    consent_withdraw,
)
from .plans import (
    assessment_record,
    goal_add,
    goal_set_status,
    plan_create,
    plan_end,
)
from .providers import (
    PROVIDER_FIELDS,
    provider_create,
    provider_update,
)
from .referrals import (
    RECEIVING_ROLES,
    check_overdue_referrals,
    overdue_alerts_raise,
    receiving_agencies,
    referral_accept,
    referral_complete,
    referral_decline,
    referral_revoke,
    referral_send,
    text_reveals_identity,
)
from .work import (
    FAMILY_FIELDS,
    _check_work_on,
    delivery_record,
    family_contact_add,
    family_contact_update,
    followup_record,
)

__all__ = [
    "CASE_EDIT_FIELDS",
    "FAMILY_FIELDS",
    "PROVIDER_FIELDS",
    "RECEIVING_ROLES",
    "Withdrawal",
    "_check_work_on",
    "_consent_label",
    "_lock_case",
    "_not_before_identification",
    "_require",
    "_touch",
    "active_consent",
    "assessment_record",
    "case_close",
    "case_link_criminal_case",
    "case_open",
    "case_reopen",
    "case_set_follow_up",
    "case_set_trafficking_status",
    "case_update",
    "channel_for",
    "check_overdue_referrals",
    "consent_record",
    "consent_withdraw",
    "decision_org_for",
    "delivery_record",
    "family_contact_add",
    "family_contact_update",
    "followup_record",
    "goal_add",
    "goal_set_status",
    "open_referrals",
    "overdue_alerts_raise",
    "plan_create",
    "plan_end",
    "provider_create",
    "provider_update",
    "receiving_agencies",
    "referral_accept",
    "referral_complete",
    "referral_decline",
    "referral_revoke",
    "referral_send",
    "text_reveals_identity",
]
