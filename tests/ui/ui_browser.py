#!/usr/bin/env python3
"""ui_browser.py - rnx ui's pages in headless Chromium (run by test_ui.sh).

Prints TAP lines ("ok - ...", "not ok - ..."); every wait is an explicit
wait for what the page shows, never a fixed sleep.  The environment says
what to drive:

  UI_URL, UI_URL_READER  the addresses two `rnx ui` printed (admin, reader)
  RNX, RNX_CONFIG        rnx and the admin's client configuration, to run jobs
  CHROMIUM, CHROMEDRIVER the browser and its driver
  WORK                   a folder of the test's own (the browser profile)
  SHOTS                  where the screenshots go
  REGISTRY               "yes" when the node's registry offers demo@1.0.0
"""
import json
import os
import subprocess
import sys
import time
import traceback

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ENV = os.environ
WAIT = 30  # seconds for anything the page should come to show (a loaded 2-core machine)
failures = 0


def ok(cond, desc, detail=""):
    global failures
    if cond:
        print("ok - " + desc, flush=True)
    else:
        failures += 1
        print("not ok - " + desc, flush=True)
        for line in str(detail).splitlines()[:20]:
            print("#   " + line, flush=True)


def rnx(*args):
    out = subprocess.run([ENV["RNX"], "--config", ENV["RNX_CONFIG"], "--json"] + list(args),
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return json.loads(out)


def wait(driver, what, fn, timeout=WAIT):
    """Wait until fn(driver) is true; a TAP failure (and False) when it never is."""
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: fn(d))
        return True
    except TimeoutException:
        ok(False, what, "the page never showed it within %d s; it shows:\n%s"
           % (timeout, text(driver, "main")[:1500]))
        return False


def text(driver, css):
    try:
        return driver.find_element(By.CSS_SELECTOR, css).text
    except WebDriverException:
        return ""


def sane(driver, page):
    """No JavaScript value leaked into the page's text."""
    bad = [w for w in ("[object", "undefined", "NaN", "null") if w in text(driver, "main")
           and not (w == "null" and page == "job")]
    ok(not bad, "the %s page shows no stray JavaScript values" % page, bad)


