"""`make screenshots` (`python -m bench.screenshots`): the pictures of the platform in docs/img/screenshots/.

Not a benchmark; it lives here because it shares bench's way of running the platform from outside. It sets up
a demo installation of its own (a fresh SQLite database in a temporary directory: migrate, the registry, the
bundled PKS tables, the programme, `kommunalschutz demo`), starts the development server on a free loopback
port, logs in as every demo role through the real login forms (the TOTP code from `kommunalschutz totp-code`)
and photographs with Debian's Chromium via Playwright:

* every role's start page (home-<username>.png),
* the reporting path of the official (report-form.png, report-confirmation.png),
* the survey report page of the first demo survey (survey-report.png).

1280 x 900 px, the part of the page a visitor sees first. The demo is loaded with DEBUG on (as `make demo`);
nothing outside the temporary directory is touched, except the PNGs.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.deployment import HOST, free_port
from bench.machine import PROJECT_DIR

OUT_DIR = PROJECT_DIR / "docs" / "img" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "kommunalschutz-demo"  # noqa: S105 (the documented demo password)
WIDTH, HEIGHT = 1280, 900
# The demo logins (tests/browser/pages.py DEMO_USERS), in the order the README shows them.
ROLES = {
    "koordination": "Koordinierungsstelle",
    "pirna-koordination": "Kommunale Koordination (Pirna)",
    "pirna-buergermeisterin": "Amtsträgerin (Bürgermeisterin von Pirna)",
    "pd-dresden": "Polizeiliche Ansprechstelle (PD Dresden)",
    "lka-schutz": "Schutzbeauftragte (LKA)",
    "coach": "Coach",
    "analyse": "Analyse (Bürgerbefragungen)",
    "pruefung": "Prüfung",
    "plauen-koordination": "Kommunale Koordination (Plauen)",
    "admin": "Administration",
}
DEMO_STEPS = [["migrate", "--noinput", "-v0"], ["import-registry"], ["import-pks", "--bundled"], ["load-programme"],
              ["demo"]]
SLOW_MS = 600_000  # a page that computes on its first visit (the survey report) may take long on a busy machine


def _environment(var_dir: Path) -> dict[str, str]:
    """The caller's environment without anything that points at another installation."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("KOMMUNALSCHUTZ_", "REDIS_", "HUEY_")) and name not in (
               "DATABASE_URL", "MIGRATION_DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY",
               "FIELD_ENCRYPTION_KEYS", "ALLOWED_HOSTS")}
    env.update({"DEBUG": "true", "KOMMUNALSCHUTZ_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(PROJECT_DIR)})
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "kommunalschutz", *args], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise SystemExit(f"`kommunalschutz {' '.join(args)}` failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


@contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://{HOST}:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kommunalschutz", "runserver", "--noreload", f"{HOST}:{port}"],
            cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited:\n{log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(base + "/", timeout=10) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not answer within 120 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _log_in(page: Any, base: str, env: dict[str, str], username: str) -> None:
    page.goto(base + "/konto/anmelden/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
    if page.locator("input[name=otp_token]").count():
        page.fill("input[name=otp_token]", _manage(env, "totp-code", username).strip())
        with page.expect_navigation():
            page.locator("form:has(input[name=otp_token]) [type=submit]").first.click()
    if "/konto/anmelden/" in page.url or page.locator("input[name=otp_token]").count():
        raise SystemExit(f"{username} could not log in: {page.locator('main').inner_text()[:300]}")


def _shoot(page: Any, name: str, written: list[Path]) -> None:
    path = OUT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    written.append(path)
    print(f"{path.relative_to(PROJECT_DIR)}  ({page.url})")


# Fills what a report needs: every field marked required gets a plausible value. Written against the
# attributes, not today's field names, so the shot keeps working when the form changes.
FILL_REQUIRED = r"""
() => {
  const form = [...document.querySelectorAll('main form')]
    .find(f => f.querySelector('[required], [aria-required=true]'));
  if (!form) return false;
  const today = new Date();
  const iso = today.toISOString();
  for (const field of form.querySelectorAll('[required], [aria-required=true]')) {
    const targets = field.matches('input, select, textarea') ? [field]
      : [...field.querySelectorAll('input, select, textarea')];
    for (const el of targets) {
      if (el.type === 'radio' || el.type === 'checkbox') {
        if (!form.querySelector(`[name="${el.name}"]:checked`)) el.checked = true;
      } else if (el.tagName === 'SELECT') {
        if (!el.value) { const option = [...el.options].find(o => o.value); if (option) el.value = option.value; }
      } else if (el.type === 'date') { if (!el.value) el.value = iso.slice(0, 10); }
      else if (el.type === 'datetime-local') { if (!el.value) el.value = iso.slice(0, 16); }
      else if (el.type === 'number') { if (!el.value) el.value = '1'; }
      else if (el.type !== 'file' && el.type !== 'hidden' && !el.value) {
        el.value = 'Drohschreiben im Briefkasten des Rathauses, darin eine Todesdrohung gegen die Bürgermeisterin.';
      }
    }
  }
  // When it happened: asked as a date or a period, so neither is marked required; the first date field it is.
  const when = form.querySelector('input[type=datetime-local], input[type=date]');
  if (when && !when.value) when.value = when.type === 'date' ? iso.slice(0, 10) : iso.slice(0, 16);
  return true;
}
"""


def _report(page: Any, base: str, written: list[Path]) -> None:
    page.goto(base + "/melden/")
    _shoot(page, "report-form", written)
    for _step in range(5):  # a report in steps: fill and send until the confirmation comes
        if not page.evaluate(FILL_REQUIRED):
            break
        before = page.url
        with page.expect_navigation():
            page.locator("main form:has([required], [aria-required=true]) button[type=submit].primary, "
                         "main form:has([required], [aria-required=true]) [type=submit]").first.click()
        if page.locator(".errorlist, .message-error").count() and page.url == before:
            print(f"warning: the report form refused the filled values: {page.locator('main').inner_text()[:400]}")
            break
        if "/melden/bestaetigung/" in page.url:
            break
    _shoot(page, "report-confirmation", written)


def _survey_report(page: Any, base: str, written: list[Path]) -> None:
    page.goto(base + "/befragungen/")
    projects = sorted({int(pk) for pk in re.findall(r"/befragungen/(\d+)/", page.content())})
    for pk in projects:
        response = page.goto(f"{base}/auswertung/{pk}/bericht/", timeout=SLOW_MS)
        if response is not None and response.ok:  # the first project (the demo's released Bannewitz report)
            _shoot(page, "survey-report", written)
            return
    print("warning: no demo survey has a report page")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary demo installation (prints its path)")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} is missing: run `make chromium`.")
    from playwright.sync_api import sync_playwright

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="kommunalschutz-screenshots-"))
    env = _environment(work)
    print(f"Setting up the demo in {work} …")
    for step in DEMO_STEPS:
        _manage(env, *step)
    written: list[Path] = []
    with _server(env, work / "server.log") as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for username in ROLES:
                context = browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": HEIGHT},
                                              device_scale_factor=1)
                context.set_default_timeout(120_000)
                page = context.new_page()
                _log_in(page, base, env, username)
                page.goto(base + "/")
                _shoot(page, f"home-{username}", written)
                if username == "pirna-buergermeisterin":
                    _report(page, base, written)
                if username == "analyse":
                    _survey_report(page, base, written)
                context.close()
        finally:
            browser.close()
    if args.keep:
        print(f"The demo installation stays in {work}.")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(written)} screenshots in {OUT_DIR.relative_to(PROJECT_DIR)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
