from flask_smorest import Blueprint

blp = Blueprint("officer", __name__, url_prefix="/officer", description="officer")
