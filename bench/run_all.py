"""Run every benchmark of bench/ in its own process."""

import subprocess
import sys
from pathlib import Path

for script in sorted(Path(__file__).parent.glob("bench_*.py")):
    print(f"== {script.name}")
    subprocess.run([sys.executable, str(script)], check=True)
