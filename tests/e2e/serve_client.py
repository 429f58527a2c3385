"""A `relief serve` process for the tests: started on a free loopback port,
its printed line parsed, JSON requests with the token, and a stop that
sends SIGTERM and returns how long it took.  Standard library only."""
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import time

LINE = re.compile(r"^relief serve: (https?)://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{32,})$")


class Server:
    def __init__(self, relief, data_dirs, workspace, log_path, extra=()):
        args = [relief, "serve", "--listen=127.0.0.1:0", "--workspace=" + workspace]
        args += ["--data=" + d for d in data_dirs] + list(extra)
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        self.line = self.proc.stdout.readline().decode().rstrip("\n")
        m = LINE.match(self.line)
        if not m:
            self.proc.kill()
            raise AssertionError("unexpected first line %r" % self.line)
        self.scheme, self.port, self.token = m.group(1), int(m.group(2)), m.group(3)
        self.origin = "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def request(self, method, path, body=None, token=True, headers=None, raw=None, timeout=120):
        """(status, bytes) of one request; body is JSON-encoded."""
        if self.scheme == "https":  # the tests' self-signed certificate
            c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                            context=ssl._create_unverified_context())
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if token is True:
            h["Authorization"] = "Bearer " + self.token
        elif token:
            h["Authorization"] = "Bearer " + token
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        self.last_headers = r.getheaders()
        out = r.read()
        c.close()
        return r.status, out

    def json(self, method, path, body=None, expect=200):
        status, out = self.request(method, path, body)
        assert status == expect, "%s %s: %d %s" % (method, path, status, out[:300])
        return json.loads(out)

    def run(self, body, timeout=600):
        """Posts a run and waits for it; returns the final status object."""
        rid = self.json("POST", "/api/runs", body, expect=202)["id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.json("GET", "/api/runs/%d" % rid)
            if st["status"] in ("done", "failed"):
                return st
            time.sleep(0.1)
        raise AssertionError("run %d did not finish" % rid)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends sig; returns (seconds until exit, exit status)."""
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return time.monotonic() - t0, rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()


def options_json(dismiss, reduce, **extra):
    return {"baselineEligibility": {"dismiss": dismiss, "reduce": reduce}, "additionalRelief": extra}
