"""Production serves hashed static files from a manifest; every referenced file must exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet


def test_collectstatic_with_manifest_storage_succeeds(tmp_path: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
           "DEBUG": "false", "ALLOWED_HOSTS": "localhost", "SECRET_KEY": "s" * 20 + "Q7wZ-x9Lm2Rt5Vb8Nc1Pq",
           "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "KOMMUNALSCHUTZ_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "kommunalschutz", "collectstatic", "--noinput", "-v0"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/leaflet/leaflet.js" in manifest and "css/main.css" in manifest
    assert "icons/favicon.ico" in manifest and "icons/manifest.json" in manifest  # base.html's <link> tags
