"""All tables. Import from here: `from models import Account, Card`."""
from .accounts import Account, LoginSession, OtpChallenge, RefreshToken
from .audit import AuditEvent
from .base import Base, new_id
from .campaign import CampaignCount, CampaignPerson
from .checks import CardCheck
from .clients import ApiClient, ClinicStaff
from .employment import Batch, Employment
from .family import BirthRegistration, Dependant
from .gateway import ClientAddress, GatewayAccount
from .insurance import Card, InsuredPerson
from .links import Consent, LinkRequest
from .notifications import Device, JobCursor, Notification
from .outbox import OutboxMessage
from .registry import Facility, RegistryRecord
from .throttle import ThrottleHit, ThrottleKey
from .visits import CopayYear, Visit, VisitKey

__all__ = [
    "Account", "ApiClient", "AuditEvent", "Base", "Batch", "BirthRegistration", "CampaignCount", "CampaignPerson",
    "Card", "CardCheck", "ClientAddress", "ClinicStaff", "Consent", "Dependant", "Employment", "Facility", "GatewayAccount", "InsuredPerson", "LinkRequest",
    "LoginSession",
    "OtpChallenge", "RefreshToken", "RegistryRecord", "new_id",
    "Device", "JobCursor", "Notification", "OutboxMessage",
    "CopayYear", "Visit", "VisitKey", "ThrottleHit", "ThrottleKey",
]
