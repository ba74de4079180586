from flask_smorest import Blueprint

blp = Blueprint("employer", __name__, url_prefix="/employer", description="employer")
