from flask_smorest import Blueprint

blp = Blueprint("oauth", __name__, url_prefix="/oauth", description="oauth")
