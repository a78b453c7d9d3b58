"""``plaincrm serve`` in a real headless Chromium (Debian's ``chromium`` and
``chromium-driver``, through selenium), against a real server process on the demo CRM:
complete a task with a note and see it in the client's history, drag a deal card to
another stage and see the file and its commit, lose a deal with a reason, and the
screenshots at phone (390x844) and desk (1440x900) size, kept as test artifacts in
``$PLAINCRM_SCREENSHOTS`` (else the test's tmp_path).

Without Chromium these tests skip on a developer's machine, and fail under CI (``CI``
set, as ``.ci/run`` does, which installs Chromium): in CI they must run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import git

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
)

if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        raise RuntimeError(
            "the browser tests need Debian's chromium and chromium-driver "
            "(apt-get install -y chromium chromium-driver; .ci/run installs them)"
        )
    pytest.skip("chromium and chromium-driver are not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402 (after the check that says what is missing)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

PHONE = (390, 844)
DESK = (1440, 900)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--window-size={DESK[0]},{DESK[1]}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


class Served:
    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = url

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def last_commit(self) -> str:
        return git(self.root, "log", "-1", "--format=%an|%s").strip()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The demo CRM served by a real ``plaincrm serve`` process, as anna."""
    exe = Path(sys.executable).with_name("plaincrm")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "plaincrm"]
    root = tmp_path / "demo"
    subprocess.run([*command, "demo", str(root)], check=True, capture_output=True)
    env = {**os.environ, "PLAINCRM_USER": "anna", "BROWSER": "true"}
    server = subprocess.Popen(
        [*command, "-C", str(root), "serve", "--port", "0"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    line = server.stderr.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    assert found, line
    try:
        yield Served(root, found.group(0))
    finally:
        server.terminate()
        server.wait()


def resize(driver: webdriver.Chrome, size: tuple[int, int]) -> None:
    """The viewport of a phone (touch, mobile layout) or of a desk screen, exactly."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size == PHONE},
    )


def wait(driver: webdriver.Chrome, condition: Any) -> Any:
    return WebDriverWait(driver, 20).until(condition)


def test_complete_a_task_with_a_note_and_see_it_in_the_history(
    browser: webdriver.Chrome, served: Served
) -> None:
    resize(browser, PHONE)
    browser.get(served.url)
    task = browser.find_element(By.CSS_SELECTOR, "ul.tasks li.task")
    title = task.find_element(By.TAG_NAME, "strong").text
    record = task.find_element(By.CSS_SELECTOR, ".task-line a").get_attribute("href")
    task.find_element(By.XPATH, ".//summary[contains(., 'Done')]").click()
    task.find_element(By.NAME, "note").send_keys("Board says yes; contract by Friday.")
    task.find_element(By.XPATH, ".//button[. = 'Mark done']").click()
    flash = wait(browser, expected_conditions.presence_of_element_located((By.CLASS_NAME, "flash")))
    assert flash.text.startswith(f"Done: {title}")
    assert served.last_commit().startswith("Anna Kovács|task done: ")
    browser.get(str(record))
    history = browser.find_element(By.CLASS_NAME, "timeline").text
    assert "Board says yes; contract by Friday." in history


DRAG = """
const [card, column] = arguments;
const data = new DataTransfer();
card.dispatchEvent(new DragEvent('dragstart', {dataTransfer: data, bubbles: true}));
column.dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true}));
column.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true}));
"""


def test_drag_a_deal_card_to_another_stage(browser: webdriver.Chrome, served: Served) -> None:
    settings = served.root / "plaincrm.yaml"
    gate = "{name: proposal, probability: 50, rotting: 14}"
    settings.write_text(settings.read_text().replace(gate, gate[:-1] + ", requires: [quote]}"))
    git(served.root, "commit", "-qam", "proposal requires a quote")
    resize(browser, DESK)
    browser.get(served.url + "pipeline")
    card = browser.find_element(By.CSS_SELECTOR, '.column[data-stage="lead"] .card')
    ref = str(card.get_attribute("data-deal"))
    before = served.read(f"deals/{ref}.md")
    gated = browser.find_element(By.CSS_SELECTOR, '.column[data-stage="proposal"]')
    browser.execute_script(DRAG, card, gated)
    refusal = card.find_element(By.CLASS_NAME, "refusal")
    wait(browser, lambda d: refusal.is_displayed())
    assert "it needs a sent quote" in refusal.text
    assert served.read(f"deals/{ref}.md") == before
    target = browser.find_element(By.CSS_SELECTOR, '.column[data-stage="qualified"]')
    browser.execute_script(DRAG, card, target)
    wait(
        browser,
        lambda d: d.find_elements(
            By.CSS_SELECTOR, f'.column[data-stage="qualified"] .card[data-deal="{ref}"]'
        ),
    )
    assert "\nstage: qualified\n" in served.read(f"deals/{ref}.md")
    assert re.match(
        rf"Anna Kovács\|deal move: .* lead -> qualified \(deals/{ref}\.md\)$",
        served.last_commit(),
    )


def test_move_on_a_phone_and_lose_a_deal_with_a_reason(
    browser: webdriver.Chrome, served: Served
) -> None:
    resize(browser, PHONE)
    browser.get(served.url + "pipeline")
    card = browser.find_element(By.CSS_SELECTOR, '.column[data-stage="lead"] .card')
    ref = str(card.get_attribute("data-deal"))
    Select(card.find_element(By.NAME, "stage")).select_by_visible_text("qualified")
    card.find_element(By.XPATH, ".//button[. = 'Move']").click()
    wait(browser, expected_conditions.presence_of_element_located((By.CLASS_NAME, "flash")))
    assert "\nstage: qualified\n" in served.read(f"deals/{ref}.md")
    browser.get(served.url + f"r/deals/{ref}")
    browser.find_element(By.XPATH, "//summary[contains(., 'Lose')]").click()
    form = browser.find_element(By.ID, "lose-form")
    Select(form.find_element(By.NAME, "reason")).select_by_visible_text("price")
    form.find_element(By.NAME, "note").send_keys("Too expensive this year")
    form.find_element(By.XPATH, ".//button[. = 'Lost']").click()
    flash = wait(browser, expected_conditions.presence_of_element_located((By.CLASS_NAME, "flash")))
    assert "lost" in flash.text
    text = served.read(f"deals/{ref}.md")
    assert "\nstage: lost\n" in text and "lost_reason: price" in text
    assert "Too expensive this year" in text


def test_phone_and_desk_screenshots(
    browser: webdriver.Chrome, served: Served, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("PLAINCRM_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    for name, size in (("phone", PHONE), ("desk", DESK)):
        resize(browser, size)
        for page in ("", "pipeline", "reports/forecast", "r/clients/danube"):
            browser.get(served.url + page)
            width = browser.execute_script("return document.documentElement.clientWidth")
            scroll = browser.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} {page or 'today'}: the page scrolls sideways"
            small = browser.execute_script(
                "return [...document.querySelectorAll('button, summary, header nav a')]"
                ".filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)"
                ".map(e => e.textContent.trim())"
            )
            assert small == [], f"{name} {page}: touch targets under 44 px: {small}"
            shot = folder / f"{name}-{(page or 'today').replace('/', '-')}.png"
            assert browser.save_screenshot(str(shot))
            print(f"screenshot {shot}: {shot.stat().st_size} bytes at {size[0]}x{size[1]}")
            assert shot.stat().st_size > 10_000
