"""Errors the queue domain raises; the web layer turns them into readable 4xx answers.

Messages are Indonesian msgids translated by the web layer (Flask-Babel), so the domain stays HTTP-free.
"""
from __future__ import annotations

from datetime import datetime


class Label(str):
    """A parameter of a domain error that is itself a marked message (a status name): pages translate it
    with the message."""


class QueueError(Exception):
    """Base: `message` is a sentence for a person, `status` the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, **params):
        plain = {key: f"{value:%d-%m-%Y %H:%M}" if isinstance(value, datetime) else value
                 for key, value in params.items()}  # for logs and the command line; pages translate
        super().__init__(message % plain if params else message)
        self.message = message
        self.params = params


class NotFound(QueueError):
    status = 404


class TransitionNotAllowed(QueueError):
    """The ticket is not in a state where this action makes sense (e.g. recall a finished ticket)."""

    status = 409


class ServiceClosed(QueueError):
    status = 409


class CounterNotAllowed(QueueError):
    status = 403


class InvalidInput(QueueError):
    status = 400


class OfficeClosed(QueueError):
    """Outside office hours (or a holiday): no tickets are issued."""

    status = 409


class OfficeNotAllowed(QueueError):
    """A staff member reached for another office's counter, ticket, complaint or report."""

    status = 403
