from flask import Blueprint

bp = Blueprint("disclosures", __name__, url_prefix="/disclosures")
