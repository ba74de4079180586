from . import (
    history,  # noqa: F401  (Lskcb2025, on the /api/egw blueprint of routes.py)
    mcct,
    qd130,
)
from .routes import register as _register_egw


def register(api) -> None:
    _register_egw(api)
    api.register_blueprint(qd130.blp)  # /api/qd130/guiHoSoXmlQD4750
    api.register_blueprint(mcct.blp)  # /api/TraCuuCCT/TraCuuTienMCCT


__all__ = ["register"]
