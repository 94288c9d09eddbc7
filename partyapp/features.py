"""The feature contract. Each feature package declares what it offers in one place — a
`feature()` function in its `__init__.py` returning a `Feature` — and the factory, the clock
process, the CLI, the demo loader and the shared pages read the registry built from those
declarations. Features never find each other by module name; they meet here, or through a
signal (blinker, as Flask's own signals).

The list of installed features is written once, in `partyapp/__init__.py` (INSTALLED).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from blinker import Namespace
from flask import current_app
from markupsafe import Markup

# ---- Signals: things that happen which other features may react to --------------------------
signals = Namespace()

# Working days from a date on may have changed (a town admin entered a year's schedule): sent
# by partyapp.calendar with that date as the sender, so a receiver is `f(since: date) -> int`;
# it recomputes what it stored from working days and returns how many rows changed.
calendar_changed = signals.signal("calendar-changed")


# People stopped holding roles (换届, transfer, deactivation, a roster edit): sent by org with
# the RoleChange as the sender, inside the same transaction, so a receiver `f(change)` moves
# that feature's open work to the new holder (opinions, meetings' future attendees and hosts).
roles_ended = signals.signal("roles-ended")

# An organisation recorded a 换届 (org's change_term): sent with the organisation as the
# sender and `on` (the day) and `actor`, inside the same transaction, so the terms feature
# starts the next term then.
term_changed = signals.signal("term-changed")


@dataclass(frozen=True)
class Job:
    """Periodic work for the clock process. `func()` runs inside an app context and must be
    idempotent (claim work with a conditional UPDATE): a catch-up run after downtime, or a
    second clock, then acts once."""

    id: str
    func: Callable[[], object]
    minutes: int = 5


@dataclass(frozen=True)
class TabQuery:
    """What a public tab may know of the request that asked for it (services never read
    `request`): the query string and the site's own address."""

    args: Mapping[str, str]
    url_root: str


@dataclass(frozen=True)
class PublicTab:
    """A tab of the public village page (no log-in). `context(key, village, query)` returns
    the tab's template context (its `template` key names the template that shows it)."""

    key: str
    label: str
    context: Callable[[str, Any, TabQuery], dict]


@dataclass(frozen=True)
class Feature:
    """What one feature offers. Everything but the name and blueprint is optional.

    - blueprint: its pages (its views module is imported by `feature()` so routes exist);
    - jobs: periodic work for the clock process;
    - commands: click commands added to `flask`;
    - demo: `seed(ctx)` adding its demo rows after the core demo (see partyapp/demo.py);
    - todo_items: `(person) -> [TodoItem]` lines of the 首页 list;
    - me_section: `(person) -> (template, context) | None`, a block of the 我的 page;
    - public_tabs: tabs of the public village page;
    - page_sections: slot name -> `(**context) -> Markup | ""`, a block another feature's page
      shows in that slot (e.g. the town's 督办 notes on an opinion's page);
    - receivers: signal -> function, connected when the app is built;
    - on_app: `(app) -> None`, called once the app is configured (e.g. register a source);
    - audit_labels: action -> plain Chinese label of the audit entries it records (the audit
      trail page shows the label, never the code).
    """

    name: str
    blueprint: Any = None
    jobs: tuple[Job, ...] = ()
    commands: tuple[Any, ...] = ()
    demo: Callable[[Any], None] | None = None
    todo_items: Callable[[Any], list] | None = None
    me_section: Callable[[Any], Any] | None = None
    public_tabs: tuple[PublicTab, ...] = ()
    page_sections: dict[str, Callable[..., Any]] = field(default_factory=dict)
    receivers: dict[Any, Callable[..., Any]] = field(default_factory=dict)
    on_app: Callable[[Any], None] | None = None
    audit_labels: dict[str, str] = field(default_factory=dict)


class Registry:
    """The installed features, in declaration order, and what they offer together."""

    def __init__(self, features: list[Feature]):
        names = [feature.name for feature in features]
        if len(set(names)) != len(names):
            raise ValueError(f"feature declared twice: {names}")
        self.features = tuple(features)

    def connect_receivers(self) -> None:
        # Strong references: receivers are module functions that live as long as the process;
        # blinker ignores a second connect of the same function (tests build many apps).
        for feature in self.features:
            for signal, receiver in feature.receivers.items():
                signal.connect(receiver, weak=False)

    def jobs(self) -> list[Job]:
        return [job for feature in self.features for job in feature.jobs]

    def commands(self) -> list:
        return [command for feature in self.features for command in feature.commands]

    def demo_seeders(self) -> list[Callable]:
        return [feature.demo for feature in self.features if feature.demo is not None]

    def todo_items(self, person) -> list:
        return [item for feature in self.features if feature.todo_items is not None
                for item in feature.todo_items(person)]

    def me_sections(self, person) -> list:
        sections = (feature.me_section(person) for feature in self.features
                    if feature.me_section is not None)
        return [section for section in sections if section is not None]

    def audit_labels(self) -> dict[str, str]:
        return {action: label for feature in self.features
                for action, label in feature.audit_labels.items()}

    def public_tabs(self) -> dict[str, PublicTab]:
        return {tab.key: tab for feature in self.features for tab in feature.public_tabs}

    def page_sections(self, slot: str, **context) -> Markup:
        parts = [feature.page_sections[slot](**context) for feature in self.features
                 if slot in feature.page_sections]
        return Markup("").join(Markup(part) for part in parts if part)


EXTENSION_KEY = "partyapp.features"


def install(app, features: list[Feature]) -> Registry:
    """Build the registry, register blueprints and receivers, expose `page_sections` to
    templates. Called once by create_app()."""
    registry = Registry(features)
    app.extensions[EXTENSION_KEY] = registry
    for feature in registry.features:
        if feature.blueprint is not None:
            app.register_blueprint(feature.blueprint)
    registry.connect_receivers()
    app.add_template_global(registry.page_sections, "page_sections")
    for feature in registry.features:
        if feature.on_app is not None:
            feature.on_app(app)
    return registry


def registry() -> Registry:
    """The current app's registry (inside an app context)."""
    return current_app.extensions[EXTENSION_KEY]