def shot(driver, name, full=True):
    """A screenshot of the whole page (the window grown to its height, at most 2400 px)."""
    path = os.path.join(ENV["SHOTS"], name)
    size = driver.get_window_size()
    if full:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(size["width"], min(max(height + 140, size["height"]), 2400))
    driver.save_screenshot(path)
    if full:
        driver.set_window_size(size["width"], size["height"])
    return path


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = ENV["CHROMIUM"]
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--user-data-dir=" + os.path.join(ENV["WORK"], "chrome"), "--no-first-run",
              "--no-default-browser-check", "--disable-extensions", "--disable-sync",
              "--disable-background-networking", "--disable-component-update",
              "--disable-default-apps", "--force-color-profile=srgb", "--hide-scrollbars",
              "--force-prefers-reduced-motion", "--lang=en-US", "--window-size=1280,960"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(ENV["CHROMEDRIVER"], log_path=os.path.join(ENV["WORK"], "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(WAIT)
    return driver


def open_dashboard(driver, url):
    driver.get(url)
    port = url.split(":")[2].split("/")[0]
    ok(driver.current_url == "http://127.0.0.1:%s/#/jobs" % port
       or driver.current_url == "http://127.0.0.1:%s/" % port,
       "the token's address redirects to the page without the token (%s)" % driver.current_url)
    return wait(driver, "the header says who the certificate is",
                lambda d: "(" in text(d, "#who"))


def jobs_page(driver, job_id):
    driver.get(driver.current_url.split("#")[0] + "#/jobs")
    row = 'tr[data-id="%s"]' % job_id
    if not wait(driver, "the job appears in the jobs table",
                lambda d: d.find_elements(By.CSS_SELECTOR, row)):
        return
    ok(True, "the job appears in the jobs table")
    wait(driver, "the job's row shows RUNNING, its owner and its limits",
         lambda d: "RUNNING" in text(d, row) and "admin-client" in text(d, row)
         and "mem 64 MiB" in text(d, row))
    # The filters: another state hides the row, the id brings it back.
    Select(driver.find_element(By.ID, "f-state")).select_by_value("COMPLETED")
    wait(driver, "the state filter hides the running job",
         lambda d: not d.find_elements(By.CSS_SELECTOR, row))
    Select(driver.find_element(By.ID, "f-state")).select_by_value("")
    driver.find_element(By.ID, "f-text").send_keys(job_id[:8])
    wait(driver, "the search filter finds the job by the start of its id",
         lambda d: len(d.find_elements(By.CSS_SELECTOR, "#jobs tbody tr[data-id]")) == 1)
    driver.find_element(By.ID, "f-text").send_keys(Keys.CONTROL, "a")
    driver.find_element(By.ID, "f-text").send_keys(Keys.BACKSPACE)
    wait(driver, "clearing the search shows every job again",
         lambda d: len(d.find_elements(By.CSS_SELECTOR, "#jobs tbody tr[data-id]")) >= 4)
    # Every field has a label.
    unlabelled = driver.execute_script(
        "return [...document.querySelectorAll('input,select')]"
        ".filter(e => !e.labels.length && !e.getAttribute('aria-label')).map(e => e.id)")
    ok(not unlabelled, "every field of the jobs page has a label", unlabelled)
    sane(driver, "jobs")
    shot(driver, "ui-jobs.png")
    # The keyboard: the job's link takes focus, Enter opens the job.
    link = driver.find_element(By.CSS_SELECTOR, row + " a")
    driver.execute_script("arguments[0].focus()", link)
    ok(driver.switch_to.active_element == link, "the job's link takes the keyboard focus")
    link.send_keys(Keys.ENTER)
    wait(driver, "Enter on the link opens the job's page",
         lambda d: d.current_url.endswith("#/job/" + job_id))


def job_page(driver, job_id):
    if not wait(driver, "the job's output arrives, stdout and stderr told apart",
                lambda d: "out-first" in text(d, "#log .out") and "err-first" in text(d, "#log .err")):
        return
    ok(True, "the job's output arrives, stdout and stderr told apart")
    ok("err-first" not in " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "#log .out")),
       "stderr is not shown as stdout")

    def last_tick(d):
        ticks = [int(w.split()[1]) for w in text(d, "#log").splitlines() if w.startswith("tick ")]
        return max(ticks) if ticks else 0

    wait(driver, "log lines stream in", lambda d: last_tick(d) >= 2)
    first = last_tick(driver)
    wait(driver, "more log lines stream in while the page is open (live, after tick %d)" % first,
         lambda d: last_tick(d) >= first + 3)
    ok(last_tick(driver) >= first + 3, "log lines stream in live (tick %d, then %d)"
       % (first, last_tick(driver)))
    ok("Following" in text(driver, "#log-status"), "the log says it follows live",
       text(driver, "#log-status"))
    resume(driver, last_tick)
    wait(driver, "the summary shows the limits", lambda d: "64 MiB" in text(d, "section[aria-labelledby=h-lim]"))
    wait(driver, "the job's usage over time is drawn from its samples",
         lambda d: "CPU" in text(d, "#usage-now")
         and d.find_element(By.CSS_SELECTOR, ".chart polyline").get_attribute("points"))
    shot(driver, "ui-job.png")
    stop = driver.find_elements(By.ID, "btn-stop")
    ok(stop and stop[0].is_displayed(), "an admin sees the Stop button of a running job")
    if not stop:
        return
    stop[0].click()
    wait(driver, "after Stop the job's state becomes STOPPED",
         lambda d: text(d, "#job-state") == "STOPPED")
    ok(text(driver, "#job-state") == "STOPPED", "after Stop the page shows STOPPED")
    wait(driver, "the log stream ends with the job's end", lambda d: "Ended: STOPPED" in text(d, "#log-status"))
    wait(driver, "the history lists RUNNING then STOPPED",
         lambda d: "STOPPED" in text(d, "section[aria-labelledby=h-hist]"))
    ok(driver.find_elements(By.ID, "btn-delete"), "an ended job offers Delete")
    sane(driver, "job")
    shot(driver, "ui-job-stopped.png")


def connections(port):
    out = subprocess.run(["ss", "-Htn", "state", "established", "( sport = :%s )" % port],
                         capture_output=True, text=True, timeout=10).stdout
    return set(line.split()[-1] for line in out.splitlines() if line.strip())


def resume(driver, last_tick):
    """Every connection to rnx ui is cut (ss -K): the log resumes where it stopped."""
    port = ENV["UI_URL"].split(":")[2].split("/")[0]
    before = last_tick(driver)
    had = connections(port)
    subprocess.run(["ss", "-K", "-tn", "state", "established", "( sport = :%s )" % port],
                   capture_output=True, timeout=10)
    if had & connections(port):
        print("ok - the log resumes after a lost connection # SKIP this kernel cannot cut "
              "sockets (ss -K needs CONFIG_INET_DIAG_DESTROY)")
        return
    wait(driver, "after a lost connection the log reconnects and goes on",
         lambda d: d.find_element(By.ID, "log-status").get_attribute("data-resumed")
         and "Following" in text(d, "#log-status") and last_tick(d) >= before + 3)
    ticks = [int(w.split()[1]) for w in text(driver, "#log").splitlines() if w.startswith("tick ")]
    ok(ticks == list(range(1, len(ticks) + 1)) and len(ticks) >= before + 3,
       "after a lost connection the log resumes without a gap or a repeat (ticks 1..%d, cut at %d)"
       % (len(ticks), before), ticks)


def node_page(driver):
    driver.get(driver.current_url.split("#")[0] + "#/node")
    wait(driver, "the node page shows the capacity used and the waiting jobs",
         lambda d: d.find_elements(By.CSS_SELECTOR, "#node-use meter")
         and d.find_elements(By.CSS_SELECTOR, "#node-budgets meter")
         and "Loading" not in text(d, "#node-waiting"))
    ok(driver.find_elements(By.CSS_SELECTOR, "#node-budgets meter"), "the node page shows the scheduler's budgets")
    wait(driver, "the node page lists a waiting job and why it waits",
         lambda d: "nightly" in text(d, "#node-waiting") and "waits for its start time" in text(d, "#node-waiting"))
    ok("waits for its start time" in text(driver, "#node-waiting"),
       "the node page lists the waiting job and why it waits", text(driver, "#node-waiting"))
    sane(driver, "node")
    shot(driver, "ui-node.png")


def runtimes_page(driver):
    driver.get(driver.current_url.split("#")[0] + "#/runtimes")
    wait(driver, "the runtimes page lists what is installed",
         lambda d: "Loading" not in text(d, "#runtimes-installed"))
    if ENV.get("REGISTRY") != "yes":
        print("ok - installing from the registry # SKIP the registry plugins are not built")
        shot(driver, "ui-runtimes.png")
        return
    driver.find_element(By.ID, "btn-registry").click()
    if not wait(driver, "the registry's offer is listed", lambda d: "demo@1.0.0" in text(d, "#runtimes-offered")):
        return
    ok(True, "the registry's offer is listed")
    driver.find_element(By.CSS_SELECTOR, "#runtimes-offered button").click()
    wait(driver, "an install shows its progress and then its result",
         lambda d: "Installed: demo 1.0.0" in text(d, "#install-status"))
    wait(driver, "the installed runtime is listed", lambda d: "demo@1.0.0" in text(d, "#runtimes-installed"))
    ok("demo@1.0.0" in text(driver, "#runtimes-installed"), "an install from the page ends with the runtime listed")
    sane(driver, "runtimes")
    shot(driver, "ui-runtimes.png")


def reader(driver, job_id):
    if not open_dashboard(driver, ENV["UI_URL_READER"]):
        return
    ok("(reader)" in text(driver, "#who"), "a reader's dashboard says its role", text(driver, "#who"))
    driver.get(driver.current_url.split("#")[0] + "#/job/" + job_id)
    wait(driver, "a reader sees the job", lambda d: text(d, "#job-state") == "STOPPED")
    ok(not driver.find_elements(By.CSS_SELECTOR, "#btn-delete, #btn-stop"),
       "a reader gets no Stop or Delete button")
    ok("may not stop, cancel or delete" in text(driver, ".actions"), "... and is told why",
       text(driver, ".actions"))


def phone(driver):
    driver.set_window_size(390, 844)
    driver.get(driver.current_url.split("#")[0] + "#/jobs")
    wait(driver, "the jobs page draws on a phone-sized screen",
         lambda d: d.find_elements(By.CSS_SELECTOR, "#jobs tbody tr[data-id]"))
    wide = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    ok(wide <= 1, "on a 390 px wide screen nothing scrolls sideways (%d px)" % wide)
    shot(driver, "ui-phone.png")


def hygiene(driver):
    origin = driver.execute_script("return location.origin")
    names = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    away = [n for n in names if not n.startswith(origin + "/")]
    ok(not away, "the page asked nothing of any other address", away)
    logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"
            and "/api/" not in e.get("message", "")]
    ok(not logs, "the console shows no error (no Content-Security-Policy violation)",
       "\n".join(e.get("message", "") for e in logs))


def main():
    admin_job = rnx("job", "run", "--name=ui-demo", "--max-memory=64", "--", "sh", "-c",
                    "echo out-first; echo err-first >&2; i=0; "
                    "while :; do i=$((i+1)); echo tick $i; sleep 0.3; done")
    rnx("job", "run", "--name=hello", "--", "echo", "hello")
    rnx("job", "run", "--name=fails", "--", "sh", "-c", "echo oops >&2; exit 3")
    rnx("job", "run", "--name=nightly", "--schedule=2h", "--", "echo", "later")
    driver = browser()
    try:
        if open_dashboard(driver, ENV["UI_URL"]):
            ok("(admin)" in text(driver, "#who"), "the header names the node, the user and the role",
               text(driver, "#who"))
            jobs_page(driver, admin_job["id"])
            job_page(driver, admin_job["id"])
            node_page(driver)
            runtimes_page(driver)
            hygiene(driver)
            phone(driver)
            reader(driver, admin_job["id"])
    except Exception:
        ok(False, "the browser test ran to its end", traceback.format_exc())
    finally:
        driver.quit()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
