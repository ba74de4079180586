from .routes import blp
from . import identity_routes  # noqa: F401,E402  (registers the campaign calls on blp)

__all__ = ["blp"]
