"""The clock process (Procfile `clock:`). The web process never starts a scheduler: every
gunicorn worker that did would run every job again.

Each feature lists its periodic work in `partyapp/<feature>/jobs.py` as
`JOBS = [Job("id", func, minutes=5)]`; each func(app) runs inside an app context and must be
idempotent (claim work with a conditional UPDATE), so a second clock or a catch-up run after
downtime acts once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger(__name__)


@dataclass
class Job:
    id: str
    func: Callable[[], object]
    minutes: int = 5


def heartbeat() -> None:
    from .main.services import beat

    beat("clock")


def all_jobs() -> list[Job]:
    from . import feature_modules

    jobs = [Job("heartbeat", heartbeat, minutes=1)]
    for module in feature_modules("jobs"):
        jobs.extend(module.JOBS)
    return jobs


def _in_context(app, job: Job):
    def run():
        with app.app_context():
            try:
                job.func()
            except Exception:
                log.exception("job %s failed", job.id)
                from .extensions import db

                db.session.rollback()

    return run


def build_scheduler(app) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="Asia/Shanghai", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    for job in all_jobs():
        scheduler.add_job(_in_context(app, job), "interval", minutes=job.minutes, id=job.id)
        # Run each job once at start-up too, so a clock that was down catches up at once.
        scheduler.add_job(_in_context(app, job), id=f"{job.id}-startup")
    return scheduler


def run_all_once(app) -> None:
    for job in all_jobs():
        _in_context(app, job)()
