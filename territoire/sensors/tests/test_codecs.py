"""Payload codecs: vendor test vectors (reference/iot.md §3), hand-computed frames for the
layouts without published vectors, encoders, declarations, and fuzzing of every codec.

Pure logic: no database.
"""

import base64
import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territoire.sensors.codecs import CODECS, codec_choices, get_codec
from territoire.sensors.codecs.base import Codec, DecodeError, EncodeError, Kind
from territoire.sensors.codecs.elsys import TYPES, ElsysErsCodec
from territoire.sensors.codecs.milesight import HOUSEKEEPING, MilesightCodec

EM300_TH = get_codec("milesight-em300-th")
WS302 = get_codec("milesight-ws302")
EM300_DI = get_codec("milesight-em300-di")
AM308 = get_codec("milesight-am308")
ELECTRICITY = get_codec("generic-electricity-pulse")
LWL02 = get_codec("dragino-lwl02")
LDS02 = get_codec("dragino-lds02")
ELSYS = get_codec("elsys-ers")
TPS110 = get_codec("bosch-tps110")
COUNTER = get_codec("generic-bidirectional-counter")


def u24(value: int) -> bytes:
    """A big-endian uint24, which struct has no format for."""
    return struct.pack(">I", value)[1:]


# --- Milesight EM300-TH -------------------------------------------------------------------


def test_em300_th_vendor_vector():
    """iot.md §3.2: battery 92 %, 30.8 °C, 50.5 %HR."""
    values = EM300_TH.decode(85, bytes.fromhex("01755C03673401046865"))
    assert values == {"battery": 92, "temperature": 30.8, "humidite": 50.5}


def test_em300_th_negative_temperature():
    assert EM300_TH.decode(85, bytes.fromhex("0367F6FF")) == {"temperature": -1.0}


def test_em300_th_skips_device_info_history_and_interval_echo():
    """Records without a measurement are stepped over by their length, whatever they hold."""
    payload = b"".join(
        [
            b"\xff\x0b\xff",  # device status
            b"\xff\x01\x01",  # protocol version
            b"\xff\x16" + bytes(range(8)),  # serial number
            b"\xff\x09\x01\x40",  # hardware version
            b"\x20\xce" + struct.pack("<IhBx", 1_700_000_000, 215, 90),  # history record
            b"\xfe\x03" + struct.pack("<H", 1200),  # echo of a set_interval downlink
            b"\x03\x67" + struct.pack("<h", 195),
        ]
    )
    assert EM300_TH.decode(85, payload) == {"temperature": 19.5}


def test_em300_th_ignores_the_fport():
    """The application port is a device setting; the bytes alone say what they are."""
    assert EM300_TH.decode(1, bytes.fromhex("01755C")) == {"battery": 92}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("0575 01", "Enregistrement inconnu : canal 0x05, type 0x75"),
        ("0367 34", "Trame trop courte"),
        ("01755C 03", "en-tête incomplet"),
        ("20CE 0102030405", "Trame trop courte"),
        ("0175 FF", "batterie hors plage"),
    ],
)
def test_em300_th_malformed(payload, message):
    with pytest.raises(DecodeError, match=message):
        EM300_TH.decode(85, bytes.fromhex(payload))


def test_empty_frame_and_bad_fport_are_decode_errors():
    with pytest.raises(DecodeError, match="Trame vide"):
        EM300_TH.decode(85, b"")
    with pytest.raises(DecodeError, match="Port LoRaWAN invalide"):
        EM300_TH.decode(0, bytes.fromhex("01755C"))


# --- Milesight WS302 ----------------------------------------------------------------------


def test_ws302_vendor_vector():
    """iot.md §3.2 (and the TTS example of §2.2): A-weighted, fast."""
    values = WS302.decode(85, bytes.fromhex("017564055B053F02DA016A02"))
    assert values == {"battery": 100, "laf": 57.5, "laeq": 47.4, "lafmax": 61.8}


