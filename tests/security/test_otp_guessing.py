"""The figure for the note: OTP guesses that succeed out of 1,000 spread over challenges, phones and
addresses (every challenge dies after 5 wrong codes; a phone gets at most 5 SMS an hour)."""
from __future__ import annotations

import random
from collections import Counter

from tests import factories
from tests.auth.flows import API


def test_1000_otp_guesses_over_challenges_and_addresses_succeed_0_times(client, outbox, session, frozen_clock):
    rng = random.Random(13)
    phones = [f"0917{i:06d}" for i in range(20)]
    for phone in phones:
        factories.account(session, phone="+84" + phone[1:])
    outcomes, successes, guesses, challenge = Counter(), 0, 0, {}
    while guesses < 1000:
        phone = rng.choice(phones)
        addr = f"10.7.{rng.randrange(250)}.{rng.randrange(250)}"
        if phone not in challenge:
            resp = client.post(f"{API}/auth/login", json={"phone": phone, "password": factories.PASSWORD},
                               environ_base={"REMOTE_ADDR": addr})
            outcomes[("start", resp.status_code)] += 1
            if resp.status_code != 202:
                frozen_clock.advance(seconds=30)
                continue
            challenge[phone] = (resp.get_json()["challenge_id"], outbox.last_code())
        challenge_id, right = challenge[phone]
        guess = f"{rng.randrange(1_000_000):06d}"
        if guess == right:
            continue  # the attacker does not know it; skip the one-in-a-million draw
        resp = client.post(f"{API}/auth/login/verify", json={"challenge_id": challenge_id, "otp": guess},
                           environ_base={"REMOTE_ADDR": addr})
        guesses += 1
        successes += resp.status_code == 200
        outcomes[("verify", resp.status_code, resp.get_json().get("code"))] += 1
        if resp.get_json().get("code") != "invalid_otp":
            del challenge[phone]
    print(f"\nOTP guesses that succeeded: {successes} of {guesses}; {dict(outcomes)}")
    assert successes == 0
