"""Receivers that keep sessions honest: login time, MFA passed in this session, a disabled user signed out
everywhere at once. Connected in AccountsConfig.ready()."""

import logging
import time
from importlib import import_module

from allauth.mfa import signals as mfa_signals
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from .mfa import SECOND_FACTOR_TYPES, mark_session_verified
from .middleware import LAST_ACTIVITY_KEY, LOGIN_AT_KEY

logger = logging.getLogger("sistra.security")


def end_user_sessions(user) -> int:
    """Delete every stored session of `user`; returns how many. Sessions live in the database (the default
    engine), so they are read and decoded one by one — rare enough (a user is disabled) to afford it."""
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    if not hasattr(store_class, "get_model_class"):
        # cache or cookie sessions cannot be listed; the authentication backends refuse an inactive user
        # on their next request anyway
        logger.warning("Session engine %s cannot end sessions of a disabled user", settings.SESSION_ENGINE)
        return 0
    model = store_class.get_model_class()
    user_id = str(user.pk)
    keys = []
    for session in model.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(store_class().decode(session.session_data).get(SESSION_KEY)) == user_id:
            keys.append(session.session_key)
    for key in keys:
        # through the store, so a cached_db cache forgets them too
        store_class(key).delete()
    return len(keys)


def remember_deactivation(sender, instance, update_fields=None, **kwargs) -> None:
    instance._sistra_deactivated = False
    if instance.pk is None or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    was_active = sender._default_manager.filter(pk=instance.pk, is_active=True).exists()
    instance._sistra_deactivated = was_active


def end_sessions_of_deactivated_user(sender, instance, created=False, **kwargs) -> None:
    if created or not getattr(instance, "_sistra_deactivated", False):
        return
    instance._sistra_deactivated = False
    ended = end_user_sessions(instance)
    logger.info("User %s disabled: %d session(s) ended", instance.uuid, ended)


def start_session_clock(sender, request, user, **kwargs) -> None:
    now = time.time()
    request.session[LOGIN_AT_KEY] = now
    request.session[LAST_ACTIVITY_KEY] = now


def second_factor_used(sender, request, user, authenticator, **kwargs) -> None:
    # at login (before the session is the user's: the mark survives login's key rotation), on
    # re-authentication, with a recovery code, or a passkey that signs in by itself (with its PIN or
    # fingerprint); the type is kept, since only a passkey counts for an administrator
    if request is not None:
        mark_session_verified(request, user, authenticator.type)


def second_factor_added(sender, request, user, authenticator, **kwargs) -> None:
    # adding an authenticator means typing a valid code from it, or answering the passkey ceremony with the
    # device, in this session
    if request is not None and authenticator.type in SECOND_FACTOR_TYPES:
        mark_session_verified(request, user, authenticator.type)
    logger.info("User %s added a %s authenticator", user.uuid, authenticator.type)


def second_factor_removed(sender, request, user, authenticator, **kwargs) -> None:
    logger.info("User %s removed a %s authenticator", user.uuid, authenticator.type)


def connect() -> None:
    from .models import User

    pre_save.connect(remember_deactivation, sender=User, dispatch_uid="sistra.accounts.remember_deactivation")
    post_save.connect(end_sessions_of_deactivated_user, sender=User,
                      dispatch_uid="sistra.accounts.end_sessions_of_deactivated_user")
    auth_signals.user_logged_in.connect(start_session_clock, dispatch_uid="sistra.accounts.start_session_clock")
    mfa_signals.authenticator_used.connect(second_factor_used, dispatch_uid="sistra.accounts.second_factor_used")
    mfa_signals.authenticator_added.connect(second_factor_added,
                                            dispatch_uid="sistra.accounts.second_factor_added")
    mfa_signals.authenticator_removed.connect(second_factor_removed,
                                              dispatch_uid="sistra.accounts.second_factor_removed")
