"""The baseline for bench/checkin_burst.py: a bare Flask + Flask-SQLAlchemy endpoint that
inserts one row, with the same SQLite settings as partyapp (WAL, synchronous=NORMAL,
busy_timeout=5000), run under the same gunicorn command line."""
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BASELINE_DATABASE_URL"]
db = SQLAlchemy(app)


class Row(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    n = db.Column(db.Integer)


with app.app_context():
    @event.listens_for(db.engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    db.create_all()


@app.get("/insert/<int:n>")
def insert(n):
    db.session.add(Row(n=n))
    db.session.commit()
    return "ok"
