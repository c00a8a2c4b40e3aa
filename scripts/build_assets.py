"""Build static/ from frontend/ (our CSS, JS, images) and the npm packages installed from
package-lock.json. static/ is generated, never committed."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
NODE = ROOT / "node_modules"

# npm file -> path under static/vendor/
VENDOR = {
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",
    "chart.js/dist/chart.umd.js": "chartjs/chart.umd.js",
}


def main() -> int:
    missing = [name for name in VENDOR if not (NODE / name).exists()]
    if missing:
        print(f"Missing npm files (run `npm ci` first): {', '.join(missing)}", file=sys.stderr)
        return 1
    if STATIC.exists():
        shutil.rmtree(STATIC)
    shutil.copytree(ROOT / "frontend", STATIC)
    for source, target in VENDOR.items():
        destination = STATIC / "vendor" / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        if (NODE / source).is_dir():
            shutil.copytree(NODE / source, destination)
        else:
            shutil.copy2(NODE / source, destination)
    count = sum(1 for path in STATIC.rglob("*") if path.is_file())
    print(f"static/ built: {count} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
