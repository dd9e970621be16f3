"""Publishing: what the scheduled run asks before it builds (`due`, build.json) and the
announcements of new articles in Telegram and VK (`crosspost`) with their ledger."""
