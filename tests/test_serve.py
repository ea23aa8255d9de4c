"""graphtool serve: real uvicorn on 127.0.0.1 (a thread, a free port), real stores, real Chromium.

HTTP-level tests run on both stores; the browser flow runs once per store on the demo case.
"""
from __future__ import annotations

import csv
import html
import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from graphtool.analyze.copies_store import detect_copies
from graphtool.analyze.scores_store import run_analyses
from graphtool.load import import_paths
from graphtool.serve import audit as audit_mod
from graphtool.serve.audit import AuditLog
from graphtool.serve.server import bind
from graphtool.serve.users import Users
from graphtool.serve.web import build_app

from conftest import CASE, ROOT

ACCOUNT = "wechat:sim_fengqiao_news"
ACCOUNT_NAME = "枫桥快讯 (sim)"
PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
ARTIFACTS = ROOT / "test-artifacts" / "serve"
# SwiftShader (WebGL without a GPU) logs its own performance notes as console warnings; not the page's doing
GL_DRIVER = re.compile(r"\[\.WebGL-0x[0-9a-f]+\]GL Driver Message \(OpenGL, Performance")


HOSTILE = [("x:hostile_img", IMG), ("x:hostile_script", SCRIPT), ("x:hostile_cypher", "x' }) MATCH (n) DETACH DELETE n //"),
           ("x:hostile_link", "javascript:alert(1)")]


def load_case(store, folder: Path) -> None:
    """The case with its copies and scores (what the entity page shows), and accounts with hostile names."""
    assert import_paths(store, [CASE]).rejected == 0
    hostile = folder / "Account.csv"
    with hostile.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "platform", "handle", "display_name", "url", "description"])
        for node_id, name in HOSTILE:
            writer.writerow([node_id, "x", node_id.split(":")[1], f"hostile {name}", f"https://x.com/{name}", name])
    assert import_paths(store, [hostile]).rejected == 0
    detect_copies(store, show=False)
    run_analyses(store, seed=0, progress=False)


class Served:
    """The app on a real uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, store, folder: Path):
        import uvicorn

        self.users = Users(folder / "users.json")
        self.audit_path = folder / "audit.jsonl"
        self.app = build_app(store, self.users, AuditLog(self.audit_path))
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                break
            time.sleep(0.05)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    def records(self, **filters) -> list[dict]:
        return audit_mod.read(self.audit_path, **filters)


class Client:
    """A minimal HTTP client that keeps the session cookie and never follows redirects."""

    def __init__(self, served: Served, token: str | None = None):
        self.served, self.cookie, self.token, self.csrf = served, None, token, None

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.served.port, timeout=60)
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["content-type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["cookie"] = self.cookie
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.text = response.read().decode("utf-8", "replace")
        conn.close()
        if cookie := response.getheader("set-cookie"):
            self.cookie = cookie.split(";", 1)[0] if "=;" not in cookie.split(";", 1)[0] + ";" else None
        if m := re.search(r'name="csrf" value="([^"]+)"', response.text):
            self.csrf = m.group(1)
        return response

    def get(self, path: str, **params):
        return self.request("GET", path + (f"?{urlencode(params)}" if params else ""))

    def login(self, name: str, password: str = PASSWORD):
        response = self.request("POST", "/login", {"username": name, "password": password, "next": "/"})
        if response.status == 303:
            self.get("/")  # picks up the CSRF token
        return response


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def case_store(request, tmp_path_factory):
    """The case, loaded once per store for this module's tests (loading and scoring is the slow part)."""
    from graphtool.store import open_store

    if request.param == "embedded":
        store = open_store(f"embedded:{request.getfixturevalue('embedded_dir')}")
    else:
        store = open_store(request.getfixturevalue("neo4j_server").uri)
    store.clear()
    load_case(store, tmp_path_factory.mktemp("hostile"))
    yield store
    store.clear()
    store.close()


@pytest.fixture(scope="module")
def served(case_store, tmp_path_factory):
    s = Served(case_store, tmp_path_factory.mktemp("serve"))
    s.users.add("vera", "viewer", PASSWORD)
    s.users.add("anna", "analyst", PASSWORD)
    s.users.add("adam", "admin", PASSWORD)
    yield s
    s.stop()


def _concrete(path: str) -> str:
    return path.replace("{name}", "search").replace("{fmt:str}", "csv")


