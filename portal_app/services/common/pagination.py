"""Page numbers from the URL, read safely, and the bounds of a page."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.services.common.inputs import parse_id

PAGE_SIZES = (10, 25, 50)
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_NUMBER = 999_999_999


@dataclass(frozen=True)
class PageRequest:
    """A 1-based page of a given size."""

    number: int = 1
    size: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class PageInfo:
    """Where a page sits in the whole list."""

    number: int
    size: int
    total_rows: int

    @property
    def total_pages(self) -> int:
        return max(1, -(-self.total_rows // self.size))

    @property
    def first_row(self) -> int:
        return 0 if self.total_rows == 0 else (self.number - 1) * self.size + 1

    @property
    def last_row(self) -> int:
        return min(self.total_rows, self.number * self.size)


def parse_page(raw_number: str | None, raw_size: str | None) -> PageRequest:
    """A page request from URL text: anything unusable becomes page 1 / the default size."""
    size = parse_id(raw_size)
    number = parse_id(raw_number, MAX_PAGE_NUMBER) or 1
    return PageRequest(number=number, size=size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE)


def clamp(request: PageRequest, total_rows: int) -> PageInfo:
    """The nearest existing page: past the end becomes the last page."""
    info = PageInfo(number=1, size=request.size, total_rows=total_rows)
    return PageInfo(number=min(max(1, request.number), info.total_pages), size=request.size, total_rows=total_rows)
