"""Shared plumbing of the Python conformance suite: the env contract, outcomes, the control plane."""

import json
import os
import time
import traceback
import urllib.error
import urllib.request
import uuid

ROWS = [
    "service",
    "errors",
    "instances",
    "keys",
    "crypto",
    "secrets",
    "managed-rotation",
    "seeded-fixture",
    "asymmetric-sign",
    "asymmetric-encrypt",
    "mac",
]

# --- the env contract (test/sdk/README.md) -------------------------------------------------------
KMS_ENDPOINT = os.environ.get("KMS_ENDPOINT", "127.0.0.1:8080")  # host:port, plain HTTP
KMS_HTTPS_ENDPOINT = os.environ.get("KMS_HTTPS_ENDPOINT", "")  # host:port, TLS (self-signed)
KMS_EMULATOR_URL = os.environ.get("KMS_EMULATOR_URL", "http://" + KMS_ENDPOINT).rstrip("/")
ACCESS_KEY_ID = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID") or "LTAIEmulatorAccessKeyId"
ACCESS_KEY_SECRET = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET") or "EmulatorAccessKeySecret"
REGION_ID = os.environ.get("KMS_REGION_ID", "cn-hangzhou")
CONFORMANCE_OUT = os.environ.get("CONFORMANCE_OUT", "")

# An AccessKeyId the emulator does not know, and a secret that does not match the trusted one.
UNKNOWN_ACCESS_KEY_ID = "LTAIConformanceUnknownKey"
WRONG_ACCESS_KEY_SECRET = ACCESS_KEY_SECRET + "-wrong"

# --- control-plane contract (assumed where not built yet; see test/sdk/README.md) ----------------
RDS_RESOURCE_ROUTE = "rds-instances"  # POST /_emulator/rds-instances
SEED_ROUTE = "seed"  # POST /_emulator/seed
SEED_KEY_ID = "a1b2c3d4-0000-4000-8000-00000000c0f1"
SEED_KEY_ALIAS = "alias/conformance-seeded"
SEED_KEY_DESCRIPTION = "conformance seeded key"
SEED_SECRET_NAME = "conformance/seeded"
SEED_SECRET_VERSION = "v1"
SEED_SECRET_DATA = '{"user":"seeded","password":"Seeded#Passw0rd"}'
# The emulator's seed format (schemas/seed.schema.json).
SEED_DOCUMENT = {
    "keys": [
        {
            "keyId": SEED_KEY_ID,
            "description": SEED_KEY_DESCRIPTION,
            "aliases": [SEED_KEY_ALIAS],
        }
    ],
    "secrets": [
        {
            "secretName": SEED_SECRET_NAME,
            "versions": [{"versionId": SEED_SECRET_VERSION, "secretData": SEED_SECRET_DATA}],
        }
    ],
}


class Outcome(Exception):
    """Ends a row early with a status other than pass."""

    status = "fail"

    def __init__(self, detail):
        super().__init__(detail)
        self.detail = detail


class Fail(Outcome):
    status = "fail"


class NotBuilt(Outcome):
    status = "not-built-yet"


class Skip(Outcome):
    status = "skipped"


class ApiError(Exception):
    """A normalised service error, whatever client raised it."""

    def __init__(self, operation, code, http_status=None, message="", request_id=None, client_side=False):
        super().__init__("%s -> %s (HTTP %s): %s" % (operation, code, http_status, message))
        self.operation = operation
        self.code = code
        self.http_status = http_status
        self.message = message or ""
        self.request_id = request_id
        self.client_side = client_side

    def describe(self):
        text = "%s -> %s (HTTP %s)" % (self.operation, self.code, self.http_status)
        if self.message:
            text += ": " + _short(self.message, 160)
        if self.request_id:
            text += " [RequestId %s]" % self.request_id
        return text


def _short(text, limit):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


