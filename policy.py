"""Security and abuse-limit numbers, in one place (reference: docs/architecture.md "Policy").

Change a number here and every rule, answer text and SMS that states it follows: the texts below
are derived from the numbers, never written with the number inside. Per-address limits can also
be overridden per deployment through config (`RATELIMIT_<NAME>`, declared in config.load).
"""
from __future__ import annotations

from datetime import timedelta

# --- one-time codes (reference/security.md §9: 5 min, hard max 10; NIST, ASVS 2.7.2) -------------
OTP_TTL = timedelta(minutes=5)
OTP_DIGITS = 6  # ASVS 2.7.6 / 6.5.4: >= 20 bits
OTP_MAX_ATTEMPTS = 5  # wrong codes per challenge (Kratos max_submissions, MOSIP 5)
RESEND_COOLDOWN_S = 60
SMS_PER_PHONE_PER_HOUR = 5
MAX_CHALLENGE_AGE = timedelta(minutes=30)  # resend keeps a challenge alive this long at most
UNAVAILABLE_RETRY_AFTER_S = 30  # Retry-After when the SMS gateway or the throttle store is away

# --- login lockout (Keycloak's 15-minute cap; NIST 800-63B §5.2.2 allows up to 100) ---------------
MAX_FAILED_LOGINS = 10  # per phone and device (auth/devices.py), in a sliding LOCK_DURATION window
LOCK_DURATION = timedelta(minutes=15)
DEVICE_TOKEN_TTL = timedelta(days=180)  # a device that logged in keeps its own failure count this long

# --- step-up (a fresh password proof before the authenticator changes; services/authenticator.py)
STEPUP_ATTEMPTS_PER_HOUR = 10

# --- tokens ---------------------------------------------------------------------------------------
ACCESS_TOKEN_TTL = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=30)  # absolute, from the login; rotation does not extend it

# --- CCCD linking ---------------------------------------------------------------------------------
LINK_ATTEMPTS_PER_HOUR = 5

# --- per client address (api/limits.py). Carriers and clinics put many people behind one address
# (at least 100 registrations and 300 logins an hour must pass), so these only stop floods; the
# per-phone and per-account rules do the real work.
ADDRESS_LIMITS = {
    "REGISTER": "200/hour",
    "LOGIN": "600/hour",
    "VERIFY": "1200/hour",
    "RESEND": "300/hour",
    "FORGOT": "200/hour",
    "OAUTH": "1200/hour",
}

# --- clinic card checks (services/check_limits.py): a stolen clinic credential must not walk the
# population's identities. A receptionist at a busy desk does a few hundred checks a day; a
# hospital's batch job re-checks its day's XML1 records through one staff CCCD, hence 5,000.
CLINIC_CHECK_LIMITS = {
    "CLINIC_CHECKS_PER_STAFF_MINUTE": 100,
    "CLINIC_CHECKS_PER_STAFF_DAY": 5_000,
    "CLINIC_CHECKS_PER_CLIENT_MINUTE": 1_000,
    "CLINIC_CHECKS_PER_CLIENT_DAY": 100_000,
}


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


# --- texts that state a number ----------------------------------------------------------------------
SMS_WARNING = f"Mã có hiệu lực trong {_minutes(OTP_TTL)} phút. Không chia sẻ mã này với bất kỳ ai."
RESEND_COOLDOWN_DETAIL = f"A new code can be sent {RESEND_COOLDOWN_S} s after the last one."
LINK_LIMIT_DETAIL = f"At most {LINK_ATTEMPTS_PER_HOUR} link attempts per hour."
LINK_OR_CHILD_LIMIT_DETAIL = f"At most {LINK_ATTEMPTS_PER_HOUR} link or add-a-child attempts per hour."
SESSION_EXPIRED_DETAIL = f"This login is older than {SESSION_LIFETIME.days} days; sign in again."
