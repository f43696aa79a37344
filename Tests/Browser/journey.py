#!/usr/bin/env python3
"""The seed's journey in a real browser (Debian's chromium, driven by selenium).

It starts the Authlib peer and `keyflow serve` (a fresh home, one team user, the team's
agents imported from a folder), signs in with the user's API token, then:
  1. opens the Vault;
  2. Add OAuth Connection -> Custom OAuth 2.0 with PKCE, pointed at the Authlib peer;
  3. Add Connection -> approves at the peer -> back in the Vault, status ready;
  4. picks the connection in an agent's APICall dropdown (saved as a new revision), and sees
     the agent's graph with the APICall badged with that connection;
  5. runs the agent and sees the API's answer, and the graph coloured by the run;
  6. + Add New from the component: creates, approves and selects a second connection;
  7. Duplicate, Edit (renames the copy to a name that would break out of a JavaScript
     string), Sign out, Authenticate again and Remove (the confirm dialog shows the name as
     text, and nothing else runs) in the Vault;
  7e. adds an API key connection: ready as saved, Set key instead of Authenticate, the key
     never in a page;
  8. signs out, and the ended session's cookie, replayed, no longer opens the Vault.
The pages run under a Content-Security-Policy without 'unsafe-inline'; any violation the
browser reports fails the journey. Logins go on to the provider from a page of ours, since
the policy's form-action also covers a form's redirect.
Screenshots of the Vault, the Add dialog for each kind, the agent dropdown and the agent's
graph after the run go to --screenshots. Exits non-zero, saying which step failed, when anything is off.

Usage: journey.py --keyflow PATH/TO/keyflow [--screenshots DIR]
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = Path(__file__).resolve().parents[2]
# Closes a JavaScript string and calls alert(1) if a page ever puts it into inline code
# (the old onsubmit="return confirm('Remove …?')" showed an alert "1" first).
SCRIPT_NAME = "x'+alert(1)+'"
KINDS = ["google", "linkedin", "x-oauth1", "x-oauth2", "custom-oauth2", "custom-oauth1", "client-credentials", "api-key"]
API_KEY = "sk-journey-canary-7c41d0e9"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"journey: {url} did not answer within {seconds} s")


def find_binary(*names):
    for name in names:
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if path:
            return path
    return None


def agent_document(api_url):
    """An agent whose APICall reads the peer's /api/me; it starts with no OAuth. Its components
    stand where Studio would have put them (`left`/`top`), which the agent's graph follows."""
    port = lambda name, index, **extra: {"name": name, "index": index, **extra}
    return {
        "id": "peer-profile",
        "name": "Peer profile",
        "components": [
            {"id": "E", "name": "APIEndpoint", "title": "Profile", "left": "0px", "top": "40px",
             "data": {"endpoint": "profile", "method": "POST"},
             "inputs": [port("note", 0, type="Text", optional=True)],
             "outputs": [port("headers", 0, default=True), port("body", 1, default=True), port("query", 2, default=True)]},
            {"id": "ME", "name": "APICall", "title": "Who am I at the peer", "left": "330px", "top": "0px",
             "data": {"method": "GET", "url": api_url, "contentType": "none", "headers": "{}", "oauthService": "None"},
             "inputs": [port("trigger", 0, type="Any")],
             "outputs": [port("Response", 0, default=True), port("Headers", 1, default=True), port("_error", 2)]},
            {"id": "OUT", "name": "APIOutput", "title": "Result", "left": "660px", "top": "60px", "data": {"format": "minimal"},
             "inputs": [port("result", 0)], "outputs": [port("Output", 0, default=True)]},
        ],
        "connections": [
            {"sourceId": "E", "sourceIndex": 1, "targetId": "ME", "targetIndex": 0},
            {"sourceId": "ME", "sourceIndex": 0, "targetId": "OUT", "targetIndex": 0},
        ],
    }


