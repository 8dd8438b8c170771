#!/usr/bin/env python3
"""The dashboard in a real browser (issue 21): headless Chromium from Debian,
driven by Selenium, against a sandbox studio and a `pxscript dashboard`.

    Tests/Browser/dashboard_test.py PXSCRIPT [--screenshots DIR]

Logs in with the token, approves a request after editing it (and sees the
message arrive in the sandbox), rejects one with a reason, pauses and
resumes, runs a plan, reads results; pauses a running daemon from its
dashboard and sees it hold a reply until resumed; checks that no page works without the
token and that a cross-site form post is refused; saves a screenshot of
each view and runs axe-core on each (no serious or critical violation).
Bounded: every wait has a timeout, the whole run a few minutes at most.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

NUDGE = """
local n, i = tonumber(px.args[1]) or 1, 0
for conversation in px.conversations.each{} do
  i = i + 1
  if i == n then
    local result = px.send(conversation.id, "Hi! Just checking in.", { approve = true, key = "nudge-" .. n })
    print(result.approval)
    return
  end
end
"""

FAILURES = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        FAILURES.append(what)


def wait_for(predicate, seconds=120):
    """Waits until predicate holds: bounded only against a hang, never a measure of speed (a loaded
    CI machine is slow; see Tests/TestSupport/Patience.swift)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return None


def axe(driver, source, page):
    driver.execute_script(source)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, { resultTypes: ['violations'] }).then(r => done(JSON.stringify(r.violations)));")
    violations = [v for v in json.loads(result) if v.get("impact") in ("serious", "critical")]
    check(not violations, f"axe: no serious violation on {page}" + (
        "" if not violations else ": " + "; ".join(f"{v['id']} ({v['impact']})" for v in violations)))


