#!/usr/bin/env python3
"""Browser check of the hub's web dashboard (issue 14).

Starts `hive serve` on loopback with a fresh data directory, then:
  1. token mode (the default): the summary answers 401 without the token and Debian's headless
     chromium shows the sign-in form (not the panels);
  2. feeds the hub a little real traffic over its API — twins registered with Ed25519-signed
     challenges, each syncing a signed skill trace, then an aggregation round;
  3. restarts the same hub with `--dashboard public`, loads /dashboard in headless chromium
     (--dump-dom) and checks the main panels show the same non-zero figures as /api/v1/stats.
With --screenshot PATH it also saves a screenshot (docs/dashboard.png is refreshed this way, not by CI).

Usage: scripts/dashboard_check.py [--hive .build/debug/hive] [--twins 5] [--screenshot docs/dashboard.png]
Needs: chromium (apt-get install chromium) and python3-cryptography (or pip cryptography).
"""
import argparse, base64, hashlib, html.parser, json, os, secrets, shutil, socket, subprocess, sys, tempfile, time
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


def sync_trace(hub, key, public, registered, index):
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
    status, response = hub.request("POST", "/api/v1/sync", {"type": "full", "since": 0, "envelopes": [envelope], "maxPullCount": 10},
                                   token=registered["accessToken"])
    if status != 200:
        fail("sync: %s %s" % (status, response))
    results = [r.get("status") for r in response.get("results", [])]
    if results != ["accepted"]:
        fail("sync results %s" % results)


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
            sync_trace(hub, key, public, registered, index)
        status, round_ = hub.request("POST", "/api/v1/aggregate", {}, token=token)
        print("fed %d twins (one signed skill trace each); aggregation round → %s" % (args.twins, status))
    finally:
        hub.stop()

    # 3. Public mode on the same data: the page's figures equal /stats.
    hub = Hub(args.hive, data, port, token, "public")
    try:
        # Syncs are counted per process: sync once more with a fresh twin so this process has traffic.
        key, public, registered = register(hub, "dashboard-check-user-late")
        sync_trace(hub, key, public, registered, args.twins)
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
    finally:
        hub.stop()
        shutil.rmtree(data, ignore_errors=True)
    print("dashboard check passed in %.1f s" % (time.time() - started))


if __name__ == "__main__":
    main()
