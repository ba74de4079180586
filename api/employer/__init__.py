from . import identity_routes  # noqa: F401  (registers the campaign calls on blp)
from .routes import blp

__all__ = ["blp"]
