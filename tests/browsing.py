"""Playwright for the browser tests: missing under CI (CI=true) is a failure, elsewhere a skip."""

import os

import pytest

try:
    from playwright import sync_api
except ImportError:
    sync_api = None

CHROMIUM = os.environ.get("MEASURESEARCH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def under_ci():
    """Return whether the tests run under CI (CI=true), where nothing may be skipped for a missing tool."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require():
    """Return playwright.sync_api; fail under CI, skip elsewhere, when Playwright is not installed."""
    if sync_api is None:
        message = "Playwright for Python is missing: `make test` installs it (pip install -e '.[test]')"
        if under_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)
    return sync_api


def launch(playwright):
    """Launch Debian's Chromium; fail (never skip) when it is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package", pytrace=False)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
