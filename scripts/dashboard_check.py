#!/usr/bin/env python3
"""Browser check of the hub's web dashboard (issue 14).

Starts `hive serve` on loopback with a fresh data directory, then:
  1. token mode (the default): the summary answers 401 without the token and Debian's headless
     chromium shows the sign-in form (not the panels);
  2. feeds the hub a little real traffic over its API — twins registered with Ed25519-signed
     challenges, each syncing a signed skill trace and a pattern, then an aggregation round that
     consolidates the pattern (so the graph has provenance links);
  3. restarts the same hub with `--dashboard public`, loads /dashboard in headless chromium
     (--dump-dom) and checks the main panels show the same non-zero figures as /api/v1/stats;
  4. drives the page over the DevTools protocol (--remote-debugging-pipe): the ledger panel shows
     the hub's signed tree head and newest entries (leaf hashes recomputed here), "Verify now" passes
     (key pin, Ed25519 signature, consistency, inclusion), passes again after the log grew, and
     FAILS when the head the page trusts is forged; the graph draws the pattern-provenance links;
     no twin id or key appears anywhere in the public page.
With --screenshot PATH it also saves a screenshot (docs/dashboard.png is refreshed this way, not by CI).

Usage: scripts/dashboard_check.py [--hive .build/debug/hive] [--twins 5] [--screenshot docs/dashboard.png]
Needs: chromium (apt-get install chromium) and python3-cryptography (or pip cryptography).
"""
import argparse, base64, fcntl, hashlib, html.parser, json, os, secrets, select, shutil, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def fail(message):
    print("dashboard check FAILED: " + message, file=sys.stderr)
    sys.exit(1)


