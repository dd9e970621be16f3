"""`crosspost`: announce the newly published articles of a built site in Telegram and VK.

What is announced: every article of build.json dated within the 48 hours before `--now`,
not expired, on each channel of its language that has no record of it in the ledger. A
lost ledger can therefore never flood a channel with old news. Each post is recorded the
moment it is made; a failed post is recorded as failed, stops that channel for this run
and makes the exit code 1: the next run retries it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from generator.config import SiteConfig, load_config
from generator.pipeline import Options
from generator.publish import buildinfo, ledger
from generator.publish.api import PostFailed
from generator.publish.buildinfo import WINDOW, Recent
from generator.publish.telegram import Telegram
from generator.publish.vk import VK


class Client(Protocol):
    network: str
    token_variable: str

    def post(self, target: str, item: Recent) -> str: ...

    @staticmethod
    def plan(target: str, item: Recent) -> tuple[str, dict[str, object]]: ...


NETWORKS: dict[str, type[Telegram] | type[VK]] = {"telegram": Telegram, "vk": VK}


@dataclass(frozen=True)
class Channel:
    network: str
    lang: str
    target: str  # Telegram chat (@name or id), VK wall owner id
    line: int  # in site.yaml

    def where(self) -> str:
        return f"site.yaml:{self.line}"

    def __str__(self) -> str:
        return f"{self.network} {self.lang} {self.target}"


@dataclass(frozen=True)
class Post:
    item: Recent
    channel: Channel

    @property
    def key(self) -> ledger.Key:
        return (self.channel.network, self.channel.target, self.item.key)


def crosspost(options: Options, ledger_path: Path, dry_run: bool) -> int:
    config = load_config(options.site)
    now = options.now if options.now.tzinfo else options.now.replace(tzinfo=config.tz)
    info = buildinfo.read(options.out / buildinfo.PATH, _shown(options.out / buildinfo.PATH))
    record = ledger.load(ledger_path, _shown(ledger_path))
    channels = channels_of(config)
    todo = pending(info.articles, channels, record, now)
    clients = connect(channels)
    if dry_run:
        return show(todo, clients)
    return post_all(todo, clients, record, now)


def channels_of(config: SiteConfig) -> list[Channel]:
    crosspost = config.crosspost
    found = []
    for network, targets in (("telegram", crosspost.telegram), ("vk", crosspost.vk)):
        for lang, target in targets.items():
            found.append(Channel(network, lang, target, crosspost.lines[f"{network}.{lang}"]))
    return found


def pending(
    items: Iterable[Recent], channels: list[Channel], record: ledger.Ledger, now: datetime
) -> list[Post]:
    """Oldest first, so that a channel shows the articles in the order they came out."""
    fresh = [
        item
        for item in items
        if now - WINDOW < item.date <= now and (item.expires is None or item.expires > now)
    ]
    fresh.sort(key=lambda item: (item.date, item.key))
    posts = [Post(i, c) for i in fresh for c in channels if c.lang == i.lang]
    return [post for post in posts if not record.has(post.key)]


def connect(channels: list[Channel]) -> dict[Channel, Client]:
    """A client per channel whose token is set; a notice for every other channel."""
    clients: dict[Channel, Client] = {}
    for channel in channels:
        kind = NETWORKS[channel.network]
        token = os.environ.get(kind.token_variable, "").strip()
        if token:
            clients[channel] = kind(token)
        else:
            print(
                f"{channel.where()}: notice: {kind.token_variable} is not set: "
                f"{channel} is skipped",
                file=sys.stderr,
            )
    return clients


def post_all(
    todo: list[Post], clients: dict[Channel, Client], record: ledger.Ledger, now: datetime
) -> int:
    todo = [post for post in todo if post.channel in clients]
    if not todo:
        if record.last_run.get("started") and not record.last_run.get("finished"):
            record.finish(now)  # what an earlier run left undone is done (or moot)
        return 0
    record.failed.clear()  # this run retries them all: what fails again is written again
    record.start(now)
    stopped: set[Channel] = set()
    for post in todo:
        if post.channel not in stopped and not _post(post, clients[post.channel], record, now):
            stopped.add(post.channel)
    record.finish(now)
    return 1 if stopped else 0


def _post(post: Post, client: Client, record: ledger.Ledger, now: datetime) -> bool:
    item, channel = post.item, post.channel
    try:
        post_id = client.post(channel.target, item)
    except PostFailed as failure:
        record.fail(post.key, failure.message, item.date, now)
        wait = f" (Telegram asks to wait {failure.retry_after} s)" if failure.retry_after else ""
        print(
            f"{channel.where()}: error: {channel}: {failure.message}{wait}; {item.url} "
            "and the rest for this channel are retried on the next run",
            file=sys.stderr,
        )
        return False
    record.record(post.key, post_id, item.date, now)
    print(f"posted {item.url} to {channel} as {post_id}")
    return True


def show(todo: list[Post], clients: dict[Channel, Client]) -> int:
    """--dry-run: each post's method and parameters, exactly as they would be sent."""
    if not todo:
        print("nothing to announce", file=sys.stderr)
    for post in todo:
        method, params = NETWORKS[post.channel.network].plan(post.channel.target, post.item)
        skipped = "" if post.channel in clients else " (skipped: no token)"
        print(f"would post {post.item.url} to {post.channel} with {method}{skipped}:")
        for name, value in params.items():
            text = str(value).replace("\n", "\n    ")
            print(f"  {name}: {text}")
    return 0


def _shown(path: Path) -> str:
    cwd = Path.cwd()
    return os.path.relpath(path, cwd) if path.is_relative_to(cwd) else str(path)