def test_ws302_other_weightings_get_their_own_names():
    c_slow = 2 | (2 << 2)
    payload = b"\x05\x5b" + struct.pack("<BHHH", c_slow, 700, 650, 812)
    assert WS302.decode(85, payload) == {"lcs": 70.0, "lceq": 65.0, "lcsmax": 81.2}
    z_impulse = 0
    payload = b"\x05\x5b" + struct.pack("<BHHH", z_impulse, 500, 480, 600)
    assert WS302.decode(85, payload) == {"lzi": 50.0, "lzeq": 48.0, "lzimax": 60.0}


def test_ws302_unknown_weighting():
    payload = b"\x05\x5b" + struct.pack("<BHHH", 3 | (1 << 2), 1, 1, 1)
    with pytest.raises(DecodeError, match="Pondération inconnue"):
        WS302.decode(85, payload)


def test_ws302_declares_every_sound_level_as_decibels():
    sound = [q for q in WS302.quantities if q.kind == Kind.SOUND_LEVEL]
    assert {"laf", "laeq", "lafmax", "lcs", "lzimax"} <= {q.name for q in sound}
    assert len(sound) == 3 * 3 * 2 + 3  # L and Lmax per weighting pair, Leq per frequency
    assert {q.unit for q in sound} == {"dB"}


# --- Milesight EM300-DI -------------------------------------------------------------------


def test_em300_di_chirpstack_example():
    """iot.md §2.1: the `data` of the ChirpStack uplink example."""
    values = EM300_DI.decode(85, base64.b64decode("AXVcBcgQJwAA"))
    assert values == {"battery": 92, "impulsions": 10000}


def test_em300_di_vendor_vector_with_history():
    """Vendor README example: the 13-byte history record is skipped, the rest read."""
    payload = bytes.fromhex("01755C 03673401 046865 20CE9E74466310015D020000010000")
    assert EM300_DI.decode(85, payload) == {"battery": 92, "temperature": 30.8, "humidite": 50.5}


def test_em300_di_gpio_and_gpio_alarm():
    assert EM300_DI.decode(85, bytes.fromhex("050001")) == {"gpio": 1}
    assert EM300_DI.decode(85, bytes.fromhex("85000100")) == {"gpio": 1, "alarme_gpio": 0}
    with pytest.raises(DecodeError, match="gpio"):
        EM300_DI.decode(85, bytes.fromhex("050002"))


def test_em300_di_water_volume():
    payload = b"\x05\xe1" + struct.pack("<HHf", 10, 10, 1234.5)
    assert EM300_DI.decode(85, payload) == {"eau": 1234.5}


@pytest.mark.parametrize(
    ("alarm", "expected"),
    [
        (1, {"alarme_coupure": 1}),
        (2, {"alarme_coupure": 0}),
        (3, {"alarme_debit": 1}),
        (4, {"alarme_debit": 0}),
    ],
)
def test_em300_di_water_alarms(alarm, expected):
    payload = b"\x85\xe1" + struct.pack("<HHfB", 10, 10, 42.0, alarm)
    assert EM300_DI.decode(85, payload) == {"eau": 42.0, **expected}


def test_em300_di_unknown_water_alarm():
    payload = b"\x85\xe1" + struct.pack("<HHfB", 10, 10, 42.0, 9)
    with pytest.raises(DecodeError, match="Alarme d'eau inconnue"):
        EM300_DI.decode(85, payload)


@pytest.mark.parametrize("water", [math.nan, math.inf, -math.inf])
def test_em300_di_non_finite_water_is_refused(water):
    payload = b"\x05\xe1" + struct.pack("<HHf", 10, 10, water)
    with pytest.raises(DecodeError, match="non finie"):
        EM300_DI.decode(85, payload)


def test_em300_di_skips_both_history_versions():
    history_v1 = b"\x20\xce" + bytes(13)
    history_v2 = b"\x21\xce" + bytes(18)
    pulses = b"\x05\xc8" + struct.pack("<I", 77)
    assert EM300_DI.decode(85, history_v1 + history_v2 + pulses) == {"impulsions": 77}


# --- Electricity meter on an EM300-DI -----------------------------------------------------


def test_electricity_pulses_are_watt_hours():
    values = ELECTRICITY.decode(85, base64.b64decode("AXVcBcgQJwAA"))
    assert values == {"battery": 92, "energie": 10000}
    assert ELECTRICITY.quantity("energie").unit == "Wh"
    assert ELECTRICITY.quantity("energie").kind == Kind.COUNTER


