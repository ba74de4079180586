"""Passwords, OTP, tokens, roles and throttles."""
