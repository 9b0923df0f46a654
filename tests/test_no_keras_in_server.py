"""The web process imports neither Keras nor TensorFlow: every model runs on the engine's workers."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_no_page_imports_keras_or_tensorflow_into_the_server_process():
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "pages_without_keras.py")], capture_output=True, text=True,
                         timeout=900, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["problems"] == []
    assert report["loaded"] == [], f"the web process imported {report['loaded']}"