def test_electricity_refuses_water_mode():
    payload = b"\x05\xe1" + struct.pack("<HHf", 10, 10, 1.0)
    with pytest.raises(DecodeError, match="mode compteur d'impulsions"):
        ELECTRICITY.decode(85, payload)
    names = {q.name for q in ELECTRICITY.quantities}
    assert "eau" not in names and "impulsions" not in names


# --- Milesight AM308 (subset) -------------------------------------------------------------


def test_am308_vendor_vector():
    """Vendor README example (AM300 v2 series): records outside the subset are skipped."""
    payload = bytes.fromhex(
        "0367EE00 04687C 050001 06CB02 077DA803 087D2500 09736627 0A7D0400 0B7D2000 0C7D3000"
    )
    assert AM308.decode(85, payload) == {
        "temperature": 23.8,
        "humidite": 62.0,
        "co2": 936,
        "pression": 1008.6,
        "pm2_5": 32,
        "pm10": 48,
    }


def test_am308_hand_computed():
    payload = b"".join(
        [
            b"\x01\x75\x55",
            b"\x0b\x7d" + struct.pack("<H", 12),
            b"\x0c\x7d" + struct.pack("<H", 25),
            b"\x07\x7d" + struct.pack("<H", 1250),
        ]
    )
    assert AM308.decode(85, payload) == {"battery": 85, "pm2_5": 12, "pm10": 25, "co2": 1250}


# --- Dragino LWL02 / LDS02 ----------------------------------------------------------------


def dragino_frame(
    *, flags: int, battery_mv: int, mode: int, events: int, minutes: int, alarm: int
) -> bytes:
    return (
        struct.pack(">HB", flags | battery_mv, mode)
        + u24(events)
        + u24(minutes)
        + struct.pack(">B", alarm)
    )


def test_lwl02_leak():
    payload = dragino_frame(
        flags=1 << 14, battery_mv=3012, mode=2, events=70_000, minutes=15, alarm=1
    )
    assert LWL02.decode(10, payload) == {
        "fuite": 1,
        "batterie_mv": 3012,
        "evenements": 70_000,
        "duree_dernier_evenement": 15,
        "alarme": 1,
    }


def test_lds02_door_closed_ignores_the_leak_bit():
    payload = dragino_frame(flags=1 << 14, battery_mv=2950, mode=1, events=12, minutes=3, alarm=0)
    assert LDS02.decode(10, payload) == {
        "porte_ouverte": 0,
        "batterie_mv": 2950,
        "evenements": 12,
        "duree_dernier_evenement": 3,
        "alarme": 0,
    }


def test_lds02_door_open():
    payload = dragino_frame(flags=1 << 15, battery_mv=2950, mode=3, events=13, minutes=0, alarm=0)
    assert LDS02.decode(10, payload)["porte_ouverte"] == 1


@pytest.mark.parametrize(
    ("f_port", "payload", "message"),
    [
        (2, bytes(10), "Port inattendu"),
        (10, bytes(9), "Trame trop courte"),
        (10, bytes(11), "Trame trop longue"),
        (
            10,
            dragino_frame(flags=0, battery_mv=3000, mode=1, events=0, minutes=0, alarm=0),
            "Mode inattendu",
        ),
    ],
)
def test_lwl02_malformed(f_port, payload, message):
    with pytest.raises(DecodeError, match=message):
        LWL02.decode(f_port, payload)


# --- Elsys ERS ----------------------------------------------------------------------------


