"""The extension's own rate limiter: submissions per client and per widget, and the login throttle's storage.

One Flask-Limiter ``Limiter`` per app, configured by its constructor from ``RTR_*`` keys only: a
host app's ``RATELIMIT_*`` settings belong to the host's own limiter and neither reach ours nor are
changed by it. A visitor who hits a limit gets 429 with ``Retry-After`` (the public blueprint turns
it into a kind message with what they typed kept).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.errors import ConfigurationError

from . import signals
from .config import ConfigError
from .state import get_state

HOST_PREFIX = "RATELIMIT_"
CLIENT_KEY_PREFIX = "rtr-client/"
log = logging.getLogger("widget.ratelimit")


def create_limiter(app: Flask) -> Limiter:
    """Create the app's Limiter; its requests count only where ``limit_submissions`` puts limits.

    An empty ``RTR_RATELIMIT_STORAGE_URI`` leaves the storage unset, so Flask-Limiter uses
    ``memory://`` and warns that limits are then per process.
    """
    try:
        with _host_settings_set_aside(app):
            limiter = Limiter(
                get_remote_address, app=app, storage_uri=app.config["RTR_RATELIMIT_STORAGE_URI"] or None,
                strategy="fixed-window", default_limits=[], application_limits=[], headers_enabled=True,
                # A storage outage must not turn real people away: answer unlimited and log it.
                swallow_errors=True,
            )
    except ConfigurationError as error:  # an unknown scheme, or its client library is not installed
        raise ConfigError(
            f"RTR_RATELIMIT_STORAGE_URI can't be used ({error}). Use memory:// or redis://host:6379 "
            "(pip install 'ready-to-rebuild[redis]')."
        ) from None
    signals.lead_received.connect(_mark_stored, sender=app)
    return limiter


def get_limiter() -> Limiter:
    """Return the current app's Limiter."""
    return get_state().limiter


@contextmanager
def _host_settings_set_aside(app: Flask) -> Iterator[None]:
    """Hide the host's RATELIMIT_* keys from Flask-Limiter's init_app, and undo what it sets there."""
    hidden = {key: app.config.pop(key) for key in [k for k in app.config if k.startswith(HOST_PREFIX)]}
    try:
        yield
    finally:
        for key in [k for k in app.config if k.startswith(HOST_PREFIX)]:
            del app.config[key]
        app.config.update(hidden)


def limit_submissions(app: Flask, limiter: Limiter, blueprint: Blueprint, submit_endpoint: str) -> None:
    """Limit lead submissions on the blueprint: per client per widget, and per widget in total.

    The client's count is taken as the request arrives (atomic, so a burst cannot slip through) and
    given back after the answer unless the submission stored a request (suspected spam included) or
    failed its form token or origin check: five typos must not use up the tries a person needs to
    send the corrected form. Only stored leads count against the widget, so junk and caught bots
    cannot lock real people out.
    """
    def is_submission() -> bool:
        return request.method == "POST" and request.endpoint == submit_endpoint

    def give_back_unless_counted(response: Response) -> Response:
        if request.endpoint == submit_endpoint and not g.get("rtr_client_counted"):
            _give_back_client_hits(limiter)
        return response

    _run_hooks_only_when(app, limiter, is_submission)
    limiter.limit(_client_limit, key_func=_client_key)(blueprint)
    limiter.limit(_widget_limit, key_func=_widget_key, deduct_when=_stored)(blueprint)
    app.after_request(give_back_unless_counted)  # on the app: the blueprint is shared by every app


def _run_hooks_only_when(app: Flask, limiter: Limiter, wanted: Callable[[], bool]) -> None:
    """Run the limiter's request hooks only for the requests ``wanted`` names.

    Flask-Limiter hooks every request of the app, and even a request it exempts costs a fifth of
    drawing the card. Our limits are on submissions alone, so the card, embed.js and the host app's
    own pages skip that work. A Flask-Limiter that hooks in some other way keeps its hooks as they
    are (correct, only slower), with a warning.
    """
    check, release = limiter._check_request_limit, limiter._Limiter__release_context  # type: ignore[attr-defined]

    def is_inject_headers(hook: Any) -> bool:
        return isinstance(hook, functools.partial) and hook.args == (limiter,)

    def check_wanted() -> None:
        if wanted():
            check()

    def inject_wanted(response: Response) -> Response:
        return inject(response) if wanted() else response

    def release_wanted(error: BaseException | None = None) -> None:
        if wanted():
            release(error)

    before, after = app.before_request_funcs[None], app.after_request_funcs[None]
    teardown = app.teardown_request_funcs[None]
    inject = next((hook for hook in after if is_inject_headers(hook)), None)
    if check not in before or release not in teardown or inject is None:
        log.warning("This Flask-Limiter hooks into requests in a way Ready to Rebuild doesn't know: "
                    "every request runs the limiter, which only costs time")
        return
    before[before.index(check)] = check_wanted
    after[after.index(inject)] = inject_wanted
    teardown[teardown.index(release)] = release_wanted


def count_against_client() -> None:
    """Keep this submission in its client's count: it stored a request, or failed its token or origin check."""
    g.rtr_client_counted = True


def _give_back_client_hits(limiter: Limiter) -> None:
    """Undo the hits this request made on its client's limits (never below zero; errors only logged)."""
    for taken in limiter.current_limits:
        if not any(str(arg).startswith(CLIENT_KEY_PREFIX) for arg in taken.request_args):
            continue
        try:
            if taken.limiter.storage.get(taken.key) > 0:
                taken.limiter.hit(taken.limit, *taken.request_args, cost=-1)
        except Exception:  # like the limits themselves, a storage outage must not turn people away
            log.exception("Could not give back a submission's place in its client's rate limit")


def _client_limit() -> str:
    return str(current_app.config["RTR_SUBMIT_LIMIT"])


def _widget_limit() -> str:
    return str(current_app.config["RTR_WIDGET_SUBMIT_LIMIT"])


def _widget_id() -> str:
    return str((request.view_args or {}).get("widget_id", ""))


def _client_key() -> str:
    return f"{CLIENT_KEY_PREFIX}{get_remote_address()}/{_widget_id()}"


def _widget_key() -> str:
    return f"rtr-widget/{_widget_id()}"


def _mark_stored(app: Flask, **_event: Any) -> None:
    if has_request_context():  # the submission that stored it counts against the widget's budget
        g.rtr_lead_stored = True


def _stored(response: Response) -> bool:
    return bool(g.get("rtr_lead_stored"))