class Journey:
    def __init__(self, args):
        self.args = args
        self.processes = []
        self.step = "setting up"
        self.shots = Path(args.screenshots) if args.screenshots else None

    # -- set-up -------------------------------------------------------------------------

    def start_peer(self):
        python = sys.executable
        peer = subprocess.Popen([python, str(REPO / "peers" / "authlib_server.py"), "--port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.processes.append(peer)
        line = peer.stdout.readline().strip()
        if not line.startswith("READY "):
            raise SystemExit(f"journey: the Authlib peer did not start ({line!r})")
        self.peer = line.split(" ", 1)[1]

    def start_keyflow(self):
        self.home = Path(tempfile.mkdtemp(prefix="keyflow-browser-"))
        self.agents = self.home / "agents"
        self.agents.mkdir()
        (self.agents / "peer-profile.smyth").write_text(json.dumps(agent_document(self.peer + "/api/me"), indent=2))
        shutil.copy(REPO / "workflows" / "legacy-inline.smyth", self.agents / "legacy-inline.smyth")
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, KEYFLOW_HOME=str(self.home), KEYFLOW_PUBLIC_URL=self.base)
        env["KEYFLOW_ALLOW_NETWORK"] = "127.0.0.0/8"  # the Authlib peer is on loopback, which serve refuses by default
        added = subprocess.run([self.args.keyflow, "users", "add", "ada", "--team", "acme"], env=env,
                               capture_output=True, text=True, check=True)
        self.token = next(word for word in added.stdout.split() if word.startswith("kft_"))
        # Agents belong to a team: the folder goes into ada's team (`serve --agents` would import into "local").
        subprocess.run([self.args.keyflow, "agents", "import", str(self.agents), "--team", "acme"], env=env,
                       capture_output=True, text=True, check=True)
        self.log = open(self.home / "serve.log", "w")
        server = subprocess.Popen([self.args.keyflow, "serve", "--port", str(port)],
                                  env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.processes.append(server)
        wait_http(self.base + "/healthz")

    def start_browser(self):
        chromium = find_binary("chromium", "chromium-browser")
        driver_path = find_binary("chromedriver")
        if not chromium or not driver_path:
            raise SystemExit("journey: needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
        options = Options()
        options.binary_location = chromium
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900",
                     "--no-first-run", "--password-store=basic"]:
            options.add_argument(flag)
        # The console is read after each step: the browser reports policy violations there.
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.browser = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        # Pages reload under the checks (a form posts, the server redirects): elements found
        # on the old page go stale, so waits look again instead of failing.
        self.wait = WebDriverWait(self.browser, 20, ignored_exceptions=[StaleElementReferenceException])

    def stop(self):
        if getattr(self, "browser", None):
            self.browser.quit()
        for process in self.processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    # -- helpers ------------------------------------------------------------------------

    def shot(self, name, element=None):
        if not self.shots:
            return
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        if element is None:
            self.browser.save_screenshot(str(path))
        else:
            element.screenshot(str(path))

    def shot_dropdown(self, name):
        """A native dropdown can't be photographed open, so it is shown as a list meanwhile."""
        if not self.shots:
            return
        select = self.browser.find_element(By.CSS_SELECTOR, "select.oauth-choice")
        self.browser.execute_script("arguments[0].size = arguments[0].options.length", select)
        self.shot(name, self.browser.find_element(By.CSS_SELECTOR, ".apicall"))
        self.browser.execute_script("arguments[0].size = 0", select)

    def graph_nodes(self):
        """The agent graph's component nodes, by component id."""
        graph = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#agent-graph svg.agent-graph")))
        self.expect(graph.get_attribute("role") == "img" and graph.get_attribute("aria-label"), "the graph is labelled")
        return {node.get_attribute("data-component"): node for node in graph.find_elements(By.CSS_SELECTOR, "g.node")}

    def expect(self, condition, message):
        if not condition:
            raise AssertionError(message)

    def api(self, path):
        """GET from the JSON API as the journey's user."""
        request = urllib.request.Request(self.base + path, headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def expect_no_policy_violations(self):
        """Fails on anything the Content-Security-Policy blocked since the last look."""
        blocked = [entry.get("message", "") for entry in self.browser.get_log("browser")
                   if "Content Security Policy" in entry.get("message", "") or "Refused to" in entry.get("message", "")]
        self.expect(not blocked, f"the browser blocked something under the page's policy: {blocked}")

    def expect_no_alert(self, seconds=1.5):
        """Nothing opens a dialog by itself (a script that got in would)."""
        try:
            alert = WebDriverWait(self.browser, seconds).until(EC.alert_is_present())
        except TimeoutException:
            return
        text = alert.text
        alert.dismiss()
        raise AssertionError(f"an unexpected dialog opened: {text!r}")

    def page_text(self):
        return self.browser.find_element(By.TAG_NAME, "body").text

    def row(self, name):
        for row in self.browser.find_elements(By.CSS_SELECTOR, "#connections tbody tr"):
            if row.find_elements(By.TAG_NAME, "td") and row.find_elements(By.TAG_NAME, "td")[0].text.startswith(name):
                return row
        return None

    def status_of(self, name):
        row = self.row(name)
        return row.find_elements(By.TAG_NAME, "td")[2].text if row else None

    def fill_custom_oauth2(self, name, client, secret, pkce):
        dialog = self.browser.find_element(By.ID, "add-dialog")
        Select(dialog.find_element(By.NAME, "kind")).select_by_value("custom-oauth2")
        values = {"name": name, "clientID": client, "clientSecret": secret, "scopes": "read",
                  "authorizationURL": self.peer + "/authorize", "tokenURL": self.peer + "/token"}
        for field, value in values.items():
            element = dialog.find_element(By.NAME, field)
            element.clear()
            element.send_keys(value)
        box = dialog.find_element(By.NAME, "pkce")
        if box.is_selected() != pkce:
            box.click()
        return dialog

    def approve_at_peer(self):
        self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "button[name=confirm][value=yes]"))).click()

    # -- the journey --------------------------------------------------------------------

    def run(self):
        b = self.browser
        self.step = "0. sign in with the API token"
        b.get(self.base + "/vault")
        self.wait.until(EC.url_contains("/signin"))
        b.find_element(By.ID, "token").send_keys(self.token)
        b.find_element(By.ID, "sign-in").click()
        self.wait.until(EC.presence_of_element_located((By.ID, "connections")))
        self.expect("ada" in self.page_text() and "acme" in self.page_text(), "the header should name the signed-in user and team")
        cookie = b.get_cookie("kf_session")
        self.expect(cookie and cookie.get("httpOnly") and cookie.get("sameSite") == "Lax", f"session cookie flags: {cookie}")

        self.expect_no_policy_violations()

        self.step = "1. open the Vault"
        self.expect("No connections yet." in self.page_text(), "a new vault should be empty")
        self.shot("vault-empty")

        self.step = "2. Add OAuth Connection -> each kind's form, then Custom OAuth 2.0 with PKCE"
        b.find_element(By.ID, "add-connection").click()
        dialog = self.wait.until(EC.visibility_of_element_located((By.ID, "add-dialog")))
        kind = Select(dialog.find_element(By.NAME, "kind"))
        for value in KINDS:
            kind.select_by_value(value)
            visible = {div.get_attribute("data-field") for div in dialog.find_elements(By.CSS_SELECTOR, ".field") if div.is_displayed()}
            self.expect(bool({"clientID", "consumerKey", "apiKey"} & visible), f"{value}: the form should ask for credentials ({visible})")
            callback_shown = dialog.find_element(By.ID, "callback-field").is_displayed()
            self.expect(callback_shown == (value not in ("client-credentials", "api-key")),
                        f"{value}: a callback path is shown only for kinds with a user login")
            if value == "api-key":
                self.expect({"apiKey", "headerName", "headerPrefix", "queryParameter", "allowedHosts"} <= visible,
                            f"api-key shows the key, where it goes and the allowed hosts ({visible})")
            if value == "custom-oauth2":
                self.expect({"authorizationURL", "tokenURL", "pkce"} <= visible, f"custom-oauth2 shows URLs and PKCE ({visible})")
                self.expect("/oauth/oauth2/callback" in dialog.find_element(By.ID, "callback").get_attribute("value"), "callback path")
            if value == "google":
                self.expect("authorizationURL" not in visible, f"google is prefilled ({visible})")
            if value == "client-credentials":
                self.expect({"tokenURL", "audience"} <= visible, f"client credentials shows token URL and audience ({visible})")
            if value == "custom-oauth1":
                self.expect({"requestTokenURL", "accessTokenURL", "userAuthorizationURL"} <= visible, f"custom-oauth1 URLs ({visible})")
                self.expect("/oauth/oauth1/callback" in dialog.find_element(By.ID, "callback").get_attribute("value"), "OAuth 1 callback")
            self.shot(f"add-dialog-{value}", dialog)
        self.fill_custom_oauth2("Peer API", "pkce-client", "secret-pkce", pkce=True)

        self.expect_no_policy_violations()

        self.step = "3. Add Connection -> (our page) -> approve at the peer -> back in the Vault, ready"
        dialog.find_element(By.ID, "add-submit").click()
        self.wait.until(EC.url_contains(self.peer + "/authorize"))
        self.expect("code_challenge=" in b.current_url, "PKCE: the authorization URL should carry a code_challenge")
        self.approve_at_peer()
        self.wait.until(EC.presence_of_element_located((By.ID, "connections")))
        self.expect(self.status_of("Peer API") == "ready", f"status after approving: {self.status_of('Peer API')}")
        self.expect("secret-pkce" not in b.page_source, "the client secret must never reach the browser")
        self.shot("vault")
        self.expect_no_policy_violations()

        self.step = "4. pick the connection in the agent's APICall dropdown"
        b.get(self.base + "/agents")
        b.find_element(By.LINK_TEXT, "peer-profile").click()
        select = Select(self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "select.oauth-choice"))))
        labels = [option.text for option in select.options]
        self.expect(any(label.startswith("Peer API") for label in labels) and "+ Add New" in labels, f"dropdown choices: {labels}")
        self.shot_dropdown("agent-dropdown")
        option = next(option for option in select.options if option.text.startswith("Peer API"))
        connection_id = option.get_attribute("value")
        select.select_by_value(connection_id)
        self.wait.until(EC.presence_of_element_located((By.ID, "notice")))
        saved = self.api("/api/v1/agents/peer-profile")
        call = next(c for c in saved["components"] if c["id"] == "ME")
        self.expect(call["data"]["oauth_con_id"] == connection_id, "selecting should save the agent with the connection id")
        revisions = self.api("/api/v1/agents/peer-profile/revisions")
        self.expect([r["version"] for r in revisions] == [2, 1] and revisions[0]["changed_by"] == "ada",
                    f"saving keeps the earlier revision and records who saved: {revisions}")

        self.step = "4b. the agent's graph: a node per component, an edge per connection, the APICall's badge"
        nodes = self.graph_nodes()
        self.expect(set(nodes) == {"E", "ME", "OUT"}, f"graph nodes: {sorted(nodes)}")
        self.expect(len(b.find_elements(By.CSS_SELECTOR, "#agent-graph path.edge")) == 2, "an edge per connection")
        badge = nodes["ME"].find_elements(By.CSS_SELECTOR, ".graph-badge text")
        self.expect(badge and badge[0].get_attribute("textContent") == "Peer API",
                    f"the APICall's badge names the connection: {[e.get_attribute('textContent') for e in badge]}")
        self.expect(all("outcome-" not in node.get_attribute("class") for node in nodes.values()), "no outcome before a run")

        self.step = "5. run the agent and see the API's answer"
        b.find_element(By.NAME, "input.note").send_keys("hello")
        b.find_element(By.CSS_SELECTOR, "form.run button").click()
        output = self.wait.until(EC.presence_of_element_located((By.ID, "run-output"))).text
        answer = json.loads(output)
        self.expect(answer.get("result", {}).get("client_id") == "pkce-client", f"the API's answer: {output}")
        self.expect(b.find_elements(By.CSS_SELECTOR, "#trace tbody tr"), "the trace should be shown")
        self.expect(not re.search(r"Bearer\s+[A-Za-z0-9._~+/-]{8,}", b.page_source), "no bearer token may be shown in the trace")
        # The run's part of the page: the graph above it has a picture of its own (agent-graph).
        self.shot("agent-run", b.find_element(By.ID, "run-result"))
        self.expect_no_policy_violations()

        self.step = "5b. the graph coloured by the run, each component with its time"
        for component, node in self.graph_nodes().items():
            self.expect("outcome-ok" in node.get_attribute("class").split(), f"{component} ran: {node.get_attribute('class')}")
            outcome = node.find_element(By.CSS_SELECTOR, "text.node-outcome").get_attribute("textContent")
            self.expect(re.fullmatch(r"ok · [0-9]+(\.[0-9])? ms", outcome), f"{component}'s outcome and time: {outcome!r}")
            # keyflow.css paints it (under the policy, only a stylesheet can): green, not the default white.
            fill = b.execute_script("return getComputedStyle(arguments[0]).fill",
                                    node.find_element(By.CSS_SELECTOR, "rect.node-box"))
            self.expect(fill == "rgb(232, 245, 236)", f"{component}'s box is coloured as ok: {fill}")
        self.shot("agent-graph", b.find_element(By.ID, "agent-graph"))
        self.expect_no_policy_violations()

        self.step = "6. + Add New from the component"
        select = Select(b.find_element(By.CSS_SELECTOR, "select.oauth-choice"))
        select.select_by_value("add_new")
        dialog = self.wait.until(EC.visibility_of_element_located((By.ID, "add-dialog")))
        self.fill_custom_oauth2("Second peer", "confidential-basic", "secret-basic", pkce=False)
        dialog.find_element(By.ID, "add-submit").click()
        self.wait.until(EC.url_contains(self.peer + "/authorize"))
        self.approve_at_peer()
        notice = self.wait.until(EC.presence_of_element_located((By.ID, "notice"))).text
        self.expect("/agents/peer-profile" in b.current_url and "selected in ME" in notice, f"back on the agent: {b.current_url} {notice}")
        selected = Select(b.find_element(By.CSS_SELECTOR, "select.oauth-choice")).first_selected_option.text
        self.expect(selected.startswith("Second peer"), f"the new connection should be selected: {selected}")
        b.find_element(By.CSS_SELECTOR, "form.run button").click()
        answer = json.loads(self.wait.until(EC.presence_of_element_located((By.ID, "run-output"))).text)
        self.expect(answer.get("result", {}).get("client_id") == "confidential-basic", f"the run should use the new connection: {answer}")
        self.expect_no_policy_violations()

        self.step = "6b. the Legacy badge on an agent saved before the Vault"
        b.get(self.base + "/agents/legacy-inline")
        self.expect("Legacy" in b.find_element(By.CSS_SELECTOR, ".apicall h3").text, "the Legacy badge")
        self.shot_dropdown("agent-legacy")

        self.step = "7. Duplicate"
        b.get(self.base + "/vault")
        self.row("Peer API").find_element(By.XPATH, ".//button[text()='Duplicate']").click()
        self.wait.until(lambda _: self.row("Peer API (copy)") is not None)

        self.step = "7b. Edit: rename the copy to a name that is JavaScript if it ever runs"
        self.row("Peer API (copy)").find_element(By.LINK_TEXT, "Edit").click()
        name = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "main form input[name=name]")))
        name.clear()
        name.send_keys(SCRIPT_NAME)
        b.find_element(By.XPATH, "//main//button[text()='Save']").click()
        self.wait.until(lambda _: self.row(SCRIPT_NAME) is not None)
        self.expect_no_alert()

        self.step = "7c. Sign out, then Authenticate again (our page -> the peer -> back, ready)"
        self.row("Peer API").find_element(By.XPATH, ".//button[text()='Sign out']").click()
        self.wait.until(lambda _: self.status_of("Peer API") == "needs-auth")
        self.row("Peer API").find_element(By.XPATH, ".//button[text()='Authenticate']").click()
        self.wait.until(EC.url_contains(self.peer + "/authorize"))
        self.approve_at_peer()
        self.wait.until(EC.presence_of_element_located((By.ID, "connections")))
        self.expect(self.status_of("Peer API") == "ready", f"status after authenticating again: {self.status_of('Peer API')}")

        self.step = "7d. Remove: the confirm dialog shows the name as text, and nothing else runs"
        self.row(SCRIPT_NAME).find_element(By.XPATH, ".//button[text()='Remove']").click()
        confirm = self.wait.until(EC.alert_is_present())
        expected = f"Remove {SCRIPT_NAME}? Its secrets and tokens are deleted."
        self.expect(confirm.text == expected, f"the confirm dialog says {confirm.text!r}, not {expected!r}")
        confirm.accept()
        self.expect_no_alert()
        self.wait.until(lambda _: self.row(SCRIPT_NAME) is None)
        self.expect(self.status_of("Second peer") == "ready", "the other connection is untouched")
        self.expect(self.row("Peer API") is not None, "the original is untouched")
        self.shot("vault-after")
        self.expect_no_policy_violations()

        self.step = "7e. Add an API key: ready at once, the key never shown, Set key instead of Authenticate"
        b.find_element(By.ID, "add-connection").click()
        dialog = self.wait.until(EC.visibility_of_element_located((By.ID, "add-dialog")))
        Select(dialog.find_element(By.NAME, "kind")).select_by_value("api-key")
        dialog.find_element(By.NAME, "name").send_keys("Model API")
        dialog.find_element(By.NAME, "apiKey").send_keys(API_KEY)
        dialog.find_element(By.NAME, "headerName").send_keys("x-api-key")
        dialog.find_element(By.NAME, "allowedHosts").send_keys("api.anthropic.com")
        self.shot("add-dialog-api-key-filled", dialog)
        dialog.find_element(By.ID, "add-submit").click()
        self.wait.until(lambda _: self.row("Model API") is not None)
        self.expect(self.status_of("Model API") == "ready", f"an API key is ready as saved: {self.status_of('Model API')}")
        row = self.row("Model API")
        self.expect(not row.find_elements(By.XPATH, ".//button[text()='Authenticate']") and row.find_elements(By.LINK_TEXT, "Set key"),
                    "an API key has Set key, not Authenticate")
        self.expect(API_KEY not in b.page_source, "the key must never reach the browser")
        row.find_element(By.LINK_TEXT, "Set key").click()
        header = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "main form input[name=headerName]")))
        self.expect(header.get_attribute("value") == "x-api-key", f"the Edit form shows the header: {header.get_attribute('value')}")
        self.expect(API_KEY not in b.page_source, "the Edit form must not show the key")
        self.shot("edit-api-key")
        b.get(self.base + "/vault")
        self.expect_no_policy_violations()

        self.step = "8. sign out of the browser session"
        ended = b.get_cookie("kf_session")
        b.find_element(By.ID, "sign-out").click()
        self.wait.until(EC.url_contains("/signin"))
        b.get(self.base + "/vault")
        self.wait.until(EC.url_contains("/signin"))
        # Signing out ended the session on the server: its cookie, put back, no longer works.
        b.delete_cookie("kf_session")
        b.add_cookie({"name": "kf_session", "value": ended["value"], "path": "/"})
        b.get(self.base + "/vault")
        self.wait.until(EC.url_contains("/signin"))
        print("journey: all steps passed")


