"""Business rules. No Flask request objects here: functions take a Session and plain values."""
