"""SQL statements per page open: what one customer or staff page costs the database, counted, not timed.

`python -m bench.statements` migrates and seeds a fresh SQLite database in a temporary folder, signs the demo
customer and the demo agent in, and opens each page the way its state does (one unit of work: resolve the session,
then the page's service call with its header), counting every statement SQLAlchemy sends
(`before_cursor_execute`). Prints a Markdown table; issue 16's budget is 4 per page.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, select

REPO = Path(__file__).resolve().parents[1]
BUDGET = 4
CUSTOMER = "demo@example.com"
AGENT = "staff@example.com"


def _prepare(folder: Path) -> None:
    """A migrated, seeded database in `folder`, as `make run` makes it."""
    from alembic import command
    from alembic.config import Config

    from portal_app import db as portal_db
    from portal_app.config import settings
    from portal_app.demo.seed import seed_demo

    url = f"sqlite:///{folder / 'portal.db'}"
    os.environ["REFLEX_DB_URL"] = url
    os.environ["PORTAL_OUTBOX_DIR"] = str(folder / "outbox")
    settings.cache_clear()
    portal_db.engine.cache_clear()
    config = Config(str(REPO / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    with Session(portal_db.engine()) as db:
        seed_demo(db)
        db.commit()


def _pages() -> list[tuple[str, str, Callable[..., Any], tuple[Any, ...]]]:
    """(who, page, service, arguments): what each page's load hands to its unit of work."""
    from portal_app.services.accounts.header import header_and_page, page_header
    from portal_app.services.accounts.overview import overview
    from portal_app.services.accounts.profile import profile_page
    from portal_app.services.accounts.provisioned import services_page
    from portal_app.services.billing.screens import billing_page, history_page
    from portal_app.services.common.pagination import PageRequest
    from portal_app.services.console.header import staff_call
    from portal_app.services.help.articles import article_page, help_page
    from portal_app.services.projects.progress import project_cards
    from portal_app.services.support import inbox, tickets

    first = PageRequest()
    return [
        ("customer", "Session and header only (Page not found)", page_header, ()),
        ("customer", "Overview", header_and_page, (overview,)),
        ("customer", "Services", header_and_page, (services_page,)),
        ("customer", "Billing", header_and_page, (billing_page, "")),
        ("customer", "Billing history", header_and_page, (history_page, first, first, "")),
        ("customer", "Projects", header_and_page, (project_cards,)),
        ("customer", "Support", header_and_page, (tickets.recent_tickets,)),
        ("customer", "All tickets", header_and_page, (tickets.ticket_page, first)),
        ("customer", "A ticket", header_and_page, (tickets.thread_page, "{ticket}")),
        ("customer", "Help", header_and_page, (help_page, "", "")),
        ("customer", "An article", header_and_page, (article_page, "{article}")),
        ("customer", "Profile", header_and_page, (profile_page,)),
        ("staff", "Staff inbox", staff_call, (inbox.inbox_page, "", "", first)),
        ("staff", "Staff ticket", staff_call, (inbox.staff_thread, "{ticket}")),
    ]


def _ids(db: Session) -> dict[str, Any]:
    """A ticket of the demo customer and a published article to open."""
    from portal_app.models import Article, ArticleStatus, ArticleVisibility, Customer, Membership, PortalUser, Ticket

    user = db.exec(select(PortalUser).where(PortalUser.email == CUSTOMER)).one()
    customer_id = db.exec(select(Membership.customer_id).where(Membership.portal_user_id == user.id)).first()
    customer = db.get(Customer, customer_id)
    ticket = db.exec(select(Ticket.id).where(Ticket.customer_id == customer.id)).first()
    article = db.exec(
        select(Article.slug).where(
            Article.organisation_id == customer.organisation_id,
            Article.status == ArticleStatus.PUBLISHED,
            Article.visibility == ArticleVisibility.PUBLIC,
        )
    ).first()
    return {"{ticket}": ticket, "{article}": article}


def measure() -> list[tuple[str, str, int]]:
    """(who, page, statements) for every page, session resolution included."""
    from portal_app import db as portal_db
    from portal_app.models import PortalUser
    from portal_app.services.accounts import sessions
    from portal_app.state.unit_of_work import as_principal

    engine = portal_db.engine()
    with Session(engine) as db:
        tokens = {}
        for who, email in (("customer", CUSTOMER), ("staff", AGENT)):
            user = db.exec(select(PortalUser).where(PortalUser.email == email)).one()
            tokens[who] = sessions.open_session(db, user.id, remember=False)
        db.commit()
        ids = _ids(db)
    counted: list[int] = []
    event.listen(engine, "before_cursor_execute", lambda *_args: counted.append(1))
    rows = []
    for who, page, work, args in _pages():
        wanted = tuple(ids.get(arg, arg) if isinstance(arg, str) else arg for arg in args)
        counted.clear()
        as_principal(tokens[who], work, wanted, {})
        rows.append((who, page, len(counted)))
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        _prepare(Path(folder))
        rows = measure()
    print(f"| page | as | SQL statements (budget {BUDGET}) |")
    print("| --- | --- | ---: |")
    for who, page, count in rows:
        mark = "" if count <= BUDGET else " (over)"
        print(f"| {page} | {who} | {count}{mark} |")


if __name__ == "__main__":
    main()
