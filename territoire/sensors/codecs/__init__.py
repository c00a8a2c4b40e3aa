"""Payload codecs of the LoRaWAN sensor hub: one instance per device model, keyed by the model
name stored on each device. See `base.Codec` for what a codec promises.
"""

from __future__ import annotations

import unicodedata

from .actuators import Uc511Codec, Ws558Codec, Ws558DoorCodec
from .base import Codec
from .bosch import Tps110Codec
from .dragino import Lds02Codec, Lwl02Codec
from .elsys import ElsysErsCodec
from .field_sensors import DlTbrgCodec, Em500SmtcCodec
from .generic import BidirectionalCounterCodec, ElectricityPulseCodec
from .milesight import Am308Codec, Em300DiCodec, Em300ThCodec, Ws302Codec

_ALL: tuple[Codec, ...] = (
    Em300ThCodec(),
    Ws302Codec(),
    Em300DiCodec(),
    Am308Codec(),
    Lwl02Codec(),
    Lds02Codec(),
    ElsysErsCodec(),
    Tps110Codec(),
    BidirectionalCounterCodec(),
    ElectricityPulseCodec(),
    Ws558Codec(),
    Ws558DoorCodec(),
    Uc511Codec(),
    Em500SmtcCodec(),
    DlTbrgCodec(),
)

CODECS: dict[str, Codec] = {codec.model: codec for codec in _ALL}
if len(CODECS) != len(_ALL):
    # Two codecs under one model name would make one of them unreachable.
    raise RuntimeError("duplicate codec model name")


def get_codec(model: str) -> Codec:
    """The codec of a device model; KeyError if the platform has none."""
    return CODECS[model]


def codec_choices() -> list[tuple[str, str]]:
    """(model, label) pairs for a form's select, sorted by label as agents read them."""
    return sorted(
        ((codec.model, codec.label) for codec in CODECS.values()),
        key=lambda choice: _sort_key(choice[1]),
    )


# What each command name means to an agent (French): forms offer these, pages show them.
COMMAND_LABELS: dict[str, str] = {
    "switch_on": "Allumer (relais fermé)",
    "switch_off": "Éteindre (relais ouvert)",
    "open_door": "Ouvrir la porte",
    "lock": "Verrouiller la porte",
    "open_valve": "Ouvrir la vanne d'arrosage",
    "close_valve": "Fermer la vanne d'arrosage",
    "set_interval": "Changer l'intervalle de mesure",
}


def command_label(command: str) -> str:
    """The French label of a command name (the name itself if the platform has no label)."""
    return COMMAND_LABELS.get(command, command)


def command_choices() -> list[tuple[str, str]]:
    """(command, label) pairs of every command some codec accepts, for a form's select."""
    names = {name for codec in CODECS.values() for name in codec.commands}
    return sorted(((n, command_label(n)) for n in names), key=lambda c: _sort_key(c[1]))


def _sort_key(text: str) -> str:
    # Accents and case must not move a label to the end of the list ("É" sorts as "E").
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
