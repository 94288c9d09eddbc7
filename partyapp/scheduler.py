"""The clock process (Procfile `clock:`). The web process never starts a scheduler: every
gunicorn worker that did would run every job again.

Each feature declares its periodic work (`features.Job`, usually listed in its `jobs.py`);
each func() runs inside an app context and must be idempotent (claim work with a conditional
UPDATE), so a second clock or a catch-up run after downtime acts once. Features never import
this module: it is the only one that imports APScheduler.
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from .extensions import db
from .features import Job, registry

log = logging.getLogger(__name__)


def all_jobs(app) -> list[Job]:
    with app.app_context():
        return registry().jobs()


def _in_context(app, job: Job):
    def run():
        with app.app_context():
            try:
                job.func()
            except Exception:
                log.exception("job %s failed", job.id)
                db.session.rollback()

    return run


def build_scheduler(app) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="Asia/Shanghai", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    for job in all_jobs(app):
        scheduler.add_job(_in_context(app, job), "interval", minutes=job.minutes, id=job.id)
        # Run each job once at start-up too, so a clock that was down catches up at once.
        scheduler.add_job(_in_context(app, job), id=f"{job.id}-startup")
    return scheduler


def run_all_once(app) -> None:
    for job in all_jobs(app):
        _in_context(app, job)()
