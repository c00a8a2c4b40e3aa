"""The seam between the charter and the participation module (not built yet).

When a new charter version is published, the governance module asks every registered
*opener* to open a public consultation on it. The participation module, once it exists,
registers one in its AppConfig.ready()::

    from territoire.governance.consultation import register_opener
    register_opener(open_charter_consultation)

where ``open_charter_consultation(version) -> Consultation | None`` creates the consultation
inside the publishing transaction and returns its reference and page address. Governance
stores them on the version and links to the page; with no opener, nothing is opened and the
charter page says so. Governance never imports the participation module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from territoire.governance.models import CharterVersion


@dataclass(frozen=True)
class Consultation:
    ref: str
    url: str


Opener = Callable[["CharterVersion"], Consultation | None]
_OPENERS: list[Opener] = []


def register_opener(opener: Opener) -> None:
    if opener not in _OPENERS:
        _OPENERS.append(opener)


def unregister_opener(opener: Opener) -> None:
    if opener in _OPENERS:
        _OPENERS.remove(opener)


def open_consultation(version: CharterVersion) -> Consultation | None:
    """The first consultation an opener opens for ``version``, or None."""
    for opener in _OPENERS:
        consultation = opener(version)
        if consultation is not None:
            return consultation
    return None
