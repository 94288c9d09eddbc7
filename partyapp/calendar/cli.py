"""flask calendar-seed: copy chinesecalendar's years into the working-day calendar."""
import click
from flask.cli import with_appcontext

from .services import seed_from_package


@click.command("calendar-seed")
@with_appcontext
def calendar_seed_command():
    """Copy the package's holiday years (2004–2026) into the database (idempotent)."""
    seeded = seed_from_package()
    click.echo(f"Seeded {len(seeded)} year(s)." if seeded else "Calendar already seeded.")


COMMANDS = (calendar_seed_command,)
