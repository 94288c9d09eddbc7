"""The 服务号's 网页授权 (snsapi_base) adapter: where to send the browser, and the code exchange.
Base URLs come from the config (WECHAT_OAUTH_BASE, WECHAT_API_BASE) so tests talk to a local
fake speaking the documented protocol; nothing here reads the request."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from flask import current_app

# Documented errcodes of sns/oauth2/access_token: 40029 invalid code, 40163 code been used.
CODE_REFUSED = {40029, 40163}


@dataclass
class CodeExchange:
    openid: str | None = None
    error: str | None = None       # a short reason for the log; never shown as is


def configured() -> bool:
    config = current_app.config
    return bool(config.get("WECHAT_APP_ID") and config.get("WECHAT_APP_SECRET"))


def authorize_url(redirect_uri: str, state: str) -> str:
    query = urlencode({"appid": current_app.config["WECHAT_APP_ID"],
                       "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": "snsapi_base", "state": state})
    return f"{current_app.config['WECHAT_OAUTH_BASE']}/connect/oauth2/authorize?{query}" \
           "#wechat_redirect"


def exchange_code(code: str) -> CodeExchange:
    """sns/oauth2/access_token: the code (single use, 5 minutes) → the openid."""
    config = current_app.config
    try:
        reply = requests.get(f"{config['WECHAT_API_BASE']}/sns/oauth2/access_token", params={
            "appid": config["WECHAT_APP_ID"], "secret": config["WECHAT_APP_SECRET"],
            "code": code, "grant_type": "authorization_code"},
            timeout=(min(config["WECHAT_TIMEOUT"], 5.0), config["WECHAT_TIMEOUT"]))
        data = reply.json()
    except (requests.RequestException, ValueError) as exc:
        return CodeExchange(error=type(exc).__name__)
    openid = data.get("openid") if isinstance(data, dict) else None
    if not isinstance(openid, str) or not openid or len(openid) > 64:
        errcode = data.get("errcode") if isinstance(data, dict) else None
        return CodeExchange(error=f"errcode {errcode}")
    return CodeExchange(openid=openid)
