"""Tell `make test` whether the scaled-mode services (PostgreSQL, Redis) answer.

Exit 0: both answer, run the suite again on them. Exit 1: not here, skip with the printed
reason. Exit 2: VERMILION_REQUIRE_SCALED=1 (CI) but they don't answer: fail.
"""

import os
import socket
import sys

SERVICES = {"PostgreSQL": ("127.0.0.1", 5432), "Redis": ("127.0.0.1", 6379)}


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


missing = [name for name, addr in SERVICES.items() if not answers(*addr)]
if not missing:
    print("scaled mode: PostgreSQL and Redis answer; running the suite on them too.")
    sys.exit(0)
reason = f"scaled mode skipped: {', '.join(missing)} not answering on 127.0.0.1"
if os.environ.get("VERMILION_REQUIRE_SCALED") == "1":
    print(f"{reason}, but VERMILION_REQUIRE_SCALED=1.", file=sys.stderr)
    sys.exit(2)
print(reason + ".")
sys.exit(1)
