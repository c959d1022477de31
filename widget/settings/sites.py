"""The allowed-sites kind: websites as people type them, stored as the origins browsers send."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from ..origins import NOT_A_SITE, site_origins
from .kinds import _checked, _items, _unique, fail


def _site(value: Any) -> str:
    origins = site_origins(value) if isinstance(value, str) else NOT_A_SITE
    if isinstance(origins, str):
        fail(origins)
    return " ".join(origins)


def _site_origins(limit: int, sites: list[str]) -> list[str]:
    origins = _unique([origin for site in sites for origin in site.split()])
    if len(origins) > limit:
        fail(f"At most {limit} site addresses, counting the www and bare names of a site as two.")
    return origins


#: A website as people type it (``desertbloom.com``, a URL with a path); read as the origins it stands
#: for (see ``origins.site_origins``), which ``Sites`` stores.
Site = Annotated[str, Field(json_schema_extra={"maxLength": 300}), BeforeValidator(_site)]


def Sites(limit: int) -> Any:  # noqa: N802 (a type)
    """Websites as typed, stored as at most ``limit`` distinct ``scheme://host[:port]`` origins."""
    return Annotated[list[Site], Field(max_length=limit), _checked(_items, limit, ""),
                     AfterValidator(partial(_site_origins, limit))]
