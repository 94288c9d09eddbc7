from flask import Blueprint

bp = Blueprint("town", __name__, url_prefix="/town")
