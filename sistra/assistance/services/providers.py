"""The directory of service providers."""


from django.db import transaction
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor
from sistra.audit.services import record_change, snapshot
from sistra.core.validation import raise_if

from ..models import (
    Provider,
)
from ._common import C, _require

# --- provider directory -----------------------------------------------------------------------------------

PROVIDER_FIELDS = ("name", "kind", "agency", "address", "phone", "email", "notes", "is_active")


def _check_provider(errors: dict, data: dict, services, regions) -> None:
    if not (data.get("name") or "").strip():
        errors["name"] = [_("Indique el nombre del proveedor.")]
    if data.get("kind") not in Provider.Kind.values:
        errors["kind"] = [_("Indique el tipo de proveedor.")]
    if not services:
        errors["services"] = [_("Indique al menos un servicio.")]
    if not regions:
        errors["regions"] = [_("Indique al menos un departamento donde atiende.")]
    elif any(r.level != r.Level.DEPARTAMENTO for r in regions):
        errors["regions"] = [_("Indique departamentos (no provincias ni distritos).")]


@transaction.atomic
def provider_create(*, actor: Actor, services, regions, **fields) -> Provider:
    unknown = set(fields) - set(PROVIDER_FIELDS)
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    _require(actor.can(C.ASSISTANCE_EDIT))
    services, regions = list(services), list(regions)
    errors: dict = {}
    _check_provider(errors, fields, services, regions)
    raise_if(errors)
    provider = Provider.objects.create(created_by=actor, **{k: (v.strip() if isinstance(v, str) else v)
                                                            for k, v in fields.items()})
    provider.services.set(services)
    provider.regions.set(regions)
    after = snapshot(provider)
    after.update(services=sorted(s.code for s in services), regions=sorted(r.code for r in regions))
    record_change(actor=actor, action="create", instance=provider, after=after,
                  summary=_("Proveedor registrado en el directorio"))
    return provider


@transaction.atomic
def provider_update(*, actor: Actor, provider: Provider, services=None, regions=None, **fields) -> Provider:
    unknown = set(fields) - set(PROVIDER_FIELDS)
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    _require(actor.can(C.ASSISTANCE_EDIT))
    current = Provider.objects.select_for_update().get(pk=provider.pk)
    services = list(current.services.all()) if services is None else list(services)
    regions = list(current.regions.all()) if regions is None else list(regions)
    data = {name: getattr(current, name) for name in PROVIDER_FIELDS}
    data.update(fields)
    errors: dict = {}
    _check_provider(errors, data, services, regions)
    raise_if(errors)
    before = snapshot(current)
    before.update(services=sorted(current.services.values_list("code", flat=True)),
                  regions=sorted(current.regions.values_list("code", flat=True)))
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    current.save()
    current.services.set(services)
    current.regions.set(regions)
    after = snapshot(current)
    after.update(services=sorted(s.code for s in services), regions=sorted(r.code for r in regions))
    record_change(actor=actor, action="update", instance=current, before=before, after=after,
                  summary=_("Proveedor actualizado"))
    return current