def test_every_route_refuses_without_a_session(served):
    """Enumerates the app's routes: a route added later is checked too."""
    from starlette.routing import Mount

    public = {"/login", "/login.css"}
    anonymous = Client(served)
    checked = 0
    for route in served.app.routes:
        if isinstance(route, Mount):
            response = anonymous.get(route.path + "/app.js")
            assert response.status == 401, route.path
            checked += 1
            continue
        for method in sorted(route.methods - {"HEAD"}):
            path = _concrete(route.path)
            response = anonymous.request(method, path, form={} if method == "POST" else None)
            if path in public:
                assert response.status in (200, 401), (method, path)  # POST /login: 401 is a failed login
                continue
            if method == "GET" and not path.startswith("/api/"):
                assert response.status == 303 and response.getheader("location").startswith("/login?next="), path
            else:
                assert response.status == 401, (method, path)
            checked += 1
    assert checked >= 17
    # a forged cookie and a wrong token are no session
    assert Client(served, token="gt_nothing").get("/api/search", q="x").status == 401
    forged = Client(served)
    forged.cookie = "graphtool_session=forged"
    assert forged.get("/").status == 303


def test_security_headers_and_login_page(served):
    response = Client(served).get("/login")
    assert response.status == 200
    csp = response.getheader("content-security-policy")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.getheader("x-content-type-options") == "nosniff"
    assert response.getheader("referrer-policy") == "no-referrer"
    assert "<script" not in response.text


def test_login_roles_csrf_and_audit(served):
    anna = Client(served)
    assert anna.login("anna", "wrong password!").status == 401
    response = anna.login("anna")
    assert response.status == 303
    cookie = response.getheader("set-cookie").lower()
    assert "httponly" in cookie and "samesite=strict" in cookie

    page = anna.get("/search", q="枫桥")
    assert page.status == 200 and ACCOUNT_NAME in page.text and ACCOUNT in page.text
    page = anna.get("/entity", id=ACCOUNT)
    assert page.status == 200 and 'id="reasons"' in page.text
    assert re.search(r'<ol id="reasons"><li>(?!no signal)', page.text), "the unclear account has reasons"
    assert "Ownership chain" in page.text or "Identifiers" in page.text
    download = anna.get("/queries/account-summary/download.csv", account=ACCOUNT)
    assert download.status == 200 and download.text.splitlines()[0].startswith("account,platform")
    assert ACCOUNT in download.text
    as_json = json.loads(anna.get("/queries/account-summary/download.json", account=ACCOUNT).text)
    assert as_json["rows"][0]["account"] == ACCOUNT
    assert ":param account => 'wechat:sim_fengqiao_news'" in html.unescape(anna.get("/queries/account-summary").text)

    # a POST without the CSRF token is refused, with it the ad-hoc query runs
    assert anna.request("POST", "/cypher", {"text": "RETURN 1 AS one"}).status == 403
    adhoc = anna.request("POST", "/cypher", {"text": "RETURN 1 AS one", "csrf": anna.csrf})
    assert adhoc.status == 200 and "<td>1</td>" in adhoc.text
    refused = anna.request("POST", "/cypher", {"text": "MATCH (n) DETACH DELETE n", "csrf": anna.csrf})
    assert refused.status == 200 and 'id="error"' in refused.text
    assert anna.request("POST", "/admin/users", {"action": "add", "name": "x", "csrf": anna.csrf}).status == 403
    elsewhere = anna.request("POST", "/cypher", {"text": "RETURN 1 AS one", "csrf": anna.csrf},
                             headers={"origin": "https://evil.example"})
    assert elsewhere.status == 403  # the right token, but posted from another site
    assert anna.request("POST", "/cypher", {"text": "RETURN 1 AS one", "csrf": anna.csrf},
                        headers={"sec-fetch-site": "cross-site", "origin": "null"}).status == 403
    assert Client(served).request("POST", "/login", {"username": "anna", "password": PASSWORD},
                                  headers={"origin": "https://evil.example"}).status == 403

    vera = Client(served)
    vera.login("vera")
    assert vera.get("/queries/account-summary", run="1", account=ACCOUNT).status == 200
    assert vera.get("/queries/account-summary/download.csv", account=ACCOUNT).status == 403
    assert vera.get("/cypher").status == 403
    assert vera.get("/api/queries/search", text="x").status == 403

    # API token: works, is stored hashed, never logged
    token = served.users.new_token("anna", "script")
    assert token not in served.users.path.read_text()
    api = Client(served, token=token).get("/api/search", q="枫桥")
    assert api.status == 200 and ACCOUNT in json.loads(api.text)["Account"][0]["id"]
    scripted = Client(served, token=token).request("POST", "/cypher", {"text": "RETURN 2 AS two"})
    assert scripted.status == 200 and "<td>2</td>" in scripted.text  # a token needs no CSRF token

    assert anna.request("POST", "/logout", {"csrf": anna.csrf}).status == 303
    assert anna.get("/").status == 303  # the session is gone

    logins = served.records(action="login", user="anna")
    assert [r["detail"]["ok"] for r in logins][:2] == [False, True]
    assert all(r["address"] == "127.0.0.1" and r["time"].endswith("Z") for r in logins)
    assert served.records(action="search", user="anna")[0]["detail"]["q"] == "枫桥"
    assert served.records(action="view", user="anna")[0]["detail"]["id"] == ACCOUNT
    assert {r["detail"]["name"] for r in served.records(action="query", user="anna")} >= {"ad-hoc"}
    assert served.records(action="export", user="anna")[0]["detail"]["params"] == {"account": ACCOUNT}
    denied = served.records(action="denied", user="vera")
    assert {r["detail"]["path"] for r in denied} == {"/queries/account-summary/download.csv", "/cypher",
                                                     "/api/queries/search"}
    log = served.audit_path.read_text(encoding="utf-8")
    assert PASSWORD not in log and "wrong password" not in log and token not in log
    assert audit_mod.verify(served.audit_path).ok


