"""Actuator and field-sensor codecs: vendor vectors, command encoders (round trip through
the device's own answer where it has one) and refused parameters. Random bytes are covered
by the registry-wide fuzz test in test_codecs.py (every codec, a clear DecodeError)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from territoire.sensors.codecs import get_codec
from territoire.sensors.codecs.base import DecodeError, EncodeError, Kind

WS558 = get_codec("milesight-ws558")
DOOR = get_codec("milesight-ws558-door")
UC511 = get_codec("milesight-uc511")
SMTC = get_codec("milesight-em500-smtc")
TBRG = get_codec("decentlab-dl-tbrg")


def test_ws558_vendor_vector():
    payload = bytes.fromhex("0831000105816407C902000374B208068301000000048001000000")
    values = WS558.decode(85, payload)
    assert values == {
        "relais_1": 1,
        **{f"relais_{n}": 0 for n in range(2, 9)},
        "facteur_puissance": 100,
        "courant": 2,
        "tension": 222.6,
        "energie": 1,
        "puissance": 1,
    }
    assert WS558.quantity("energie").kind == Kind.COUNTER
    assert WS558.quantity("relais_3").kind == Kind.STATE


@pytest.mark.parametrize("relay", range(1, 9))
def test_ws558_switch_round_trip(relay):
    """The state the controller reports after a command is the one the command asked for."""
    for command, state in (("switch_on", 1), ("switch_off", 0)):
        f_port, frame = WS558.encode(command, relay=relay)
        assert f_port == 85
        _code, mask, status = struct.unpack("<BBB", frame)
        assert mask == 1 << (relay - 1)
        # The device answers with the record 0x08 0x31 (changed mask, state).
        echo = bytes([0x08, 0x31, mask, status])
        assert WS558.decode(85, echo)[f"relais_{relay}"] == state


def test_ws558_vendor_encoder_example():
    # Vendor encoder: switch_1 on alone is 08 01 01.
    assert WS558.encode("switch_on", relay=1) == (85, bytes.fromhex("080101"))
    assert WS558.encode("switch_off", relay=2) == (85, bytes.fromhex("080200"))


@pytest.mark.parametrize(
    "params",
    [{}, {"relay": 0}, {"relay": 9}, {"relay": "1"}, {"relay": True}, {"relay": 1, "x": 2}],
)
def test_ws558_refuses_bad_relay(params):
    with pytest.raises(EncodeError):
        WS558.encode("switch_on", **params)


def test_door_opens_then_relocks_in_one_downlink():
    f_port, frame = DOOR.encode("open_door", seconds=10)
    assert f_port == 85
    # Relay 1 on now, then task 1: after 10 s, relay 1 off.
    assert frame == bytes.fromhex("080101FF32010A000100")
    assert DOOR.encode("lock") == (85, bytes.fromhex("080100"))


@given(st.integers(min_value=1, max_value=65535))
def test_door_open_round_trip(seconds):
    _port, frame = DOOR.encode("open_door", seconds=seconds)
    now, delayed = frame[:3], frame[3:]
    assert now == bytes.fromhex("080101")
    assert struct.unpack("<BBBHBB", delayed) == (0xFF, 0x32, 1, seconds, 1, 0)


@pytest.mark.parametrize(
    ("command", "params"),
    [
        ("open_door", {"seconds": 0}),
        ("open_door", {"seconds": 65536}),
        ("open_door", {}),
        ("lock", {"seconds": 3}),
        ("switch_on", {"relay": 1}),  # a raw relay command could leave the door open
    ],
)
def test_door_refuses(command, params):
    with pytest.raises(EncodeError):
        DOOR.encode(command, **params)


def test_uc511_vendor_vector():
    assert UC511.decode(85, bytes.fromhex("01755C03010004C805000000")) == {
        "battery": 92,
        "vanne_1": 0,
        "impulsions_vanne_1": 5,
    }


def test_uc511_valve_commands():
    # Control byte: bit 7 timed, bit 5 open, bits 0-1 valve - 1; sequence 0; uint24 LE.
    assert UC511.encode("open_valve", valve=1, seconds=900) == (85, bytes.fromhex("FF1DA000840300"))
    assert UC511.encode("open_valve", valve=2, seconds=60) == (85, bytes.fromhex("FF1DA1003C0000"))
    assert UC511.encode("close_valve", valve=1) == (85, bytes.fromhex("FF1D0000"))


@given(st.integers(1, 2), st.integers(1, 12 * 3600))
def test_uc511_open_round_trip(valve, seconds):
    _port, frame = UC511.encode("open_valve", valve=valve, seconds=seconds)
    assert frame[:2] == b"\xff\x1d"
    control = frame[2]
    assert control & 0x80 and control & 0x20 and (control & 0x03) + 1 == valve
    assert int.from_bytes(frame[4:7], "little") == seconds


@pytest.mark.parametrize(
    ("command", "params"),
    [
        ("open_valve", {"valve": 1}),
        ("open_valve", {"valve": 3, "seconds": 60}),
        ("open_valve", {"valve": 1, "seconds": 12 * 3600 + 1}),
        ("open_valve", {"valve": 1, "seconds": 1.5}),
        ("close_valve", {}),
        ("reboot", {}),
    ],
)
def test_uc511_refuses(command, params):
    with pytest.raises(EncodeError):
        UC511.encode(command, **params)


def test_em500_smtc_vendor_vector():
    assert SMTC.decode(85, bytes.fromhex("01756403671901046873057FF000")) == {
        "battery": 100,
        "temperature": 28.1,
        "humidite_sol": 57.5,
        "conductivite_sol": 240,
    }


def test_em500_smtc_new_resolution_and_sensor_errors():
    # 0x04 0xCA: moisture in hundredths; 0xFFFF means the probe failed: no value, no error.
    assert SMTC.decode(85, bytes.fromhex("04CA7D0D")) == {"humidite_sol": 34.53}
    assert SMTC.decode(85, bytes.fromhex("04CAFFFF057FFDFF017550")) == {"battery": 80}


def test_tbrg_vendor_vectors():
    assert TBRG.decode(1, bytes.fromhex("0202F8000300040258409A00000C54")) == {
        "pluie": 1653.8,
        "batterie_mv": 3156,
    }
    assert TBRG.decode(1, bytes.fromhex("0202F800020C54")) == {"batterie_mv": 3156}
    assert TBRG.quantity("pluie").kind == Kind.COUNTER
    assert TBRG.quantity("pluie").unit == "mm"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("0102F8000300040258409A00000C54", "Version de protocole"),
        ("0202F8000300040258", "Longueur de trame"),
        ("0202F800040000", "Capteurs inconnus"),
        ("0202", "trop courte"),
    ],
)
def test_tbrg_malformed(payload, message):
    with pytest.raises(DecodeError, match=message):
        TBRG.decode(1, bytes.fromhex(payload))


def test_tbrg_high_word():
    frame = struct.pack(">BHHHHHH", 2, 1, 1, 0, 600, 0x0001, 0x0002)
    assert TBRG.decode(1, frame) == {"pluie": (1 + 2 * 65536) / 10}
