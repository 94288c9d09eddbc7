"""partyapp (党群小站): create_app() wires config, extensions, the installed features and the CLI."""
import gc

from flask import Flask

from . import (auth, ballots, calendar, disclosures, dues, main, meetings, notices, notify, opinions,
               org, orglife, public, ratings, rectification, terms, town, training, yearly)
from . import config as config_module
from .extensions import init_extensions
from .features import install

# The installed features, in the order their offers are read (to-do lines, 我的 blocks,
# public tabs, demo rows). Each package declares what it offers in its `feature()`
# (partyapp/features.py); nothing else lists or finds features.
INSTALLED = (main, auth, org, calendar, notify, public, ballots, notices, meetings, opinions,
             disclosures, ratings, terms, dues, training, rectification, orglife, town, yearly)


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    # Before any route exists: rules bind their converters when they are added.
    from .web import DatabaseIntConverter

    app.url_map.converters["int"] = DatabaseIntConverter
    config_module.configure(app, test_config)
    init_extensions(app)
    from . import models  # noqa: F401  (core tables; each feature() imports its own)

    registry = install(app, [package.feature() for package in INSTALLED])
    from .cli import register_cli
    from .web import configure_web

    register_cli(app, registry.commands())
    configure_web(app)
    return app


def freeze_heap() -> None:
    """Once a process has loaded what it keeps for life (modules, templates, the app: some
    300,000 objects), hide them from the garbage collector. Otherwise every full collection
    walks them all and pauses whichever request triggered it for about 100 ms. Called by
    app.py (each web worker and the clock) after create_app(); not by create_app() itself,
    since tests build many apps and frozen objects are never freed."""
    gc.collect()
    gc.freeze()
