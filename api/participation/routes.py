from flask_smorest import Blueprint

blp = Blueprint("participation", __name__, url_prefix="/me/participation", description="participation")
