"""The url guard now lives in the engine's ingest stage (`index.ingest.url_guard`), shared by
`/ingest url:`, `newsbot index URL` and feeds; this name is kept for the bot's imports."""

from index.ingest.url_guard import (  # noqa: F401 - re-exported
    FetchRefused,
    GuardedResolver,
    address_problem,
    allowed_hosts,
    check_url,
    normalise_host,
    parse_ip,
)
