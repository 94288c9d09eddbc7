"""flask commands: seed-demo, seed-scale, create-admin, scheduler, backup, restore."""
import getpass
import importlib.util
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from .extensions import db


def register_cli(app, commands) -> None:
    """Core commands, plus the features' declared commands."""
    for command in (seed_demo_command, create_admin_command, scheduler_command,
                    backup_command, restore_command, seed_scale_command, *commands):
        app.cli.add_command(command)


SCALE_SEEDING = Path(__file__).resolve().parent.parent / "bench" / "scale_seed.py"


def scale_seeding():
    """bench/scale_seed.py as a module (loaded once): benchmark seeding is not part of the
    package, but `flask seed-scale` from a checkout keeps working as the README says."""
    name = "bench_scale_seed"
    if name not in sys.modules:
        if not SCALE_SEEDING.exists():
            raise click.ClickException(f"{SCALE_SEEDING} is missing: run from a checkout.")
        spec = importlib.util.spec_from_file_location(name, SCALE_SEEDING)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@click.command("seed-scale", context_settings={"ignore_unknown_options": True},
               add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
@click.pass_context
def seed_scale_command(ctx, args):
    """Build a county-sized database for the benchmarks (bench/scale_seed.py; --help there)."""
    command = scale_seeding().seed_scale_command
    command.main(args=list(args), prog_name="flask seed-scale", standalone_mode=False,
                 obj=ctx.obj)


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has people.")
def seed_demo_command(if_empty):
    """Load the demo town, villages and people (only into an empty database)."""
    from .auth.services import hash_password
    from .demo import DEMO_LOGINS, DEMO_PASSWORD, database_is_empty, seed_demo

    if not database_is_empty():
        if if_empty:
            click.echo("Database already has data; demo data not loaded.")
            _print_logins(DEMO_LOGINS, DEMO_PASSWORD)
            return
        raise click.ClickException("The database is not empty: refusing to load demo data.")
    seed_demo(hash_password(DEMO_PASSWORD))
    click.echo("Demo data loaded.")
    _print_logins(DEMO_LOGINS, DEMO_PASSWORD)


def _print_logins(logins, password):
    click.echo("Demo log-ins (password for all: %s):" % password)
    for role, village, phone in logins:
        click.echo(f"  {phone}  {village}  {role}")


@click.command("create-admin")
@with_appcontext
@click.option("--name", prompt="姓名")
@click.option("--phone", prompt="手机号")
@click.option("--town", prompt="镇（街道）党委名称")
@click.option("--password", default=None, help="Prompted for when omitted.")
def create_admin_command(name, phone, town, password):
    """Create the town committee (if new) and its first admin."""
    from .auth.services import hash_password, password_problem
    from .models import Person
    from .org.services import create_town_admin
    from .phones import normalize_mobile

    try:
        phone = normalize_mobile(phone)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if db.session.scalar(select(Person).where(Person.phone == phone)):
        raise click.ClickException("这个手机号已经有账号了")
    password = password or getpass.getpass("密码: ")
    if len(password) < 8:
        raise click.ClickException("密码至少8位")
    if password_problem(password, phone):
        raise click.ClickException(password_problem(password, phone))
    create_town_admin(name, phone, hash_password(password), town)
    click.echo(f"Created town admin {name} ({phone}) for {town}.")


@click.command("scheduler")
@with_appcontext
@click.option("--once", is_flag=True, help="Run every job once and exit (for cron or tests).")
def scheduler_command(once):
    """The clock process: a BlockingScheduler running every feature's jobs."""
    from .scheduler import build_scheduler, run_all_once

    if once:
        run_all_once(current_app._get_current_object())
        return
    build_scheduler(current_app._get_current_object()).start()


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Back up the database and uploaded photos into PATH (.tar.gz), while the site serves."""
    from pathlib import Path

    from .backup import backup_sqlite, pg_dump_instructions, sqlite_path

    config = current_app.config
    db_file = sqlite_path(config["SQLALCHEMY_DATABASE_URI"])
    if db_file is None:
        raise click.ClickException(pg_dump_instructions(config["SQLALCHEMY_DATABASE_URI"]))
    result = backup_sqlite(db_file, Path(config["UPLOAD_FOLDER"]), Path(path))
    click.echo(f"Backed up to {result['file']} ({result['bytes']} bytes, {result['uploads']} photos).")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path, yes):
    """Restore a backup made by `flask backup` (stop the web and clock processes first)."""
    from pathlib import Path

    from .backup import pg_dump_instructions, restore_sqlite, sqlite_path

    config = current_app.config
    db_file = sqlite_path(config["SQLALCHEMY_DATABASE_URI"])
    if db_file is None:
        raise click.ClickException(pg_dump_instructions(config["SQLALCHEMY_DATABASE_URI"]))
    if not yes:
        click.confirm("This replaces the current database and photos. Continue?", abort=True)
    db.engine.dispose()
    result = restore_sqlite(Path(path), db_file, Path(config["UPLOAD_FOLDER"]))
    click.echo(f"Restored from {result['restored_from']} ({result['uploads']} photos).")
