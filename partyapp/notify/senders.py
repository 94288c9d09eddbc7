"""How an outbound message leaves the site. Nothing here runs inside a request: messages are
queued in the outbox (notify.services.queue_for_branch_group, in the transaction of the change)
and the clock process posts them (notify.services.deliver_outbox).

- "record": only records what would have been sent (the default; tests and demos).
- "wecom": a WeCom group robot webhook (企业微信群机器人), which village cadres already use.
Chosen by NOTIFY_SENDER ("record" | "wecom") and WECOM_WEBHOOK_URL; a branch's own robot
(organization.wecom_webhook) is an explicit opt-in and is used whatever NOTIFY_SENDER says.
"""
from __future__ import annotations

import requests
from flask import current_app

WECOM_TEXT_LIMIT = 2000  # bytes the robot accepts in one text message (it rejects more)


def post_to_robot(url: str, text: str, timeout: float = 10.0) -> str | None:
    """Post one text message; None when the robot took it, else the error (≤255 chars)."""
    body = text.encode("utf-8")[:WECOM_TEXT_LIMIT].decode("utf-8", "ignore")
    try:
        reply = requests.post(url, json={"msgtype": "text", "text": {"content": body}},
                              timeout=(min(timeout, 5.0), timeout))
        data = reply.json() if reply.ok else {}
        if data.get("errcode") != 0:
            return (f"HTTP {reply.status_code} errcode {data.get('errcode')} "
                    f"{data.get('errmsg', '')}")[:255]
    except (requests.RequestException, ValueError) as exc:
        return _redact(str(exc))[:255]
    return None


def _redact(text: str) -> str:
    """Never store the robot key: it is a secret that lets anyone post to the group."""
    head, found, _ = text.partition("key=")
    return head + ("key=…" if found else "")


def default_webhook() -> str:
    """The site-wide robot, when NOTIFY_SENDER says wecom; '' for the record sender."""
    config = current_app.config
    if config["NOTIFY_SENDER"] == "wecom" and config["WECOM_WEBHOOK_URL"]:
        return config["WECOM_WEBHOOK_URL"]
    return ""
