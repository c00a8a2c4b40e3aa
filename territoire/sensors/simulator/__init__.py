"""A deterministic LoRaWAN traffic simulator for the demo, the benchmarks and the tests.

Pure generation logic: no database, no network, no clock. Everything a simulated device sends
is a function of (seed, DevEUI, instant), so a backfill run twice gives the same bytes, a
realtime run continues a backfill without a jump, and a redelivered message carries the same
deduplication id (the archive then ignores it).

Layers, from the bottom:

- frame builders: bytes in the exact layouts the codecs read (reference/iot.md §3);
  `encode(model, values)` picks the builder and the fPort;
- calendar: French public holidays (fixed dates and the Easter-based ones); a holiday is
  simulated as a Sunday;
- profiles: how each kind of device behaves over a day and a week (water meters with one
  planted leak, bike and pedestrian counters, road noise, indoor comfort and CO2, parking
  spaces, electricity meters, leak detectors);
- `Simulator.uplinks(start, end)`: the ChirpStack v4 "up" bodies of every device in a time
  range, in time order;
- `DEMO_DEVICES`: the demo's devices in Arras and the three pilot communes. Coordinates are
  approximate (near the public building or road named, itself placed from the commune's
  centroid and the reference notes), never surveyed positions.

Counters (water, electricity, passages) are cumulative and never decrease: the value at an
instant is the sum of whole-day totals since `EPOCH` plus the share of the current day already
elapsed, so it can be computed for any instant without replaying history.

Modules, one per sub-domain: `constants`, `frames`, `holidays` (the calendar), `randomness`,
`schedules`, `scenario`, `counters`, `profiles` and `events` (the behaviours), `envelope`
(the network-server JSON), `engine` (`Simulator`) and `catalogue` (the demo). Every public name
is re-exported here, so `from territoire.sensors.simulator import X` works for all of them.
"""

from territoire.sensors.simulator.catalogue import (
    ARRAS,
    BEAURAINS,
    DEMO_COMMUNES,
    DEMO_DEVICES,
    GATEWAYS,
    LEAK_METER,
    SAINT_LAURENT,
    TILLOY,
    DemoDevice,
    demo_sim_devices,
)
from territoire.sensors.simulator.constants import (
    DEFAULT_SEED,
    EPOCH,
    EPOCH_DAY,
    PARIS,
    SLOT_S,
    UINT32,
    Values,
)
from territoire.sensors.simulator.counters import DailyCounter
from territoire.sensors.simulator.engine import PROFILES, Simulator, behaviour
from territoire.sensors.simulator.envelope import (
    EU868_CHANNELS,
    NAMESPACE,
    TENANT_ID,
    Envelope,
    application_id,
    chirpstack_up,
    dedup_id,
)
from territoire.sensors.simulator.events import (
    EventDevice,
    LeakDetector,
    ParkingSpace,
    parking_demand,
)
from territoire.sensors.simulator.frames import (
    COUNTER_FPORT,
    ELSYS_FPORT,
    LWL02_FPORT,
    MILESIGHT_FPORT,
    SIMULATED_MODELS,
    WS302_A_FAST,
    am308_frame,
    counter_frame,
    elsys_ers_frame,
    em300_di_frame,
    em300_th_frame,
    encode,
    lwl02_frame,
    milesight_battery,
    milesight_humidity,
    milesight_temperature,
    tps110_heartbeat_frame,
    tps110_status_frame,
    ws302_frame,
)
from territoire.sensors.simulator.holidays import (
    day_kind,
    easter_sunday,
    french_public_holidays,
    local_hour,
    local_midnight,
)
from territoire.sensors.simulator.profiles import (
    Behaviour,
    ElectricityMeter,
    IndoorClimate,
    NoiseMeter,
    PassageCounter,
    WaterMeter,
    traffic_intensity,
)
from territoire.sensors.simulator.randomness import Rng, outdoor_temperature
from territoire.sensors.simulator.scenario import Sample, Scenario, SimDevice, leak_start_for
from territoire.sensors.simulator.schedules import SCHEDULES, Schedule

__all__ = [
    "ARRAS",
    "BEAURAINS",
    "Behaviour",
    "COUNTER_FPORT",
    "DEFAULT_SEED",
    "DEMO_COMMUNES",
    "DEMO_DEVICES",
    "DailyCounter",
    "DemoDevice",
    "ELSYS_FPORT",
    "EPOCH",
    "EPOCH_DAY",
    "EU868_CHANNELS",
    "ElectricityMeter",
    "Envelope",
    "EventDevice",
    "GATEWAYS",
    "IndoorClimate",
    "LEAK_METER",
    "LWL02_FPORT",
    "LeakDetector",
    "MILESIGHT_FPORT",
    "NAMESPACE",
    "NoiseMeter",
    "PARIS",
    "PROFILES",
    "ParkingSpace",
    "PassageCounter",
    "Rng",
    "SAINT_LAURENT",
    "SCHEDULES",
    "SIMULATED_MODELS",
    "SLOT_S",
    "Sample",
    "Scenario",
    "Schedule",
    "SimDevice",
    "Simulator",
    "TENANT_ID",
    "TILLOY",
    "UINT32",
    "Values",
    "WS302_A_FAST",
    "WaterMeter",
    "am308_frame",
    "application_id",
    "behaviour",
    "chirpstack_up",
    "counter_frame",
    "day_kind",
    "dedup_id",
    "demo_sim_devices",
    "easter_sunday",
    "elsys_ers_frame",
    "em300_di_frame",
    "em300_th_frame",
    "encode",
    "french_public_holidays",
    "leak_start_for",
    "local_hour",
    "local_midnight",
    "lwl02_frame",
    "milesight_battery",
    "milesight_humidity",
    "milesight_temperature",
    "outdoor_temperature",
    "parking_demand",
    "tps110_heartbeat_frame",
    "tps110_status_frame",
    "traffic_intensity",
    "ws302_frame",
]
