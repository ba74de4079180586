from flask_smorest import Blueprint

blp = Blueprint("links", __name__, url_prefix="/me/link", description="links")
