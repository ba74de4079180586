from flask_smorest import Blueprint

blp = Blueprint("cards", __name__, url_prefix="/", description="cards")


def register_root(api) -> None:
    pass