class Hub:
    def __init__(self, hive, data, port, token, mode):
        self.base = "http://127.0.0.1:%d" % port
        self.token = token
        env = dict(os.environ, HIVE_ADMIN_TOKEN=token)
        args = [hive, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", data, "--log-level", "warning"]
        if mode:
            args += ["--dashboard", mode]
        self.log = open(os.path.join(data, "serve-%s.log" % (mode or "token")), "w")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                fail("hive serve exited with %s (log: %s)" % (self.process.returncode, self.log.name))
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        fail("hub not ready within 60 s")

    def request(self, method, path, body=None, token=None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def canonical(value):
    # RFC 8785 for the ASCII keys, strings and short decimals this script signs.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def node_id(public_key):
    return base64.b32encode(hashlib.sha256(public_key).digest()).decode().lower().rstrip("=")[:26]


def register(hub, user):
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    status, challenge = hub.request("POST", "/api/v1/twins/challenge")
    if status != 201:
        fail("challenge: %s %s" % (status, challenge))
    message = b"\0".join([b"hive.register.v1", challenge["challenge"].encode(), public.hex().encode(), user.encode()])
    body = {"publicKey": public.hex(), "userID": user, "metadata": {"device": "dashboard-check"},
            "challenge": challenge["challenge"], "signature": base64.b64encode(key.sign(message)).decode()}
    status, registered = hub.request("POST", "/api/v1/twins", body)
    if status != 201:
        fail("register %s: %s %s" % (user, status, registered))
    return key, public, registered


def sign_envelope(key, public, kind, value):
    payload = canonical(value)
    stamp = "%016x-%s" % ((int(time.time() * 1000) << 16), node_id(public))
    message = b"\0".join([b"hive.envelope.v1", kind.encode(), stamp.encode(), payload])
    return {"kind": kind, "payload": base64.b64encode(payload).decode(), "signer": public.hex(),
            "signature": base64.b64encode(key.sign(message)).decode(), "stamp": stamp}


def pattern_envelope(key, public, index):
    stamp = "%016x-%s" % ((int(time.time() * 1000) << 16), node_id(public))
    pattern = {"id": "dashboard-check-pattern-%d" % index, "task_type": "recommendation",
               "approach": "Similar to recent 5-star rated content", "tags": ["drama"],
               "context": {"genres": ["drama"], "watch_history": []}, "alpha": 4, "beta": 1, "origin": "local",
               "provenance": [], "stamp": stamp}
    return sign_envelope(key, public, "pattern.v1", pattern)


def sync_trace(hub, key, public, registered, index, with_pattern=False):
    twin_id = registered["twinID"]
    trace = {"trace_id": "dashboard-check-%d-%s" % (index, secrets.token_hex(4)), "intent": "find a film for tonight %d" % index,
             "reasoning_path": [{"step": 1, "action": "look up the schedule"}], "result": "done",
             "confidence": 0.9, "verification_score": 0.8, "lineage": [], "created_at": "2026-11-21T12:00:00Z",
             "instance_id": twin_id, "signature": ""}
    payload = canonical(trace)
    stamp = "%016x-%s" % ((int(time.time() * 1000) << 16), node_id(public))
    message = b"\0".join([b"hive.envelope.v1", b"skill-trace.v1", stamp.encode(), payload])
    envelope = {"kind": "skill-trace.v1", "payload": base64.b64encode(payload).decode(), "signer": public.hex(),
                "signature": base64.b64encode(key.sign(message)).decode(), "stamp": stamp}
    envelopes = [envelope] + ([pattern_envelope(key, public, index)] if with_pattern else [])
    status, response = hub.request("POST", "/api/v1/sync", {"type": "full", "since": 0, "envelopes": envelopes, "maxPullCount": 10},
                                   token=registered["accessToken"])
    if status != 200:
        fail("sync: %s %s" % (status, response))
    results = [r.get("status") for r in response.get("results", [])]
    if results != ["accepted"] * len(envelopes):
        fail("sync results %s (%s)" % (results, [r.get("reason") for r in response.get("results", [])]))


class Figures(html.parser.HTMLParser):
    """Collects data-figure → data-value, the body's data attributes and visible sections."""

    def __init__(self):
        super().__init__()
        self.figures, self.body, self.hidden_ids = {}, {}, set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = attrs
        if "data-figure" in attrs:
            self.figures[attrs["data-figure"]] = attrs.get("data-value", "")
        if "hidden" in attrs and "id" in attrs:
            self.hidden_ids.add(attrs["id"])


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    fail("chromium not found (apt-get install chromium)")


def browse(url, profile, screenshot=None):
    args = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=8000", "--window-size=1280,2200"]
    if screenshot:
        run = subprocess.run(args + ["--screenshot=" + os.path.abspath(screenshot), url], capture_output=True, timeout=120)
        if run.returncode != 0 or not os.path.exists(screenshot):
            fail("screenshot failed: " + run.stderr.decode(errors="replace")[-500:])
    run = subprocess.run(args + ["--dump-dom", url], capture_output=True, timeout=120)
    if run.returncode != 0:
        fail("chromium --dump-dom failed: " + run.stderr.decode(errors="replace")[-500:])
    parser = Figures()
    parser.feed(run.stdout.decode(errors="replace"))
    return parser


class DevTools:
    """Headless chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
    JSON messages separated by NUL, commands on fd 3, answers on fd 4) — no websocket library."""

    def __init__(self, url, profile):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # Move the child's ends to fds 3 and 4 (via high numbers, so neither dup2 clobbers the other).
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)

        def child_fds():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [chromium_binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=" + profile, "--remote-debugging-pipe", "--window-size=1280,2200", "about:blank"]
        self.process = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=child_fds, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        for fd in (to_browser_r, from_browser_w, high_r, high_w):
            os.close(fd)
        self.next_id, self.buffer, self.session = 0, b"", None
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next((t for t in targets if t["type"] == "page"), None)
        target = page["targetId"] if page else self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.navigate", {"url": url})

    def call(self, method, params=None, timeout=60):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        fail("DevTools %s: %s" % (method, reply["error"]))
                    return reply.get("result", {})
            ready, _, _ = select.select([self.from_browser], [], [], 1)
            if ready:
                chunk = os.read(self.from_browser, 1 << 16)
                if not chunk:
                    fail("chromium closed the DevTools pipe during %s" % method)
                self.buffer += chunk
        fail("DevTools %s: no answer within %d s" % (method, timeout))

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            fail("page script error in %r: %s" % (expression[:60], result["exceptionDetails"].get("text")))
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout=30):
        # While the page is still loading the expression may throw (e.g. `document.body` is null
        # before the first parse): that means "not yet", so keep polling and name the last error
        # only if the condition never becomes true.
        deadline = time.time() + timeout
        last_error = None
        while time.time() < deadline:
            result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
            if "exceptionDetails" in result:
                last_error = result["exceptionDetails"].get("text")
            else:
                value = result["result"].get("value")
                if value:
                    return value
            time.sleep(0.2)
        fail("timed out waiting for %s%s" % (what, " (last page error: %s)" % last_error if last_error else ""))

    def close(self):
        try:
            os.write(self.to_browser, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)


VERIFY_RESULT = "document.getElementById('ledger-verify-result').dataset.verify"
VERIFY_CHECKS = "Array.from(document.querySelectorAll('#ledger-verify-checks li')).map(li => [li.dataset.check, li.textContent])"


def click_verify(page):
    page.evaluate("document.getElementById('ledger-verify').click()")
    page.wait_for("!['running', 'idle'].includes(%s)" % VERIFY_RESULT, "the ledger verification to finish")
    return page.evaluate(VERIFY_RESULT), page.evaluate(VERIFY_CHECKS)


def check_ledger_and_graph(hub, data, profile, secrets_to_hide, late_twin):
    """Step 4: the ledger panel, "Verify now" (pass, pass after growth, fail on a forged head), the graph."""
    page = DevTools(hub.base + "/dashboard", profile)
    try:
        page.wait_for("document.body.dataset.ready === '1'", "the page to render live data")
        status, sth = hub.request("GET", "/api/v1/ledger/sth")
        if status != 200 or sth["tree_size"] <= 0:
            fail("/ledger/sth: %s %s" % (status, sth))
        shown = page.evaluate("({size: document.querySelector('[data-figure=\"ledger.treeSize\"]').dataset.value,"
                              " root: document.querySelector('[data-figure=\"ledger.rootHash\"]').dataset.value})")
        if shown["size"] != str(sth["tree_size"]) or shown["root"] != sth["root_hash"]:
            fail("ledger panel shows size %s root %s; /ledger/sth says %s %s" % (shown["size"], shown["root"], sth["tree_size"], sth["root_hash"]))
        rows = page.evaluate("Array.from(document.querySelectorAll('#ledger-entries tbody tr')).map(tr => [tr.dataset.index, tr.dataset.leafHash])")
        if not rows:
            fail("the ledger panel lists no entries")
        first = min(int(i) for i, _ in rows)
        status, entries = hub.request("GET", "/api/v1/ledger/entries?start=%d&end=%d" % (first, sth["tree_size"]))
        expected = {str(e["index"]): hashlib.sha256(b"\0" + base64.b64decode(e["data"])).hexdigest() for e in entries["entries"]}
        for index, leaf in rows:
            if expected.get(index) != leaf:
                fail("ledger entry %s: page shows leaf hash %s, recomputed %s" % (index, leaf, expected.get(index)))
        if page.evaluate("bytesToHex(sha256(new TextEncoder().encode('abc')))") != hashlib.sha256(b"abc").hexdigest():
            fail("the page's SHA-256 disagrees with hashlib")
        print("ledger panel: tree size %d, root %s…, %d newest entries with matching leaf hashes"
              % (sth["tree_size"], sth["root_hash"][:16], len(rows)))

        result, checks = click_verify(page)
        if result != "ok" or len(checks) != 4 or any(c[0] != "ok" for c in checks):
            fail("verify now on a consistent log: %s %s" % (result, checks))
        print("verify now: ok — " + "; ".join(c[1].split(" — ")[0] for c in checks))

        # The log grows (a new twin, a signed trace); the page checks the new head extends the verified one.
        key, public, registered = register(hub, "dashboard-check-user-grow")
        sync_trace(hub, key, public, registered, 1000)
        secrets_to_hide += [registered["twinID"], public.hex()]
        result, checks = click_verify(page)
        grown = int(page.evaluate("document.getElementById('ledger-verify-result').dataset.treeSize"))
        if result != "ok" or grown <= sth["tree_size"] or "verified earlier" not in checks[2][1]:
            fail("verify after growth: %s size %s %s" % (result, grown, checks))
        print("verify now after the log grew %d → %d: ok (%s)" % (sth["tree_size"], grown, checks[2][1].split(" — ")[1]))

        # A forged head (right size, wrong root) in the page's memory must make verification fail.
        page.evaluate("sessionStorage.setItem('hive.dashboard.ledgerHead', JSON.stringify({size: %d, root: '%s'}))"
                      % (grown - 1, "ab" * 32))
        result, checks = click_verify(page)
        consistency = next((c for c in checks if c[1].startswith("consistency")), None)
        if result != "failed" or not consistency or consistency[0] != "failed":
            fail("verify with a forged earlier head did not fail: %s %s" % (result, checks))
        print("verify now against a forged earlier head: FAILED as it must (%s)" % consistency[1].split(" — ")[1])

        status, summary = hub.request("GET", "/api/v1/dashboard/summary")
        edges = page.evaluate("document.querySelectorAll('#chart-graph line.edge').length")
        if not summary["graph"]["edges"] or edges != len(summary["graph"]["edges"]):
            fail("graph: page draws %s links, summary has %s" % (edges, len(summary["graph"]["edges"])))
        print("graph: %d provenance links drawn (twins → consolidated pattern)" % edges)

        html = page.evaluate("document.documentElement.outerHTML + JSON.stringify(sessionStorage)")
        leaked = [value for value in secrets_to_hide if value in html]
        if leaked:
            fail("public page shows twin ids or keys: %s" % leaked[:3])
        print("public page: none of %d twin ids and keys appear" % len(secrets_to_hide))
    finally:
        page.close()


def main():
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--hive", default=".build/debug/hive")
    options.add_argument("--twins", type=int, default=5)
    options.add_argument("--screenshot")
    args = options.parse_args()
    if not os.access(args.hive, os.X_OK):
        fail("no hive binary at %s (swift build --product hive)" % args.hive)
    started = time.time()
    data = tempfile.mkdtemp(prefix="hive-dashboard-check-")
    profile = os.path.join(data, "chromium-profile")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "hive_admin_" + secrets.token_hex(32)

    hub = Hub(args.hive, data, port, token, None)
    secrets_to_hide = [token]
    try:
        # 1. Token mode: data refused without the token; the page shows its sign-in form.
        status, _ = hub.request("GET", "/api/v1/dashboard/summary")
        if status != 401:
            fail("token mode: summary without a token answered %s, expected 401" % status)
        page = browse(hub.base + "/dashboard", profile)
        if page.body.get("data-view") != "sign-in" or "sign-in" in page.hidden_ids or "panels" not in page.hidden_ids:
            fail("token mode: the page does not show its sign-in form (body %s)" % page.body)
        print("token mode: summary 401 without token; page shows the sign-in form")

        # 2. Traffic over the API.
        for index in range(args.twins):
            key, public, registered = register(hub, "dashboard-check-user-%d" % index)
            sync_trace(hub, key, public, registered, index, with_pattern=True)
            secrets_to_hide += [registered["twinID"], public.hex()]
        status, round_ = hub.request("POST", "/api/v1/aggregate", {}, token=token)
        if status != 200 or round_.get("patternsConsolidated", 0) < 1:
            fail("aggregation round: %s %s (expected the twins' shared pattern consolidated)" % (status, round_))
        print("fed %d twins (a signed skill trace and pattern each); aggregation round consolidated %d pattern(s)"
              % (args.twins, round_["patternsConsolidated"]))
    finally:
        hub.stop()

    # 3. Public mode on the same data: the page's figures equal /stats.
    hub = Hub(args.hive, data, port, token, "public")
    try:
        # Syncs are counted per process: sync once more with a fresh twin so this process has traffic.
        key, public, registered = register(hub, "dashboard-check-user-late")
        sync_trace(hub, key, public, registered, args.twins)
        secrets_to_hide += [registered["twinID"], public.hex()]
        status, stats = hub.request("GET", "/api/v1/stats", token=token)
        if status != 200:
            fail("/stats: %s" % status)
        page = browse(hub.base + "/dashboard", profile, args.screenshot)
        if page.body.get("data-ready") != "1" or page.body.get("data-mode") != "public":
            fail("public mode: the page did not render live data (body %s)" % page.body)
        expected = {
            "twins.registered": stats["twins"]["total"],
            "twins.active": stats["twins"]["active"],
            "skills.total": stats["skills"],
            "learning.envelopesAccepted": stats["envelopes"]["accepted"],
            "network.syncs": stats["process"]["syncs"],
            "network.bytesIn": stats["process"]["bytesIn"],
            "learning.modelVersion": stats["modelVersion"],
            "patterns.consolidated": stats["patterns"]["consolidated"],
            "learning.rule": stats["aggregation"]["rule"],
        }
        must_be_positive = ["twins.registered", "twins.active", "skills.total", "learning.envelopesAccepted", "network.syncs",
                            "network.bytesIn"]
        problems = []
        for name, value in expected.items():
            shown = page.figures.get(name)
            if shown != str(value):
                problems.append("%s: page shows %r, /stats says %r" % (name, shown, value))
            elif name in must_be_positive and value <= 0:
                problems.append("%s is %r; expected traffic" % (name, value))
        if problems:
            fail("; ".join(problems))
        for name in must_be_positive:
            print("  %-28s %s" % (name, page.figures[name]))
        print("public mode: panels match /stats")
        if args.screenshot:
            print("screenshot: " + args.screenshot)
        check_ledger_and_graph(hub, data, profile, secrets_to_hide, registered)
    finally:
        hub.stop()
        shutil.rmtree(data, ignore_errors=True)
    print("dashboard check passed in %.1f s" % (time.time() - started))


if __name__ == "__main__":
    main()
