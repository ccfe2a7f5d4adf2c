"""Types shared by the typed modules (services, selectors, access functions)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from django.db.models.options import Options


class PublicRecord(Protocol):
    """A protected record: a model instance known outside by its public uuid."""

    pk: Any
    uuid: uuid.UUID

    @property
    def _meta(self) -> Options[Any]: ...
