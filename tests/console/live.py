"""A console served for real (uvicorn in a thread) and Debian's Chromium driven through
Selenium: shared by the browser tests and bench/console.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from intel.taxii_helpers import serve as serve_app

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def browser_missing() -> str:
    """Why the browser cannot run here, or "" when it can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(os.path.basename(path))):
            return f"{path} missing: run `make browser` (Debian chromium, chromium-driver)"
    return ""


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """The console served on 127.0.0.1 in a thread (its lifespan on); yields its base URL."""
    with serve_app(app, lifespan="on", log_level="warning") as base:
        yield base


@contextmanager
def chrome(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """Headless Chromium (the system's, never a downloaded one)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-extensions", "--no-first-run", f"--window-size={width},{height}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def sign_in(driver: Any, base: str, token: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "/login")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login button").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "whoami"))


def wait_for(driver: Any, cond: Any, timeout: float = 60.0) -> Any:
    """Poll ``cond`` until truthy; a page replaced mid-poll (a form's redirect) is
    polled again, not an error. The wait ends as soon as ``cond`` holds: ``timeout`` only
    bounds a page that never gets there, generous for a browser on a busy machine."""
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )
    from selenium.webdriver.support.ui import WebDriverWait

    def polled(d: Any) -> Any:
        try:
            return cond(d)
        except WebDriverException as exc:
            # Chromium's words for an element of the page just replaced, when it is read
            # in the instant of the swap (seen under load): the same as a stale element.
            if "does not belong to the document" in str(exc):
                return False
            raise

    return WebDriverWait(driver, timeout, poll_frequency=0.05, ignored_exceptions=(
        StaleElementReferenceException, NoSuchElementException)).until(polled)
