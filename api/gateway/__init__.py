from .routes import register

__all__ = ["register"]
