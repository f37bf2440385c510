"""Helpers for tests that start the service as its own process, as a user or a container would."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_env() -> dict:
    return {name: value for name, value in os.environ.items() if not name.startswith(("CFL_", "DATABASE_URL"))}


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if process.stderr:
                said = process.stderr.read()
            elif getattr(process, "log", None):
                process.log.seek(0)
                said = process.log.read()
            else:
                said = ""
            raise AssertionError(f"serve exited early with status {process.returncode}: {said}")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds}s")