def test_elsys_all_types():
    payload = (
        struct.pack(">Bh", 0x01, -25)  # -2.5 °C
        + struct.pack(">BB", 0x02, 45)
        + struct.pack(">BH", 0x04, 320)
        + struct.pack(">BB", 0x05, 3)
        + struct.pack(">BH", 0x06, 812)
        + struct.pack(">BH", 0x07, 3620)
        + struct.pack(">BH", 0x0A, 7)  # relative pulses: left out
        + struct.pack(">BI", 0x0B, 123_456)
        + struct.pack(">BB", 0x11, 2)
        + struct.pack(">BB", 0x12, 0)
        + struct.pack(">BI", 0x14, 1_013_250)
        + struct.pack(">BBB", 0x15, 72, 54)
        + struct.pack(">BH", 0x1C, 150)
    )
    assert ELSYS.decode(5, payload) == {
        "temperature": -2.5,
        "humidite": 45,
        "luminosite": 320,
        "mouvements": 3,
        "co2": 812,
        "batterie_mv": 3620,
        "impulsions": 123_456,
        "occupation": 1,
        "fuite": 0,
        "pression": 1013.25,
        "bruit_crete": 72,
        "bruit_moyen": 54,
        "cov": 150,
    }


@pytest.mark.parametrize(("raw", "occupied"), [(0, 0), (1, 0), (2, 1)])
def test_elsys_only_confirmed_occupancy_counts(raw, occupied):
    assert ELSYS.decode(5, struct.pack(">BB", 0x11, raw)) == {"occupation": occupied}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (struct.pack(">BB", 0x03, 0), "Type de donnée inconnu : 0x03"),
        (struct.pack(">BB", 0x01, 0), "Trame trop courte"),
        (struct.pack(">BB", 0x11, 3), "occupation"),
    ],
)
def test_elsys_malformed(payload, message):
    with pytest.raises(DecodeError, match=message):
        ELSYS.decode(5, payload)


# --- Bosch TPS110 -------------------------------------------------------------------------


def test_tps110_vendor_vectors():
    """iot.md §3.5 (TTN device repository examples)."""
    assert TPS110.decode(1, bytes([1])) == {"occupation": 1}
    assert TPS110.decode(2, bytes([1, 255])) == {"occupation": 1, "temperature": -1}


def test_tps110_heartbeat_without_temperature():
    assert TPS110.decode(2, bytes([0])) == {"occupation": 0}


def test_tps110_startup_reads_byte_16():
    payload = bytes(12) + bytes([1, 2, 3]) + bytes([0x02]) + bytes([0x01])
    assert TPS110.decode(3, payload) == {"occupation": 1}
    assert TPS110.decode(3, payload + b"\xff") == {"occupation": 1}


@pytest.mark.parametrize("f_port", [4, 5, 6])
def test_tps110_information_frames_carry_no_measurement(f_port):
    assert TPS110.decode(f_port, bytes([1, 2, 3])) == {}


@pytest.mark.parametrize(
    ("f_port", "payload", "message"),
    [
        (7, bytes([1]), "Port inattendu"),
        (1, bytes([1, 0]), "Trame trop longue"),
        (2, bytes([1, 0, 0]), "Trame trop longue"),
        (3, bytes(16), "Trame trop courte"),
    ],
)
def test_tps110_malformed(f_port, payload, message):
    with pytest.raises(DecodeError, match=message):
        TPS110.decode(f_port, payload)


# --- Generic bidirectional counter --------------------------------------------------------


def test_counter_with_battery():
    values = COUNTER.decode(1, struct.pack(">IIB", 1500, 1320, 87))
    assert values == {"passages_entree": 1500, "passages_sortie": 1320, "battery": 87}


def test_counter_without_battery():
    values = COUNTER.decode(1, struct.pack(">II", 2**32 - 1, 0))
    assert values == {"passages_entree": 2**32 - 1, "passages_sortie": 0}


@pytest.mark.parametrize(
    ("f_port", "payload", "message"),
    [
        (2, struct.pack(">II", 1, 2), "Port inattendu"),
        (1, struct.pack(">IH", 1, 2), "Longueur de trame inattendue"),
        (1, struct.pack(">IIB", 1, 2, 101), "batterie hors plage"),
    ],
)
def test_counter_malformed(f_port, payload, message):
    with pytest.raises(DecodeError, match=message):
        COUNTER.decode(f_port, payload)


# --- Encoders -----------------------------------------------------------------------------


