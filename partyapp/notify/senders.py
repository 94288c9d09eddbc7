"""Outbound senders behind one small interface: `sender.send(text, target)`.

- RecordSender only records what would have been sent (the default; tests and demos).
- WeComRobotSender posts to a WeCom group robot webhook (企业微信群机器人), which village
  cadres already use; the message is recorded too, with whether it was delivered.
Chosen by NOTIFY_SENDER ("record" | "wecom") and WECOM_WEBHOOK_URL.
"""
from __future__ import annotations

import requests
from flask import current_app

from ..extensions import db
from ..models import OutboundMessage

WECOM_TEXT_LIMIT = 2000  # bytes the robot accepts in one text message (it rejects more)


class RecordSender:
    channel = "record"

    def send(self, text: str, target: str = "") -> bool:
        db.session.add(OutboundMessage(channel=self.channel, target=target, text=text,
                                       delivered=True))
        return True


class WeComRobotSender:
    channel = "wecom"

    def __init__(self, default_webhook: str, timeout: float = 5.0):
        self.default_webhook = default_webhook
        self.timeout = timeout

    def send(self, text: str, target: str = "") -> bool:
        """`target` is a branch's own robot webhook; else the configured default."""
        url = target or self.default_webhook
        body = text.encode("utf-8")[:WECOM_TEXT_LIMIT].decode("utf-8", "ignore")
        error = None
        try:
            reply = requests.post(url, json={"msgtype": "text", "text": {"content": body}},
                                  timeout=self.timeout)
            data = reply.json() if reply.ok else {}
            if data.get("errcode") != 0:
                error = f"HTTP {reply.status_code} errcode {data.get('errcode')} {data.get('errmsg', '')}"[:255]
        except (requests.RequestException, ValueError) as exc:
            error = str(exc)[:255]
        db.session.add(OutboundMessage(channel=self.channel, target=_redact(url), text=text,
                                       delivered=error is None, error=error))
        return error is None


def _redact(url: str) -> str:
    """Never store the robot key: it is a secret that lets anyone post to the group."""
    return url.split("key=")[0] + ("key=…" if "key=" in url else "")


def get_sender():
    config = current_app.config
    if config["NOTIFY_SENDER"] == "wecom" and config["WECOM_WEBHOOK_URL"]:
        return WeComRobotSender(config["WECOM_WEBHOOK_URL"])
    return RecordSender()
