"""The shape of a signed Slack request body, checked before Bolt sees it.

A correct signature proves the body came from someone holding the signing secret, not
that it is well formed: Bolt indexes ``body["actions"][0]``, ``body["event"]["type"]``
and friends without checking their types, and a ``team`` that is a list or an
``event`` that is null made it raise (a 500). ``parse`` reads the body once, the way
Slack sends it (JSON events; a form with ``payload`` JSON for interactions; a plain
form for slash commands), and refuses any field Bolt or the listeners read whose type
is not the one Slack documents. The listeners then see only bodies of that shape.

Pure: standard library only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

# A spec maps a key to the types its value may have (None always allowed: absent or
# null), or to a nested spec for an object, or to ``[spec]`` for a list of objects.
Spec = dict[str, Any]

_STR = (str,)
_BOOL = (bool,)

_ID_OBJECT: Spec = {"id": _STR, "team_id": _STR, "enterprise_id": _STR, "name": _STR}
_AUTHORIZATION: Spec = {
    "team_id": _STR,
    "enterprise_id": _STR,
    "user_id": _STR,
    "is_enterprise_install": _BOOL,
}
_OPTION: Spec = {"value": _STR}
_ACTION: Spec = {
    "action_id": _STR,
    "block_id": _STR,
    "value": _STR,
    "type": _STR,
    "action_ts": _STR,
    "selected_option": _OPTION,
}
_VIEW: Spec = {
    "id": _STR,
    "hash": _STR,
    "type": _STR,
    "callback_id": _STR,
    "private_metadata": _STR,
    "team_id": _STR,
    "app_installed_team_id": _STR,
    "state": {"values": (dict,)},
}
_MESSAGE: Spec = {"user": _STR, "thread_ts": _STR, "channel": (str, dict)}
_EVENT: Spec = {
    "type": _STR,
    "user": _STR,
    "tab": _STR,
    "team": _STR,
    "user_team": _STR,
    "channel": (str, dict),
    "thread_ts": _STR,
    "enterprise": (str, dict),
    "message": _MESSAGE,
    "previous_message": _MESSAGE,
    "item": {"channel": _STR},
}
_ENVELOPE: Spec = {
    "type": _STR,
    "token": _STR,
    "team": _ID_OBJECT,
    "enterprise": _ID_OBJECT,
    "user": _ID_OBJECT,
    "channel": _ID_OBJECT,
    "container": {"channel_id": _STR, "view_id": _STR, "message_ts": _STR},
    "view": _VIEW,
    "actions": [_ACTION],
    "authorizations": [_AUTHORIZATION],
    "event": _EVENT,
    "message": _MESSAGE,
    "team_id": _STR,
    "enterprise_id": _STR,
    "user_id": _STR,
    "channel_id": _STR,
    "api_app_id": _STR,
    "trigger_id": _STR,
    "response_url": _STR,
    "thread_ts": _STR,
    "challenge": _STR,
    "is_enterprise_install": _BOOL,
    "is_ext_shared_channel": _BOOL,
}

# What each kind of payload must carry for Bolt to route it.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "block_actions": ("actions", "user"),
    "view_submission": ("view", "user"),
    "view_closed": ("view", "user"),
    "event_callback": ("event",),
    "url_verification": ("challenge",),
}


class Malformed(ValueError):
    """The body is not a Slack request of a documented shape (the message says where)."""


@dataclass(frozen=True)
class Envelope:
    """A parsed body: ``kind`` is "ssl_check", "command", "payload" or "event"."""

    kind: str
    body: dict[str, Any]


def _check(value: Any, spec: Any, where: str) -> None:
    if value is None:
        return
    if isinstance(spec, tuple):
        if not isinstance(value, spec):
            raise Malformed(f"{where} has the wrong type")
        if isinstance(value, str) and not _encodable(value):
            raise Malformed(f"{where} is not valid Unicode")
        return
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise Malformed(f"{where} is not a list")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise Malformed(f"{where}[{i}] is not an object")
            _check(item, spec[0], f"{where}[{i}]")
        return
    if not isinstance(value, dict):
        raise Malformed(f"{where} is not an object")
    for key, sub in spec.items():
        _check(value.get(key), sub, f"{where}.{key}")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON \\ud800 escape
        return False
    return True


def _no_lone_surrogates(value: Any) -> None:
    """Every string anywhere in the body encodes as UTF-8 (the database and the
    encryption of stored text need it)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed("the body has text that is not valid Unicode") from None


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except RecursionError:
        raise Malformed(f"{what} is nested too deeply") from None
    except ValueError:
        raise Malformed(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not a JSON object")
    return value


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    _check(body, _ENVELOPE, "body")
    kind = body.get("type")
    for key in _REQUIRED.get(kind or "", ()):
        if body.get(key) is None:
            raise Malformed(f"a {kind} body has no {key}")
    if kind == "block_actions" and not body["actions"]:
        raise Malformed("a block_actions body has no actions")
    if kind == "block_actions" and any(
        not isinstance(a.get("action_id"), str) for a in body["actions"]
    ):
        raise Malformed("an action has no action_id")
    if kind == "event_callback" and not isinstance(body["event"].get("type"), str):
        raise Malformed("the event has no type")
    if kind in ("view_submission", "view_closed") and not isinstance(
        body["view"].get("callback_id"), str
    ):
        raise Malformed("the view has no callback_id")
    if kind in ("view_submission", "view_closed") and not isinstance(body["view"].get("type"), str):
        raise Malformed("the view has no type")
    _no_lone_surrogates(body)
    return body


def parse(text: str, content_type: str) -> Envelope:
    """The body as Bolt would read it, checked; raises Malformed."""
    if content_type == "application/json" or text.lstrip().startswith(("{", "[")):
        return Envelope("event", _checked(_json_object(text, "the body")))
    form = parse_qsl(text, keep_blank_values=True)
    fields = dict(form)
    if fields.get("ssl_check") == "1":
        return Envelope("ssl_check", fields)
    if "payload" in fields:
        payload = _json_object(fields["payload"], "the payload")
        if not isinstance(payload.get("type"), str):
            raise Malformed("the payload has no type")
        return Envelope("payload", _checked(payload))
    if not fields.get("command"):
        raise Malformed("not a Slack request body")
    return Envelope("command", fields)


__all__ = ["Envelope", "Malformed", "parse"]