@pytest.mark.parametrize("codec", [EM300_TH, EM300_DI, ELECTRICITY], ids=lambda c: c.model)
def test_set_interval(codec):
    assert "set_interval" in codec.commands
    assert codec.encode("set_interval", seconds=1200) == (85, bytes.fromhex("FF03B004"))
    assert codec.encode("set_interval", seconds=1) == (85, bytes.fromhex("FF030100"))
    assert codec.encode("set_interval", seconds=64800) == (85, bytes.fromhex("FF0320FD"))


@pytest.mark.parametrize(
    "params",
    [
        {"seconds": 0},
        {"seconds": 64801},
        {"seconds": -5},
        {"seconds": "1200"},
        {"seconds": 12.5},
        {"seconds": True},
        {},
        {"seconds": 60, "minutes": 1},
    ],
)
def test_set_interval_refuses_bad_parameters(params):
    with pytest.raises(EncodeError):
        EM300_TH.encode("set_interval", **params)


def test_unknown_command():
    with pytest.raises(EncodeError, match="Commande inconnue"):
        EM300_TH.encode("reboot")


@pytest.mark.parametrize(
    "codec", [c for c in CODECS.values() if not c.commands], ids=lambda c: c.model
)
def test_codecs_without_commands(codec):
    with pytest.raises(EncodeError, match="ne prend pas de commande"):
        codec.encode("set_interval", seconds=1200)


@given(st.integers(min_value=1, max_value=64800))
def test_set_interval_round_trip(seconds):
    f_port, payload = EM300_TH.encode("set_interval", seconds=seconds)
    assert f_port == 85
    assert struct.unpack("<BBH", payload) == (0xFF, 0x03, seconds)


# --- Registry and declarations ------------------------------------------------------------


def test_registry():
    assert set(CODECS) >= {
        "milesight-em300-th",
        "milesight-ws302",
        "milesight-em300-di",
        "milesight-am308",
        "dragino-lwl02",
        "dragino-lds02",
        "elsys-ers",
        "bosch-tps110",
        "generic-bidirectional-counter",
        "generic-electricity-pulse",
    }
    with pytest.raises(KeyError):
        get_codec("no-such-model")
    choices = codec_choices()
    assert sorted(model for model, _ in choices) == sorted(CODECS)
    labels = [label for _, label in choices]
    assert labels.index("Compteur bidirectionnel générique (piétons, vélos)") < labels.index(
        "Dragino LDS02 (capteur d'ouverture de porte)"
    )


@pytest.mark.parametrize("codec", CODECS.values(), ids=lambda c: c.model)
def test_declarations(codec: Codec):
    assert CODECS[codec.model] is codec
    assert codec.label and codec.default_interval_s > 0
    names = [q.name for q in codec.quantities]
    assert len(names) == len(set(names)), "quantity names must be unique"
    for quantity in codec.quantities:
        assert quantity.name.isidentifier() and quantity.name == quantity.name.lower()
        assert len(quantity.name) <= 50  # Series.quantity column
        assert quantity.unit
        assert quantity.label[0].isupper() and quantity.label != quantity.name
        assert isinstance(quantity.kind, Kind)
        if quantity.kind == Kind.SOUND_LEVEL:
            assert quantity.unit == "dB"
        if quantity.kind == Kind.STATE:
            assert quantity.unit == "0/1"
    if "battery" in names:
        assert codec.quantity("battery").unit == "%"


def test_shared_names_mean_the_same_thing_everywhere():
    """A quantity name used by several codecs has one unit and one kind, so series compare."""
    seen: dict[str, tuple[str, Kind, str]] = {}
    for codec in CODECS.values():
        for quantity in codec.quantities:
            first = seen.setdefault(quantity.name, (quantity.unit, quantity.kind, codec.model))
            assert first[:2] == (quantity.unit, quantity.kind), (quantity.name, first[2])


# --- Fuzzing: every codec, any bytes, any port ------------------------------------------

