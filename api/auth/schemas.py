"""Request and answer bodies of /auth (CONTRACT §2)."""
from __future__ import annotations

import re
import unicodedata

from marshmallow import Schema, ValidationError, fields, validate

from services.identifiers import normalize_phone

_OTP_RE = re.compile(r"^\d{6}$")


class Phone(fields.String):
    """`09xxxxxxxx`, `+849xxxxxxxx` or `849xxxxxxxx`, loaded as E.164 `+849xxxxxxxx`."""

    def __init__(self, **kwargs):
        # Documented shape (spaces, dots and dashes a user typed are also accepted and dropped).
        kwargs.setdefault("metadata", {"pattern": r"^(\+?84|0)[35789][0-9]{8}$", "example": "0912345678"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        phone = normalize_phone(raw) if len(raw) <= 20 else None
        if phone is None:
            raise ValidationError("Số điện thoại di động Việt Nam không hợp lệ (a Vietnamese mobile: 09xxxxxxxx or +849xxxxxxxx).")
        return phone


class Otp(fields.String):
    """Six digits; spaces a user pasted are ignored."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"pattern": "^[0-9]{6}$", "example": "123456"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = re.sub(r"\s", "", super()._deserialize(value, attr, data, **kwargs))
        if not _OTP_RE.match(code):
            raise ValidationError("Mã xác thực gồm 6 chữ số (the code is 6 digits).")
        return code


class FullName(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        name = " ".join(unicodedata.normalize("NFC", super()._deserialize(value, attr, data, **kwargs)).split())
        if not 1 <= len(name) <= 200:
            raise ValidationError("Họ tên từ 1 đến 200 ký tự (1 to 200 characters).")
        # Zero-width characters, bidi overrides, BOM, BEL...: invisible, and a way to fake a name.
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
            raise ValidationError("Họ tên có ký tự ẩn hoặc ký tự điều khiển (invisible or control characters).")
        return name


# Long enough for any allowed password; a cap keeps megabyte strings away from Argon2.
_password = {"required": True, "validate": validate.Length(min=1, max=1024)}
_challenge_id = {"required": True, "validate": validate.Length(min=1, max=64)}


class RegisterSchema(Schema):
    phone = Phone(required=True)
    password = fields.String(**_password)
    full_name = FullName(required=True)


class VerifySchema(Schema):
    challenge_id = fields.String(**_challenge_id)
    otp = Otp(required=True)


_DEVICE = "the device token of an earlier login on this device: its own failure count (docs/auth.md)"


class LoginSchema(Schema):
    phone = Phone(required=True)
    password = fields.String(**_password)
    device_token = fields.String(validate=validate.Length(max=200), metadata={"description": _DEVICE})


class ResendSchema(Schema):
    challenge_id = fields.String(**_challenge_id)


class ForgotSchema(Schema):
    phone = Phone(required=True)


class ResetSchema(Schema):
    challenge_id = fields.String(**_challenge_id)
    otp = Otp(required=True)
    new_password = fields.String(**_password)


class ChallengeSchema(Schema):
    challenge_id = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds the code stays valid"})
    resend_after = fields.Integer(metadata={"description": "seconds before POST /auth/otp/resend is allowed"})


class LoginChallengeSchema(Schema):
    challenge_id = fields.String()
    channel = fields.String(metadata={"enum": ["sms", "totp"]})
    expires_in = fields.Integer()


class ForgotAnswerSchema(Schema):
    challenge_id = fields.String()


class TokenPairSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String(metadata={"example": "Bearer"})
    expires_in = fields.Integer(metadata={"description": "access-token lifetime in seconds"})


class LoginTokensSchema(TokenPairSchema):
    device_token = fields.String(metadata={"description": "keep it and send it with the next logins"})


class AccountSchema(Schema):
    id = fields.Integer()
    phone = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.String())


class RegisteredSchema(LoginTokensSchema):
    account = fields.Nested(AccountSchema)
