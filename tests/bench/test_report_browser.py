"""The benchmark report in Debian's headless Chromium (selenium + /usr/bin/chromedriver, offline): it
loads with no console errors, the Pareto plot, the K plot and the tables are in the DOM, what a task
wrote is shown as text (never run as HTML), and a screenshot is kept under the test's tmp dir."""
import os
import re
import shutil

import pytest

from agents.bench import run_bench
from agents.bench.report import write_report
from tests.bench.helpers import KIND, arms

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def bench_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "out"
    run_bench(KIND, {"n": 3, "fail": ["t2"], "crash": ["t1"]}, arms(ks=(1, 2), steps=2), out=out, workers=2)
    return out


@pytest.fixture
def browser():
    if not (shutil.which("chromium") and os.path.exists("/usr/bin/chromedriver")):
        pytest.skip("needs Debian's chromium and chromium-driver")
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,2200",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    yield driver
    driver.quit()


def test_the_report_renders_in_chromium(bench_out, browser, tmp_path):
    from selenium.webdriver.common.by import By

    import sqlite3

    db = sqlite3.connect(str(bench_out / "results.sqlite"))  # a task error holding markup
    db.execute("UPDATE tasks SET error=? WHERE task_id='t1'", (EVIL,))
    db.commit()
    db.close()
    page = write_report(bench_out, tmp_path / "report.html")
    text = page.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text) and "<link" not in text  # nothing fetched
    browser.get(page.as_uri())
    assert browser.find_element(By.ID, "pareto-plot").tag_name == "svg"
    assert browser.find_elements(By.CSS_SELECTOR, "#pareto-plot path, #pareto-plot use")
    assert browser.find_element(By.ID, "k-plot").tag_name == "svg"
    assert browser.find_element(By.ID, "stage-plot").tag_name == "svg"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#arms tbody tr")) == 2
    assert len(browser.find_elements(By.CSS_SELECTOR, "#tasks tbody tr")) == 6
    assert len(browser.find_elements(By.CSS_SELECTOR, "details.trajectory")) == 6
    assert "default-k1" in browser.find_element(By.ID, "pareto-plot").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#tasks img")      # the markup stayed text
    assert EVIL in browser.find_element(By.ID, "tasks").text
    # the trajectory viewer shows a step's decision and the budget the agent saw
    first = next(d for d in browser.find_elements(By.CSS_SELECTOR, "details.trajectory") if ": success" in d.text)
    first.click()
    first.find_element(By.CSS_SELECTOR, "details.step").click()
    assert "budget the agent saw next" in first.text and "accept" in first.text
    # the task filter works (the inline script ran)
    browser.find_element(By.ID, "task-filter").send_keys("t2")
    visible = [r for r in browser.find_elements(By.CSS_SELECTOR, "#tasks tbody tr") if r.is_displayed()]
    assert len(visible) == 2
    logs = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert logs == []
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
