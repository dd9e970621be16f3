"""VK API: wall.post on the community's wall, from the community, with the link attached
(a community token cannot upload photos: VK builds the card from the page's og:image)."""

from __future__ import annotations

import os
import urllib.parse

from generator.publish import message
from generator.publish.api import PostFailed, call, hide
from generator.publish.buildinfo import Recent

DEFAULT_API = "https://api.vk.com"
VERSION = "5.199"
TOKEN_VARIABLE = "VK_TOKEN"  # noqa: S105 - the name, not a token


class VK:
    network = "vk"
    token_variable = TOKEN_VARIABLE

    def __init__(self, token: str, api: str | None = None) -> None:
        self.token = token
        self.api = (api or os.environ.get("KHABAR_VK_API") or DEFAULT_API).rstrip("/")

    @staticmethod
    def plan(owner: str, item: Recent) -> tuple[str, dict[str, object]]:
        params: dict[str, object] = {
            "owner_id": owner,
            "from_group": 1,
            "message": message.vk_text(item),
            "attachments": item.url,
        }
        return "wall.post", params

    def post(self, owner: str, item: Recent) -> str:
        method, params = self.plan(owner, item)
        # The token travels in the body, never in a URL that a log could keep.
        body = urllib.parse.urlencode({**params, "access_token": self.token, "v": VERSION})
        answer = call(
            f"{self.api}/method/{method}",
            body.encode("utf-8"),
            "application/x-www-form-urlencoded",
            self.token,
        )
        response = answer.data.get("response")
        if answer.status == 200 and isinstance(response, dict) and "post_id" in response:
            return str(response["post_id"])
        error = answer.data.get("error") or {}
        described = f"error {error.get('error_code')}: {error.get('error_msg')}" if error else ""
        text = f"{method}: HTTP {answer.status}" + (f": {described}" if described else "")
        raise PostFailed(hide(text, self.token))
