"""schemathesis, driven by the served /openapi.json, against the real gunicorn on loopback.

Every check runs (`--checks all`): no 5xx, every status documented, every body matching its schema, schema-valid
data accepted and schema-breaking data refused. Refusals may be 413/414/415 as well as 400: gunicorn answers a
request line over 4094 bytes with 414, and the app a body over the limit with 413 and a non-JSON body with 415, all
documented. The seed is fixed so a CI failure reproduces; the example count keeps the run to about 15 s.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CONFIG = """\
[checks.negative_data_rejection]
expected-statuses = ["400", "413", "414", "415"]
"""


@pytest.mark.slow
def test_schemathesis_finds_nothing(live_server, tmp_path):
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    cmd = [
        str(SCHEMATHESIS),
        "--no-color",
        "--config-file",
        str(tmp_path / "schemathesis.toml"),
        "run",
        f"{live_server.url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        "40",
        "--seed",
        "20261125",
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "10",
    ]
    run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=240)  # cwd: its caches stay in tmp
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    assert "No issues found" in out, out[-3000:]
    assert re.search(r"Tested:\s+6\b", out), out[-3000:]  # GET and POST /predict and /explain, /health, /model
    generated = int(re.search(r"(\d+) generated, \1 passed", out).group(1))
    print(f"\nschemathesis: {generated} generated requests, all passed")
    assert generated >= 200, out[-3000:]