# --- control plane ---------------------------------------------------------------------------------
def control(method, route, body=None, timeout=10):
    """Calls /_emulator/<route>; returns (status, parsed JSON or text)."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(KMS_EMULATOR_URL + "/_emulator/" + route, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            status, raw = res.status, res.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def control_required(method, route, body=None):
    """A control call a row depends on: 404 means the endpoint is not built yet."""
    status, payload = control(method, route, body)
    if status == 404:
        raise NotBuilt("control endpoint %s /_emulator/%s answers 404 (not built yet)" % (method, route))
    if isinstance(payload, dict) and payload.get("error") == "UnsupportedOperation":
        raise NotBuilt("control endpoint %s /_emulator/%s: %s" % (method, route, payload.get("message")))
    if status < 200 or status >= 300:
        raise Fail("control endpoint %s /_emulator/%s answered %s: %s" % (method, route, status, _short(payload, 200)))
    return payload


_implemented = None


def implemented_operations():
    """Operation names the emulator says it implements (None when it cannot tell)."""
    global _implemented
    if _implemented is None:
        try:
            status, payload = control("GET", "operations")
            if status == 200 and isinstance(payload, dict):
                _implemented = {o["name"] for o in payload.get("operations", []) if o.get("implemented")}
            else:
                _implemented = False
        except Exception:
            _implemented = False
    return _implemented or None


def classify(error):
    """Turns an ApiError into the row outcome it implies."""
    if error.code == "UnsupportedOperation":
        known = implemented_operations()
        if known is None or error.operation not in known:
            return NotBuilt(error.describe())
    return Fail(error.describe())


# --- assertions ------------------------------------------------------------------------------------
def check(condition, message):
    if not condition:
        raise Fail(message)


def equal(actual, expected, what):
    if actual != expected:
        raise Fail("%s: expected %r, got %r" % (what, expected, actual))


def field(obj, *path):
    """obj['A']['B']...; fails the row, naming the path, when a level is missing."""
    cur = obj
    walked = []
    for name in path:
        walked.append(str(name))
        if isinstance(cur, dict) and name in cur:
            cur = cur[name]
        elif isinstance(cur, list) and isinstance(name, int) and -len(cur) <= name < len(cur):
            cur = cur[name]
        else:
            raise Fail("response has no %s (got %s)" % (".".join(walked), _short(json.dumps(cur, default=str), 300)))
    return cur


def expect_error(call, codes, http_status=None, what=""):
    """Runs call(); it must raise an ApiError whose code is in codes (None: any code, 4xx)."""
    try:
        result = call()
    except ApiError as err:
        if err.code == "UnsupportedOperation" and isinstance(classify(err), NotBuilt):
            raise classify(err)
        if codes is not None and err.code not in codes:
            raise Fail("%s: expected error %s, got %s" % (what, " or ".join(codes), err.describe()))
        if codes is None and (err.client_side or err.http_status is None or not 400 <= int(err.http_status) < 500):
            raise Fail("%s: expected a 4xx error code, got %s" % (what, err.describe()))
        if http_status is not None and err.http_status is not None and int(err.http_status) != http_status:
            raise Fail("%s: expected HTTP %s with %s, got %s" % (what, http_status, err.code, err.describe()))
        return err
    raise Fail("%s: expected an error, the call succeeded: %s" % (what, _short(json.dumps(result, default=str), 200)))


def poll(fn, until, timeout=30.0, interval=0.5):
    """Calls fn() until until(result) holds; returns the last result (the caller asserts)."""
    deadline = time.time() + timeout
    result = fn()
    while not until(result) and time.time() < deadline:
        time.sleep(interval)
        result = fn()
    return result


# --- running rows ----------------------------------------------------------------------------------
class Results:
    def __init__(self):
        self.items = []

    def add(self, client, row, status, detail):
        self.items.append({"client": client, "row": row, "status": status, "detail": detail})
        print("  %-13s %-16s %s" % (status, row, _short(detail, 220)), flush=True)

    def run(self, client, row, fn):
        started = time.time()
        try:
            detail = fn() or "ok"
            status = "pass"
        except Outcome as out:
            status, detail = out.status, out.detail
        except ApiError as err:
            out = classify(err)
            status, detail = out.status, out.detail
        except Exception as exc:  # a crash inside a client is a failure of that row
            frames = traceback.extract_tb(exc.__traceback__)
            where = ""
            if frames:
                last = frames[-1]
                where = " at %s:%s" % (os.path.basename(last.filename), last.lineno)
            status, detail = "fail", "%s: %s%s" % (type(exc).__name__, _short(exc, 300), where)
        elapsed = time.time() - started
        if elapsed > 5 and status != "pass":
            detail = "%s (%.1f s)" % (detail, elapsed)
        self.add(client, row, status, detail)

    def write(self, path):
        data = json.dumps(self.items, indent=2, ensure_ascii=False)
        if path:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(data + "\n")
        else:
            print(data)
