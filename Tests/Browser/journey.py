"""The whole journey in a real browser (chromium through Selenium), against `emend serve --demo`:

a contributor registers, finds a record by search, suggests a new latitude and longitude; the demo curator logs in,
finds it in the queue and accepts only the latitude; the record page shows version 2 with the new latitude and the
contributor's credit; the contributor's page shows it accepted. On failure it saves a screenshot and the page.

Usage: python3 Tests/Browser/journey.py PATH/TO/emend
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

FAILURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "failures")
WAIT_SECONDS = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(emend, port):
    server = subprocess.Popen([emend, "serve", "--demo", "--port", str(port)], stdout=subprocess.PIPE, text=True)
    curator = None
    for line in server.stdout:
        match = re.match(r"Demo: curator (\S+), password (\S+),", line)
        if match:
            curator = (match.group(1), match.group(2))
        if line.startswith("Emend on http"):
            break
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health")
            return server, curator
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the demo server did not start")


def browser():
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    # A click that submits a form returns before the next page is there: look for elements until they appear. Waits
    # are generous because CI shares two cores with the build: a search page once took longer than 10 s to replace.
    driver.implicitly_wait(WAIT_SECONDS)
    return driver


def click(driver, by, selector):
    """Clicks what navigates to another page, and waits until that page has replaced this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(by, selector).click()
    WebDriverWait(driver, WAIT_SECONDS).until(expected_conditions.staleness_of(page))


def fill(driver, field_id, text):
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)


def log_in(driver, base, name, password):
    driver.get(base + "/login")
    fill(driver, "name", name)
    fill(driver, "password", password)
    click(driver, By.CSS_SELECTOR, "main form button[type=submit]")


def journey(driver, base, curator):
    # A contributor registers
    driver.get(base + "/register")
    fill(driver, "name", "ada-lovelace")
    fill(driver, "password", "analytical engine")
    click(driver, By.CSS_SELECTOR, "main form button[type=submit]")
    assert "Signed in as" in driver.page_source, "registration did not sign her in"

    # She finds a record of the curator's institution by searching and narrowing by the institution facet
    driver.get(base + "/")
    fill(driver, "home-q", "Gryon*")
    click(driver, By.CSS_SELECTOR, "main form[role=search] button")
    click(driver, By.LINK_TEXT, "CNCI")
    click(driver, By.CSS_SELECTOR, "ol.results li a")
    record_url = driver.current_url
    assert "version 1" in driver.page_source

    # She suggests a new latitude and longitude
    click(driver, By.LINK_TEXT, "Suggest a correction")
    for term, value, slot in (("decimalLatitude", "-15.75", 1), ("decimalLongitude", "-41.46", 2)):
        if driver.find_elements(By.ID, f"value-{term}"):
            fill(driver, f"value-{term}", value)
        else:
            fill(driver, f"new-term-{slot}", term)
            fill(driver, f"new-value-{slot}", value)
    fill(driver, "rationale", "Georeferenced from the locality on the label")
    click(driver, By.CSS_SELECTOR, "main form button[type=submit]")
    assert "Your suggestion is waiting for a curator" in driver.page_source
    click(driver, By.CSS_SELECTOR, "header form button")  # log out

    # The curator finds it in the queue and accepts only the latitude
    log_in(driver, base, *curator)
    # (newest first: the demo's queue also holds the quality bot's machine suggestions, filed before it)
    driver.get(base + "/moderation?sort=newest")
    click(driver, By.CSS_SELECTOR, "#queue tbody tr td a")
    assert "Georeferenced from the locality" in driver.page_source
    driver.find_element(By.ID, "accept-decimalLongitude").click()  # untick
    click(driver, By.XPATH, "//button[text()='Accept the ticked terms']")
    assert "Accepted." in driver.page_source

    # The record page shows version 2, the new latitude and the contributor's credit
    driver.get(record_url)
    page = driver.page_source
    assert "version 2" in page, "the record is not at version 2"
    assert "<dt>decimalLatitude</dt><dd>-15.75</dd>" in page, "the new latitude is not shown"
    assert "<dd>-41.46</dd>" not in page, "the longitude was accepted too"
    assert "suggested by ada-lovelace and accepted by" in page, "the contributor is not credited"
    click(driver, By.CSS_SELECTOR, "header form button")

    # Her page shows it accepted
    log_in(driver, base, "ada-lovelace", "analytical engine")
    driver.get(base + "/me")
    assert '<span class="status">accepted</span>' in driver.page_source, "her page does not show it accepted"


def main():
    emend = sys.argv[1]
    port = free_port()
    server, curator = start_demo(emend, port)
    driver = browser()
    try:
        journey(driver, f"http://127.0.0.1:{port}", curator)
        print("browser journey: ok")
    except Exception:
        os.makedirs(FAILURES, exist_ok=True)
        driver.save_screenshot(os.path.join(FAILURES, "journey.png"))
        with open(os.path.join(FAILURES, "journey.html"), "w") as f:
            f.write(driver.page_source)
        print(f"browser journey failed at {driver.current_url}; screenshot and page in {FAILURES}", file=sys.stderr)
        raise
    finally:
        driver.quit()
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
