"""All tables. Import from here: `from models import Account, Card`."""
from .accounts import Account, LoginSession, OtpChallenge, RefreshToken
from .audit import AuditEvent
from .base import Base, new_id
from .checks import CardCheck
from .clients import ApiClient, ClinicStaff
from .employment import Batch, Employment
from .gateway import ClientAddress, GatewayAccount
from .insurance import Card, InsuredPerson
from .links import Consent, LinkRequest
from .registry import Facility, RegistryRecord

__all__ = [
    "Account", "ApiClient", "AuditEvent", "Base", "Batch", "Card", "CardCheck", "ClientAddress", "ClinicStaff",
    "Consent", "Employment", "Facility", "GatewayAccount", "InsuredPerson", "LinkRequest", "LoginSession",
    "OtpChallenge", "RefreshToken", "RegistryRecord", "new_id",
]