def test_login_rate_limit(served):
    served.users.add("rita", "viewer", PASSWORD)
    client = Client(served)
    for _ in range(5):
        assert client.login("rita", "not the password").status == 401
    assert client.login("rita").status == 429  # even the right password waits
    assert served.records(action="login", user="rita")[-1]["detail"] == {"ok": False, "reason": "rate-limited"}


def _graphtool(*args, input: str | None = None, cwd=None):
    return subprocess.run([sys.executable, "-m", "graphtool", *args], capture_output=True, text=True, input=input,
                          cwd=cwd, timeout=120)


def test_users_and_audit_commands(tmp_path):
    users, audit = tmp_path / "users.json", tmp_path / "audit.jsonl"
    where = ["--users", str(users), "--audit", str(audit)]
    out = _graphtool("users", "add", "Maria", "--role", "analyst", "--password-stdin", *where, input=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert users.stat().st_mode & 0o777 == 0o600
    assert "argon2id" in users.read_text() and PASSWORD not in users.read_text()
    short = _graphtool("users", "add", "bob", "--role", "viewer", "--password-stdin", *where, input="short\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    bad_role = _graphtool("users", "add", "bob", "--role", "root", "--password-stdin", *where, input=PASSWORD + "\n")
    assert bad_role.returncode == 2 and "viewer, analyst, admin" in bad_role.stderr
    assert _graphtool("users", "token", "maria", *where).stdout.startswith("gt_")
    assert _graphtool("users", "list", *where).stdout.split("\t")[:2] == ["maria", "analyst"]
    assert _graphtool("users", "passwd", "maria", "--password-stdin", *where,
                      input="another long password\n").returncode == 0
    assert _graphtool("users", "remove", "maria", *where).returncode == 0
    assert _graphtool("users", "remove", "maria", *where).returncode != 0

    verified = _graphtool("audit", "verify", "--audit", str(audit))
    assert verified.returncode == 0 and "4 records" in verified.stdout, verified.stdout + verified.stderr
    shown = _graphtool("audit", "show", "--action", "user-change", "--since", "2020-01-01", "--audit", str(audit))
    assert shown.stdout.count("user-change") == 4 and "change=\"token\"" in shown.stdout
    assert _graphtool("audit", "show", "--user", "nobody", "--audit", str(audit)).stdout == ""

    lines = audit.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"passwd"', '"token"').replace('"token"', '"add"', 1)
    audit.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = _graphtool("audit", "verify", "--audit", str(audit))
    assert broken.returncode == 1 and "line 3" in broken.stderr


def test_port_in_use_is_one_line_and_exit_2(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        out = _graphtool("--store", f"embedded:{tmp_path / 'store'}", "serve", "--port", str(port),
                         "--users", str(tmp_path / "u.json"))
    finally:
        taken.close()
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: port {port} on 127.0.0.1 is in use: stop what listens there or pick " \
                                 "another with --port"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"NO BROWSER: {CHROMIUM} is missing (scripts/test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": 1300, "height": 900}, service_workers="block", accept_downloads=True)
        yield context
        context.close()


def test_browser_flow(served, browser, case_store, tmp_path):
    """Log in, search a Chinese name, open the account and its reasons, a narrative, a canned query and its
    CSV, the hostile names as text; nothing runs, nothing is asked of another origin; log out."""
    errors, dialogs, requests = [], [], []
    page = browser.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") and
            not GL_DRIVER.match(m.text) else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(served.origin + "/")
               else route.abort())
    backend = "embedded" if case_store.url.startswith("embedded") else "neo4j"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(served.origin + "/search?q=x")
    assert "/login?next=" in page.url  # redirected, and brought back after signing in
    page.fill("#username", "anna")
    page.fill("#password", PASSWORD)
    page.click("#signin")
    page.wait_for_selector("#q")
    assert page.url.endswith("/search?q=x")

    page.fill("#q", "枫桥快讯")
    page.press("#q", "Enter")
    page.wait_for_selector("section[data-kind=Account] a.result")
    page.screenshot(path=str(ARTIFACTS / f"search-{backend}.png"))
    page.click(f"section[data-kind=Account] a.result:text('{ACCOUNT_NAME}')")
    page.wait_for_selector("#reasons")
    assert page.text_content("#entity-name") == ACCOUNT_NAME
    reasons = page.locator("#reasons li").all_text_contents()
    assert reasons and reasons != ["no signal"]
    assert page.locator("#identifiers td").count() > 0
    page.screenshot(path=str(ARTIFACTS / f"entity-{backend}.png"), full_page=True)

    page.click("#explore")  # the graph explorer: sigma.js on WebGL, neighbours from /api/neighbours
    page.wait_for_selector("body[data-graph-ready]", state="attached", timeout=60_000)
    first = page.evaluate("() => graphtoolExplorer.graph.order")
    assert first > 1 and page.text_content("#selected-name") == ACCOUNT_NAME
    assert page.locator("#selected-counts li").count() >= 1
    page.click("#neighbours li[data-id^='art:']")  # select a neighbour, then expand it
    page.click("#expand")
    for _ in range(120):
        if page.evaluate("() => graphtoolExplorer.graph.order") > first:
            break
        time.sleep(0.25)
    assert page.evaluate("() => graphtoolExplorer.graph.order") > first
    page.screenshot(path=str(ARTIFACTS / f"explore-{backend}.png"))

    page.goto(served.origin + "/")
    page.click("a[href^='/narrative?id=narrative%3Aconservative']")
    page.wait_for_selector("#first tbody tr")
    drawn = "() => document.getElementById('timeline').complete && document.getElementById('timeline').naturalWidth"
    for _ in range(120):  # the figure is drawn on request; CSP rules out Playwright's eval-based waits
        if page.evaluate(drawn):
            break
        time.sleep(0.25)
    assert page.evaluate(drawn) > 0

    page.goto(served.origin + "/queries/account-summary")
    page.fill("input[name=account]", ACCOUNT)
    page.click("#run")
    page.wait_for_selector("#results tbody tr")
    page.click("#results th:text('followers')")  # sorting moves rows, never re-parses them
    assert page.get_attribute("#results th:text('followers')", "aria-sort") == "ascending"
    with page.expect_download() as info:
        page.click("#download-csv")
    saved = tmp_path / "account-summary.csv"
    info.value.save_as(saved)
    assert ACCOUNT in saved.read_text(encoding="utf-8")

    for node_id, name in HOSTILE:
        page.goto(served.origin + "/search?q=hostile")
        page.wait_for_selector("section[data-kind=Account]")
        page.goto(served.origin + f"/entity?{urlencode({'id': node_id})}")
        page.wait_for_selector("#entity-name")
        assert page.text_content("#entity-name") == f"hostile {name}"
        assert page.evaluate("() => document.querySelectorAll('img, iframe, object, embed, base').length") == 0
        assert page.evaluate("() => document.scripts.length") == 1
        page.goto(served.origin + f"/explore?{urlencode({'id': node_id})}")
        page.wait_for_selector("body[data-graph-ready]", state="attached", timeout=60_000)
        assert page.text_content("#selected-name") == f"hostile {name}"
    page.screenshot(path=str(ARTIFACTS / f"hostile-{backend}.png"))

    page.click("#logout")
    page.wait_for_selector("#signin")
    page.goto(served.origin + "/")
    assert "/login" in page.url
    assert errors == [] and dialogs == []
    assert all(url.startswith(served.origin + "/") for url in requests), [u for u in requests
                                                                          if not u.startswith(served.origin)]
    page.close()


@pytest.mark.parametrize("case_store", ["embedded"], indirect=True)  # the demo is an embedded store
def test_serve_demo_prints_a_one_time_account(case_store, embedded_dir, tmp_path):
    """`graphtool serve --demo`: a one-time admin account that signs in, and is gone when the server stops."""
    import signal

    users = tmp_path / "users.json"
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    process = subprocess.Popen([sys.executable, "-u", "-m", "graphtool", "--store", f"embedded:{embedded_dir}",
                                "serve", "--demo", "--port", str(port), "--users", str(users)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        account = re.search(r"one-time account: name (\S+)  password (\S+)", lines[1])
        assert account, lines
        assert lines[0].startswith(f"graphtool serve: embedded:") and f"http://127.0.0.1:{port}/" in lines[0]
        client = Client(type("At", (), {"port": port})())
        for _ in range(100):
            try:
                response = client.login(account.group(1), account.group(2))
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        assert response.status == 303
        assert client.get("/admin/users").status == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    assert Users(users).all() == []
    assert [r["detail"]["change"] for r in audit_mod.read(tmp_path / "audit.jsonl", action="user-change")] == \
        ["add", "remove"]
