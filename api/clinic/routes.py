from flask_smorest import Blueprint

blp = Blueprint("clinic", __name__, url_prefix="/clinic", description="clinic")
