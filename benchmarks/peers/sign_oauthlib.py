"""oauthlib's OAuth 1.0a client (what Python users pick), on the bench's inputs.

    .venv/bin/python benchmarks/peers/sign_oauthlib.py INPUT.json

INPUT.json is written by `keyflow-bench sign`. Prints one JSON line: the Authorization header
for the fixed nonce and timestamp (the bench checks it against Keyflow's), and headers per
second measured here, after start-up and a warm-up, as the median of `runs`.
"""
import json
import statistics
import sys
import time

try:
    import oauthlib
    from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, Client
except ImportError:
    print(json.dumps({"skipped": "oauthlib not installed (pip install -r peers/requirements.txt)"}))
    sys.exit(0)

with open(sys.argv[1], encoding="utf-8") as file:
    spec = json.load(file)

body = spec["body"]  # the form body exactly as Keyflow sends it
headers = {"Content-Type": "application/x-www-form-urlencoded"}


def client(**fixed):
    return Client(spec["consumer_key"], client_secret=spec["consumer_secret"],
                  resource_owner_key=spec["token"], resource_owner_secret=spec["token_secret"],
                  signature_method=SIGNATURE_HMAC_SHA1, **fixed)


# The cross-check: the same fixed nonce and timestamp as Keyflow's sample.
_, signed, _ = client(nonce=spec["nonce"], timestamp=str(spec["timestamp"])).sign(
    spec["url"], http_method=spec["method"], body=body, headers=headers)

# The measurement: fresh nonces and timestamps, as in real use.
signer = client()
sink = 0
per_second = []
for run in range(spec["runs"] + 1):
    start = time.perf_counter()
    for _ in range(spec["iterations"]):
        _, out, _ = signer.sign(spec["url"], http_method=spec["method"], body=body, headers=headers)
        sink += len(out["Authorization"])
    seconds = time.perf_counter() - start
    if run > 0:  # run 0 is the warm-up
        per_second.append(spec["iterations"] / seconds)

print(json.dumps({"header": signed["Authorization"], "per_second": statistics.median(per_second),
                  "samples": per_second, "sink": sink, "version": oauthlib.__version__}))