# One valid uplink per codec: the fuzzer mutates it, so that fixed-layout decoders get past
# their port, length and mode checks and their value readers see random bytes too.
VALID_UPLINKS: dict[str, tuple[int, bytes]] = {
    "milesight-em300-th": (85, bytes.fromhex("01755C03673401046865")),
    "milesight-ws302": (85, bytes.fromhex("017564055B053F02DA016A02")),
    "milesight-em300-di": (
        85,
        bytes.fromhex("01755C05C810270000") + b"\x85\xe1" + bytes(8) + b"\x03",
    ),
    "milesight-am308": (85, bytes.fromhex("0367EE0004687C077DA8030B7D20000C7D3000")),
    "generic-electricity-pulse": (85, bytes.fromhex("01755C05C810270000")),
    "dragino-lwl02": (
        10,
        dragino_frame(flags=1 << 14, battery_mv=3000, mode=2, events=1, minutes=1, alarm=1),
    ),
    "dragino-lds02": (
        10,
        dragino_frame(flags=1 << 15, battery_mv=3000, mode=1, events=1, minutes=1, alarm=0),
    ),
    "elsys-ers": (5, bytes.fromhex("0100E1022D06032C0B0001E240150000")),
    "bosch-tps110": (3, bytes(17)),
    "generic-bidirectional-counter": (1, struct.pack(">IIB", 10, 20, 90)),
    "milesight-ws558": (85, bytes.fromhex("083100010581640374B208068301000000")),
    "milesight-ws558-door": (85, bytes.fromhex("08310101")),
    "milesight-uc511": (85, bytes.fromhex("01755C03010004C805000000")),
    "milesight-em500-smtc": (85, bytes.fromhex("017564036719010468 73057FF000".replace(" ", ""))),
    "decentlab-dl-tbrg": (1, bytes.fromhex("0202F8000300040258409A00000C54")),
}


def test_every_codec_has_a_valid_uplink_to_fuzz():
    assert set(VALID_UPLINKS) == set(CODECS)
    for model, (f_port, payload) in VALID_UPLINKS.items():
        assert CODECS[model].decode(f_port, payload), model


def _records(codec: Codec) -> list[tuple[bytes, int]]:
    """(header, value size) of each record the codec knows, to build frames that get past the
    first byte and exercise the value readers."""
    if isinstance(codec, MilesightCodec):
        table = {**HOUSEKEEPING, **codec.channels}
        return [(bytes(key), field.size) for key, field in table.items()]
    if isinstance(codec, ElsysErsCodec):
        return [(bytes([type_]), field.size) for type_, field in TYPES.items()]
    return []


def _record(header_and_size: tuple[bytes, int]) -> st.SearchStrategy[bytes]:
    header, size = header_and_size
    return st.binary(min_size=size, max_size=size).map(lambda body: header + body)


@st.composite
def uplinks(draw, codec: Codec) -> tuple[int, bytes]:
    """(fPort, payload): random bytes, random records, or a valid uplink with bytes changed."""
    choice = draw(st.sampled_from(["random", "records", "mutated"]))
    if choice == "mutated":
        f_port, payload = VALID_UPLINKS[codec.model]
        data = bytearray(payload)
        changes = st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255))
        for index, value in draw(st.lists(changes, min_size=1, max_size=4)):
            data[index] = value
        cut = draw(st.integers(0, len(data)))  # sometimes truncated
        return f_port, bytes(data[:cut] if draw(st.booleans()) else data)
    f_port = draw(st.one_of(st.sampled_from([1, 2, 3, 4, 5, 6, 10, 85]), st.integers(-5, 300)))
    records = _records(codec)
    if choice == "random" or not records:
        return f_port, draw(st.binary(max_size=40))
    parts = draw(
        st.lists(
            st.one_of(st.sampled_from(records).flatmap(_record), st.binary(max_size=2)),
            min_size=1,
            max_size=6,
        )
    )
    return f_port, b"".join(parts)


@pytest.mark.parametrize("codec", CODECS.values(), ids=lambda c: c.model)
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_decode_never_fails_otherwise(codec: Codec, data):
    """Whatever arrives, a codec answers declared, finite numbers or a DecodeError."""
    f_port, payload = data.draw(uplinks(codec), label="uplink")
    try:
        values = codec.decode(f_port, payload)
    except DecodeError as exc:
        assert str(exc)
        return
    declared = {q.name for q in codec.quantities}
    assert set(values) <= declared
    for value in values.values():
        assert type(value) in (int, float)
        assert math.isfinite(value)