def main():
    # A parent such as swift test may start us with SIGTERM blocked; the servers we start
    # would inherit that and ignore terminate().
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser()
    parser.add_argument("--keyflow", required=True)
    parser.add_argument("--screenshots")
    journey = Journey(parser.parse_args())
    try:
        journey.start_peer()
        journey.start_keyflow()
        journey.start_browser()
        journey.run()
    except (AssertionError, Exception) as error:
        print(f"journey failed at step {journey.step}: {type(error).__name__}: {error}", file=sys.stderr)
        if getattr(journey, "browser", None):
            try:
                print(f"  page: {journey.browser.current_url}", file=sys.stderr)
                for entry in journey.browser.get_log("browser"):
                    print(f"  console: {entry.get('level')} {entry.get('message')}", file=sys.stderr)
                print("  " + journey.page_text()[:2000].replace("\n", "\n  "), file=sys.stderr)
            except Exception as detail:  # the report must not hide the failure itself
                print(f"  (could not read the page: {detail})", file=sys.stderr)
        if getattr(journey, "home", None) and (journey.home / "serve.log").exists():
            print("  serve.log: " + (journey.home / "serve.log").read_text()[-2000:], file=sys.stderr)
        sys.exit(1)
    finally:
        journey.stop()


if __name__ == "__main__":
    main()
