"""The browser tests fail, never skip, under CI when Playwright or Chromium is missing."""

import pytest

import browsing


def test_missing_playwright_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr(browsing, "sync_api", None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Playwright for Python is missing"):
        browsing.require()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        browsing.require()


def test_missing_chromium_fails_everywhere(monkeypatch, tmp_path):
    monkeypatch.setattr(browsing, "CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(pytest.fail.Exception, match="is missing"):
        browsing.launch(playwright=None)


def test_a_module_of_browser_tests_fails_under_ci_without_playwright(tmp_path):
    # the whole path: pytest itself, on a test module like ours, with Playwright hidden and CI=true
    import os
    import subprocess
    import sys
    from conftest import ROOT
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['playwright'] = None\n")
    (tmp_path / "test_page.py").write_text("import browsing\nexpect = browsing.require().expect\n\n"
                                          "def test_page():\n    pass\n")
    env = dict(os.environ, CI="true", PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT / "tests")]))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
                             str(tmp_path), str(tmp_path / "test_page.py")], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=120)
    assert result.returncode != 0 and "skipped" not in result.stdout
    assert "Playwright for Python is missing" in result.stdout