def main():
    pxscript = sys.argv[1]
    shots = pathlib.Path(sys.argv[sys.argv.index("--screenshots") + 1]) if "--screenshots" in sys.argv else None
    home = pathlib.Path(tempfile.mkdtemp(prefix="pxbrowser-"))
    processes = []
    try:
        env = dict(os.environ, HOME=str(home), XDG_STATE_HOME=str(home / "state"), XDG_CONFIG_HOME=str(home / "config"))
        sandbox = subprocess.Popen([pxscript, "sandbox", "serve", "--port", "0", "--cookie", "sessionid=browser-test-cookie"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        processes.append(sandbox)
        base_url = None
        for line in sandbox.stdout:
            match = re.search(r"base URL\s+(\S+)", line)
            if match:
                base_url = match.group(1)
                break
        check(base_url is not None, "the sandbox starts")
        env.update(PXSCRIPT_BASE_URL=base_url, PIXIESET_COOKIE="sessionid=browser-test-cookie")
        script = home / "nudge.lua"
        script.write_text(NUDGE)
        requests = [subprocess.run([pxscript, "run", str(script), "--", str(n)], env=env, capture_output=True, text=True,
                                   timeout=60).stdout.strip() for n in (1, 2)]
        check(all(r.startswith("apr_") for r in requests), f"two requests wait: {requests}")

        dashboard = subprocess.Popen([pxscript, "dashboard", str(script), "--port", "0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env)
        processes.append(dashboard)
        url = None
        for line in dashboard.stdout:
            match = re.search(r"dashboard: (http://\S+)", line)
            if match:
                url = match.group(1)
                break
        check(url is not None, "the dashboard prints its address")
        root = url.split("?")[0].rstrip("/")

        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=430,1400", "--disable-dev-shm-usage"):
            options.add_argument(argument)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        axe_source = axe_script()
        try:
            driver.get(root + "/approvals")
            check("Open the address" in driver.page_source and "Approve" not in driver.page_source,
                  "no page without the token")

            driver.get(url)
            check(driver.current_url.rstrip("/") == root and "token=" not in driver.current_url,
                  "the token opens a session and leaves the address bar")
            check(bool(driver.find_elements(By.CSS_SELECTOR, "h2#session-h")), "the overview shows")
            snap(driver, shots, "overview")
            axe(driver, axe_source, "overview")

            driver.get(root + "/approvals")
            snap(driver, shots, "approvals")
            axe(driver, axe_source, "approvals")
            first, second = requests
            box = driver.find_element(By.ID, f"text-{first}")
            box.clear()
            box.send_keys("Hi Liam! Only checking in.")
            box.find_element(By.XPATH, "./ancestor::form").find_element(By.TAG_NAME, "button").click()
            check(wait_for(lambda: notice_says(driver, "approved (edited) and sent")), "edit, then approve: the page says sent")
            check(wait_for(lambda: sandbox_has(base_url, "Hi Liam! Only checking in.")), "the edited message arrives in the sandbox")

            driver.find_element(By.ID, f"reason-{second}").send_keys("booked already")
            driver.find_element(By.ID, f"reason-{second}").find_element(By.XPATH, "./ancestor::form").find_element(By.TAG_NAME, "button").click()
            # The page before the post still shows the approval's notice: wait for the new page's.
            check(wait_for(lambda: notice_says(driver, "rejected")), "reject with a reason")
            check("booked already" in driver.page_source, "the closed request shows why")

            driver.get(root + "/")
            driver.find_element(By.XPATH, "//button[text()='Pause sends']").click()
            wait_for(lambda: "Resume sends" in driver.page_source)
            status = subprocess.run([pxscript, "status", str(script)], env=env, capture_output=True, text=True, timeout=60).stdout
            check("PAUSED" in status, "pause from the page pauses the state")
            driver.find_element(By.XPATH, "//button[text()='Resume sends']").click()
            wait_for(lambda: "Pause sends" in driver.page_source)

            driver.get(root + "/plan")
            Select(driver.find_element(By.ID, "plan-script")).select_by_index(0)
            driver.find_element(By.XPATH, "//button[text()='Run a dry run']").click()
            check(wait_for(lambda: "would send now" in driver.page_source), "a plan runs from the page")
            snap(driver, shots, "plan")
            axe(driver, axe_source, "plan")

            driver.get(root + "/activity")
            check("sent" in driver.page_source and "rejected" in driver.page_source, "the activity lists the send and the rejection")
            snap(driver, shots, "activity")
            axe(driver, axe_source, "activity")

            driver.get(root + "/results")
            check("line nudge.lua" in driver.page_source and "<svg" in driver.page_source, "results per script line, with charts")
            snap(driver, shots, "results")
            axe(driver, axe_source, "results")

            # Another site's page posts to the dashboard: the browser keeps the session cookie to itself (SameSite=Strict).
            third = subprocess.run([pxscript, "run", str(script), "--", "3"], env=env, capture_output=True, text=True, timeout=60).stdout.strip()
            evil = home / "evil.html"
            evil.write_text(f"""<form method="post" action="{root}/approvals/{third}/approve"><input name="text" value="pwned"></form>
<script>document.forms[0].submit()</script>""")
            driver.get(evil.as_uri())
            wait_for(lambda: driver.current_url.startswith(root))
            time.sleep(0.5)
            check(not sandbox_has(base_url, "pwned"), "a cross-site form post sends nothing")
            # A running daemon with the dashboard beside it: pause on the page, and the daemon holds a reply.
            check_daemon_pause(driver, pxscript, env, home, base_url, processes)
        finally:
            driver.quit()
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(home, ignore_errors=True)
    print(f"\n{'all browser checks passed' if not FAILURES else str(len(FAILURES)) + ' browser check(s) failed'}")
    sys.exit(1 if FAILURES else 0)


def check_daemon_pause(driver, pxscript, env, home, base_url, processes):
    script = home / "autoreply.lua"
    script.write_text('px.on("message", function(event) event:reply("Thanks for writing, " .. event.client.name .. "!") end)\n')
    daemon = subprocess.Popen([pxscript, "watch", str(script), "--interval", "1s", "--dashboard", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env=env)
    processes.append(daemon)
    url = None
    for line in daemon.stdout:
        match = re.search(r"dashboard: (http://\S+)", line)
        if match:
            url = match.group(1)
            break
    check(url is not None, "watch --dashboard prints the dashboard's address")
    root = url.split("?")[0].rstrip("/")
    driver.get(url)
    check(wait_for(lambda: "running (pid" in driver.page_source), "the overview sees the daemon running")
    driver.find_element(By.XPATH, "//button[text()='Pause sends']").click()
    check(wait_for(lambda: "Resume sends" in driver.page_source), "paused from the page")
    port = base_url.split(":")[2].split("/")[0]
    made = subprocess.run([pxscript, "sandbox", "inquiry", "Zoe Park", "zoe@example.com", "Do you photograph pets?", "--port", port],
                          env=env, capture_output=True, text=True, timeout=60)
    check(made.returncode == 0, "a new client writes in")
    time.sleep(5)
    check(not sandbox_has(base_url, "Thanks for writing, Zoe Park!"), "paused: the daemon holds its reply")
    driver.get(root + "/")
    driver.find_element(By.XPATH, "//button[text()='Resume sends']").click()
    check(wait_for(lambda: sandbox_has(base_url, "Thanks for writing, Zoe Park!")), "resumed: the reply goes out")


def notice_says(driver, text):
    """Whether the page's notice holds `text` (a page being replaced may drop its elements meanwhile)."""
    try:
        return any(text in element.text for element in driver.find_elements(By.CSS_SELECTOR, "p.notice"))
    except Exception:
        return False


def sandbox_has(base_url, text):
    request = urllib.request.Request(base_url + "/conversations/?page_size=50&message=true",
                                     headers={"Cookie": "sessionid=browser-test-cookie"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return text in answer.read().decode()


def snap(driver, folder, name):
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"dashboard-{name}.png"))


def axe_script():
    import axe_playwright_python
    return (pathlib.Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


if __name__ == "__main__":
    main()
