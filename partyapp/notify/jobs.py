"""Clock jobs of notify: the outbox is sent by the clock process, never by a request."""
from ..features import Job
from .services import deliver_outbox

JOBS = [Job("notify-outbox", deliver_outbox, minutes=1)]
