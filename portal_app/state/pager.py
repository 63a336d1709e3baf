"""One table's position for the page: numbers, previous/next links and page-size links, built once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from portal_app.services.common.pagination import PAGE_SIZES, PageInfo

NEAREST_PAGE = "That page does not exist; showing the nearest one."


@dataclass(frozen=True)
class SizeLink:
    """A page-size choice and the address that shows it (from page 1)."""

    size: str
    href: str


@dataclass(frozen=True)
class Pager:
    """Where one table stands and the links that move it; `pager` in components/tables.py draws it."""

    page: int = 1
    pages: int = 1
    total: int = 0
    size: int = 10
    prev_href: str = ""
    next_href: str = ""
    size_links: list[SizeLink] = field(default_factory=list)


def pager_for(info: PageInfo, href: Callable[[int, int], str]) -> Pager:
    """The pager of a table at `info`; href(page, size) is the address of another position of the same table
    (keeping whatever else the address holds, such as filters or another table's position)."""
    return Pager(
        page=info.number,
        pages=info.total_pages,
        total=info.total_rows,
        size=info.size,
        prev_href=href(max(1, info.number - 1), info.size),
        next_href=href(min(info.total_pages, info.number + 1), info.size),
        size_links=[SizeLink(size=str(size), href=href(1, size)) for size in PAGE_SIZES],
    )
