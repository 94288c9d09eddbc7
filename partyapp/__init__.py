"""partyapp (党群小站): create_app() wires config, extensions, feature blueprints and the CLI."""
import gc
from importlib import import_module

from flask import Flask

from . import config as config_module
from .extensions import init_extensions

# Every feature lives in its own package with the same rooms (views, services, forms).
# A feature may also offer: `jobs.JOBS` (clock process), `demo.seed(ctx)` (demo data),
# `services.todo_items(person)` (the 首页 to-do list).
FEATURES = (
    "main",
    "auth",
    "org",
    "notify",
    "public",
    "meetings",
    "opinions",
    "disclosures",
    "ratings",
    "town",
)


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    config_module.configure(app, test_config)
    init_extensions(app)
    register_features(app)
    from .cli import register_cli
    from .web import configure_web

    register_cli(app)
    configure_web(app)
    return app


def feature_modules(name):
    """Import a feature's optional module (e.g. "jobs") from every feature that has it."""
    found = []
    for feature in FEATURES:
        try:
            found.append(import_module(f"partyapp.{feature}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"partyapp.{feature}.{name}":
                raise
    return found


def register_features(app):
    for feature in FEATURES:
        package = import_module(f"partyapp.{feature}")
        import_module(f"partyapp.{feature}.views")
        app.register_blueprint(package.bp)


def freeze_heap() -> None:
    """Once a process has loaded what it keeps for life (modules, templates, the app: some
    300,000 objects), hide them from the garbage collector. Otherwise every full collection
    walks them all and pauses whichever request triggered it for about 100 ms. Called by
    app.py (each web worker and the clock) after create_app(); not by create_app() itself,
    since tests build many apps and frozen objects are never freed."""
    gc.collect()
    gc.freeze()
