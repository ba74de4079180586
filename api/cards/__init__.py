from .routes import blp, register_root

__all__ = ["blp", "register_root"]
