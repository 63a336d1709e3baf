"""What a person sees when an event handler is cut short by a database outage: "try again", not a crash."""

import logging

import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec

from portal_app.db import OUTAGES, UNAVAILABLE, DatabaseUnavailable

log = logging.getLogger("portal.outages")


def is_outage(exception: BaseException) -> bool:
    """True for a database that is down, unreachable or locked too long (raised directly or as its cause)."""
    return isinstance(exception, (DatabaseUnavailable, *OUTAGES)) or isinstance(exception.__cause__, OUTAGES)


def backend_exception_handler(exception: Exception) -> EventSpec:
    """The app's handler for exceptions no event handler caught: an outage gets a clear, retryable message."""
    if is_outage(exception):
        log.error("An event was cut short by a database outage: %s", exception)
        return rx.toast.error(UNAVAILABLE, id="portal-unavailable", position="top-center", duration=10_000)
    return default_backend_exception_handler(exception)
