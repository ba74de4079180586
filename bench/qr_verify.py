"""Offline QR verifications per second on one core: `python bench/qr_verify.py [N]`.

Signs N card payloads with a throw-away key, then verifies them with services/card_verifier.py
(the module a clinic runs, JWKS parsed once) in one thread, and prints verifications/second.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services import card_signing  # noqa: E402
from services.card_verifier import Verifier  # noqa: E402


def main(n: int = 20_000) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "keys"
        now = int(time.time())
        payloads = [card_signing.sign(folder, {
            "cid": f"{i:032x}", "cn": f"DN401{i:010d}", "n": "Nguyễn Văn An", "dob": "1995-03-05", "g": "male",
            "f": "01001", "vf": "2026-01-01", "vt": "2026-12-31", "iat": now, "exp": now + 86400,
        }) for i in range(n)]
        verifier = Verifier(card_signing.jwks(folder))
    start = time.perf_counter()
    valid = sum(verifier.verify(p, now).ok for p in payloads)
    elapsed = time.perf_counter() - start
    assert valid == n, f"only {valid} of {n} verified"
    rate = n / elapsed
    print(f"{rate:,.0f} verifications/second ({n} payloads in {elapsed:.2f} s, one thread)")
    return rate


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
