"""What the peers' self-tests share: the pass/fail tally and the peer server subprocess.

selftest.py (the OAuth peers) and llm_selftest.py (the LLM API stand-ins) both count into
TALLY, so selftest.py's closing line covers every check it ran.
"""

import os
import signal
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable


class Tally:
    def __init__(self):
        self.passes = 0
        self.failures = []


TALLY = Tally()


def check(cond, what, detail=""):
    if cond:
        TALLY.passes += 1
        print(f"  ok    {what}")
    else:
        TALLY.failures.append(what)
        print(f"  FAIL  {what}  {detail}")
    return cond


def section(title):
    print(f"\n== {title}")


class Peer:
    """A peer server subprocess on a free port; the port comes from its READY line."""

    def __init__(self, script, *args):
        self.proc = subprocess.Popen([PY, os.path.join(HERE, script), "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = [None]
        reader = threading.Thread(target=lambda: line.__setitem__(0, self.proc.stdout.readline()))
        reader.start()
        reader.join(15)
        if not line[0] or not line[0].startswith("READY http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError(f"{script}: no READY line (got {line[0]!r}); "
                               f"stderr: {self.proc.stderr.read()[-2000:]}")
        self.base = line[0].split()[1]
        self.port = int(self.base.rsplit(":", 1)[1])
        self.stderr = ""

    def stop(self):
        """SIGTERM; returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.stderr = self.proc.stderr.read()
        return rc
