"""Adapters to outside systems: each has a real local default and a real HTTP client."""
