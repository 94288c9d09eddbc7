"""On PostgreSQL `flask backup` explains how to use pg_dump instead of pretending."""
from partyapp import create_app


def test_backup_on_postgres_gives_pg_dump_instructions(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:secretpw@db.example/party"})
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.tar.gz")])
    assert result.exit_code != 0
    assert "pg_dump --format=custom" in result.output and "secretpw" not in result.output
