"""What every clinic card check passes before the decision, on /clinic/card-checks and the
gateway alike: the client's address allow-list and the per-client / per-staff limits."""
from __future__ import annotations

from flask import current_app, request

import db
from auth.gateway import AllowLists
from errors import Unauthorized
from services import check_limits, gateway_accounts, runtime


class AddressNotAllowed(Unauthorized):
    code = "address_not_allowed"
    detail = "This client may not call from this address."


def _allow_lists() -> AllowLists:
    found = current_app.extensions.get("allow_lists")
    if found is None:
        found = current_app.extensions["allow_lists"] = AllowLists(
            lambda client_id: gateway_accounts.allowed_networks(db.session(), client_id))
    return found


def require_allowed_address(client_id: str) -> None:
    if not _allow_lists().allows(client_id, request.remote_addr):
        raise AddressNotAllowed()


def _limits() -> check_limits.CheckLimits:
    found = current_app.extensions.get("check_limits")
    if found is None:
        found = current_app.extensions["check_limits"] = check_limits.CheckLimits.from_config(current_app.config)
    return found


def count_check(client_id: str, staff_cccd: str | None) -> None:
    """One check of this client by this staff member, or 429 rate_limited."""
    check_limits.count(runtime.get().throttle, _limits(), client_id, staff_cccd)
