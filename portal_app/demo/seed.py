"""Demo data: two providers, their customers and histories, and a bulk account for benchmarks.

Dates follow today's date so invoices always look current; everything else comes from
seeded random generators, so two runs on the same day write the same data.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from babel.dates import format_date
from sqlalchemy import insert
from sqlmodel import Session, select

from portal_app.demo.help_articles import seed_agency_articles, seed_help_articles
from portal_app.demo.service_plans import seed_service_plans
from portal_app.demo.support import seed_support
from portal_app.models import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Membership,
    Organisation,
    Payment,
    PaymentStatus,
    PortalUser,
    Priority,
    Project,
    ProjectStatus,
    Service,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from portal_app.services.accounts.demo_accounts import PUBLISHED_PASSWORD
from portal_app.services.accounts.passwords import hash_password

SEED = "portal-demo-v1"

NORTHWIND_SLUG = "northwind"
HARBOR_SLUG = "harbor"
BULK_INVOICES = 20_000
BULK_CHUNK = 5_000
BULK_FAILED_EVERY = 400  # every 400th bulk payment fails, leaving that invoice unpaid

NORTHWIND_STAFF = "Jamie Park (Northwind Fiber)"
HARBOR_STAFF = "Niamh (Harbor Web Studio)"

_Row = TypeVar("_Row")


@dataclass(frozen=True)
class Line:
    """An invoice line to write: quantity times unit price."""

    description: str
    unit_price_minor: int
    quantity: int = 1

    @property
    def amount_minor(self) -> int:
        """The line amount in minor units."""
        return self.quantity * self.unit_price_minor


@dataclass(frozen=True)
class Message:
    """A ticket message to write, some hours after the ticket was opened."""

    hours_after: int
    body: str
    author_name: str
    from_staff: bool = False


@dataclass
class _Writer:
    """Writes demo rows through one session, numbering invoices per organisation and year."""

    db: Session
    today: date
    password_hash: str
    prefixes: dict[int, str] = field(default_factory=dict)
    counters: dict[tuple[int, int], int] = field(default_factory=dict)

    def organisation(self, prefix: str, **fields: str) -> Organisation:
        """A new organisation whose invoices are numbered PREFIX-YEAR-NNNN."""
        org = self._add(Organisation(created_at=_at(add_months(self.today, -72), 9, 0), **fields))
        self.prefixes[org.id] = prefix
        return org

    def customer(self, org: Organisation, name: str, since: date, **fields: str) -> Customer:
        """A new CRM record of the organisation, a customer since the given day."""
        return self._add(Customer(organisation_id=org.id, name=name, created_at=_at(since, 9, 0), **fields))

    def user(self, email: str, name: str, *customers: Customer) -> PortalUser:
        """A portal user with the demo password, linked to the given customers when they joined."""
        joined = min((c.created_at for c in customers), default=_at(self.today - timedelta(days=2), 9, 0))
        user = self._add(PortalUser(email=email, name=name, password_hash=self.password_hash, created_at=joined))
        for customer in customers:
            self._add(Membership(portal_user_id=user.id, customer_id=customer.id, created_at=joined))
        return user

    def service(self, customer: Customer, name: str, description: str, since: date, *, active: bool = True) -> Service:
        """A service on the customer's account."""
        return self._add(
            Service(
                customer_id=customer.id,
                name=name,
                description=description,
                is_active=active,
                active_since=since,
            )
        )

    def invoice(
        self,
        customer: Customer,
        issued: date,
        lines: list[Line],
        *,
        terms_days: int = 14,
        state: InvoiceState = InvoiceState.ISSUED,
    ) -> Invoice:
        """An invoice with its lines; the total is the sum of the lines, nothing paid yet."""
        invoice = self._add(
            Invoice(
                customer_id=customer.id,
                number=self._next_number(customer.organisation_id, issued, state),
                state=state,
                issued_on=issued,
                due_on=issued + timedelta(days=terms_days),
                currency=customer.currency,
                total_minor=sum(line.amount_minor for line in lines),
                created_at=_at(issued, 6, 0),
            )
        )
        for position, line in enumerate(lines, start=1):
            self.db.add(
                InvoiceLine(
                    invoice_id=invoice.id,
                    position=position,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price_minor=line.unit_price_minor,
                    amount_minor=line.amount_minor,
                )
            )
        return invoice

    def payment(
        self,
        invoice: Invoice,
        amount_minor: int,
        processed_at: datetime,
        reference: str,
        status: PaymentStatus = PaymentStatus.SUCCEEDED,
    ) -> Payment:
        """A payment for the invoice; only a succeeded one counts towards what is paid. How it was paid follows
        from the reference: a card for a Stripe charge id, a direct debit or bank transfer for a SEPA or TRF one."""
        if status == PaymentStatus.SUCCEEDED:
            invoice.paid_minor += amount_minor
        method, brand, last4 = _method_of(reference)
        return self._add(
            Payment(
                customer_id=invoice.customer_id,
                invoice_id=invoice.id,
                amount_minor=amount_minor,
                currency=invoice.currency,
                status=status,
                processed_at=processed_at,
                reference=reference,
                method=method,
                card_brand=brand,
                card_last4=last4,
                failure_reason="Your card was declined." if status == PaymentStatus.FAILED else "",
            )
        )

    def ticket(
        self,
        customer: Customer,
        subject: str,
        description: str,
        *,
        priority: Priority,
        status: TicketStatus,
        opened: datetime,
        messages: list[Message],
    ) -> Ticket:
        """A portal ticket with its thread; last updated at its latest message."""
        last = opened + timedelta(hours=max((m.hours_after for m in messages), default=0))
        ticket = self._add(
            Ticket(
                customer_id=customer.id,
                subject=subject,
                description=description,
                priority=priority,
                status=status,
                source="Portal",
                created_at=opened,
                updated_at=last,
            )
        )
        for message in messages:
            self.db.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    from_staff=message.from_staff,
                    author_name=message.author_name,
                    body=message.body,
                    created_at=opened + timedelta(hours=message.hours_after),
                )
            )
        return ticket

    def _next_number(self, organisation_id: int, issued: date, state: InvoiceState) -> str:
        """PREFIX-YEAR-NNNN in order of issue; drafts get a number of their own."""
        prefix = self.prefixes[organisation_id]
        key = (organisation_id, 0 if state == InvoiceState.DRAFT else issued.year)
        self.counters[key] = self.counters.get(key, 0) + 1
        if state == InvoiceState.DRAFT:
            return f"{prefix}-DRAFT-{self.counters[key]:04d}"
        return f"{prefix}-{issued.year}-{self.counters[key]:04d}"

    def _add(self, row: _Row) -> _Row:
        """Add the row and flush so that it has its id."""
        self.db.add(row)
        self.db.flush()
        return row


def seed_demo(db: Session, today: date | None = None) -> bool:
    """Load the demo data and commit; False (and nothing written) when Northwind already exists."""
    if db.exec(select(Organisation.id).where(Organisation.slug == NORTHWIND_SLUG)).first() is not None:
        return False
    writer = _Writer(db=db, today=today or date.today(), password_hash=hash_password(PUBLISHED_PASSWORD))
    northwind = _northwind(writer)
    harbor = _harbor(writer)
    seed_help_articles(db, northwind.id)
    seed_agency_articles(db, harbor.id)
    alex = _seed_alex(writer, northwind)
    _seed_sam(writer, northwind, harbor)
    _seed_lakeside(writer, northwind)
    writer.user("unlinked@example.com", "Jordan Lee")
    _seed_bulk(writer, northwind)
    seed_support(db, northwind_id=northwind.id, alex_customer_id=alex.id, today=writer.today)
    seed_service_plans(db, northwind_id=northwind.id, today=writer.today)
    db.commit()
    return True


# --- dates and references ------------------------------------------------------------------------


def _rng(label: str) -> random.Random:
    """A generator seeded per data set, so changing one set leaves the others as they were."""
    return random.Random(f"{SEED}:{label}")  # noqa: S311 - demo data, not security


def add_months(day: date, months: int) -> date:
    """The same day of the month (at most the 28th) some months later, or earlier when negative."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def latest_billing_date(today: date) -> date:
    """The latest monthly billing date: 3-6 days ago, on a day every month has (so 14-day terms
    leave the newest invoice due in the future and the one before it overdue)."""
    anchor = today - timedelta(days=3)
    return anchor.replace(day=min(anchor.day, 28))


def _at(day: date, hour: int, minute: int) -> datetime:
    """A UTC timestamp on the day."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _some_time(day: date, rng: random.Random) -> datetime:
    """A business-hours timestamp on the day."""
    return _at(day, rng.randint(8, 19), rng.randint(0, 59))


def _month(day: date) -> str:
    """'March 2026' for a service period."""
    return format_date(day, "MMMM y", locale="en_US")


def _stripe_charge_id(rng: random.Random) -> str:
    """A reference shaped like a Stripe charge id."""
    return "ch_3N" + "".join(rng.choices(string.ascii_letters + string.digits, k=22))


def _card_or_bank(rng: random.Random, invoice: Invoice) -> str:
    """Most customers pay by card; about one in four by bank transfer."""
    if rng.random() < 0.25:
        return f"TRF-{invoice.issued_on:%Y%m}-{invoice.number}"
    return _stripe_charge_id(rng)


DEMO_CARDS = (("visa", "4242"), ("mastercard", "4444"), ("amex", "8431"))


def _method_of(reference: str) -> tuple[str, str, str]:
    """The method, card brand and last 4 digits a demo payment's reference stands for."""
    if reference.startswith("ch_"):
        brand, last4 = DEMO_CARDS[sum(map(ord, reference)) % len(DEMO_CARDS)]
        return "card", brand, last4
    if reference.startswith("SEPA-DD-"):
        return "direct_debit", "", ""
    return "bank_transfer", "", ""


def _pay_in_full(w: _Writer, invoice: Invoice, rng: random.Random, reference: str | None = None) -> Payment:
    """A succeeded payment of the whole balance a few days after issue."""
    processed = _some_time(invoice.issued_on + timedelta(days=rng.randint(1, 5)), rng)
    return w.payment(
        invoice, invoice.total_minor - invoice.paid_minor, processed, reference or _card_or_bank(rng, invoice)
    )


# --- organisations -------------------------------------------------------------------------------


def _northwind(w: _Writer) -> Organisation:
    """Northwind Fiber, a US internet provider (USD)."""
    return w.organisation(
        "NWF",
        slug=NORTHWIND_SLUG,
        name="Northwind Fiber",
        logo_path="/northwind-logo.svg",
        brand_colour="#0f766e",
        address="455 Market Street, Suite 300\nPortland, OR 97204\nUnited States",
        email="support@northwind.example",
        phone="+1 (503) 555-0142",
        website="https://northwind.example",
    )


def _harbor(w: _Writer) -> Organisation:
    """Harbor Web Studio, an Irish web agency (EUR)."""
    return w.organisation(
        "HWS",
        slug=HARBOR_SLUG,
        name="Harbor Web Studio",
        logo_path="/harbor-logo.svg",
        brand_colour="#4338ca",
        address="14 Grand Canal Quay\nDublin 2, D02 VX48\nIreland",
        email="hello@harbor.example",
        phone="+353 1 555 0199",
        website="https://harbor.example",
    )


# --- Alex Morgan: the main demo account, every invoice status ------------------------------------

ALEX_FIBER = 7_900
ALEX_STATIC_IP = 1_000
ALEX_WIFI = 1_500
ALEX_VOICE = 1_200
ALEX_MONTHS = 24
ALEX_VOICE_UNTIL = 12  # months ago: the voice line was billed until then
ALEX_WIFI_SINCE = 7  # months ago: Managed Wi-Fi billed since then
ALEX_VOIDED = 9  # months ago: that invoice was voided and reissued
ALEX_REFUNDED = 5  # months ago: that invoice was charged twice and the duplicate refunded


def _seed_alex(w: _Writer, org: Organisation) -> Customer:
    """Alex Morgan (demo@example.com): services, 24 months of invoices, payments and tickets."""
    latest = latest_billing_date(w.today)
    alex = w.customer(
        org,
        "Alex Morgan",
        add_months(latest, -(ALEX_MONTHS + 14)),
        email="alex.morgan@example.com",
        phone="+1 (503) 555-0187",
        address="2178 Willow Creek Road, Apt 4B\nPortland, OR 97214",
        locale="en_US",
        currency="USD",
    )
    w.user("demo@example.com", "Alex Morgan", alex)
    _alex_services(w, alex, latest)
    _alex_invoices(w, alex, latest)
    _alex_tickets(w, alex, latest)
    _alex_projects(w, alex, latest)
    return alex


def _alex_projects(w: _Writer, alex: Customer, latest: date) -> None:
    """A fibre installation under way, a completed router upgrade, a planned and a paused project."""
    for name, description, status, progress, start, due in (
        ("Fibre installation at the garden office", "Trenching, ducting and a second ONT.", "In progress", 60, -1, 1),
        ("Router upgrade to Wi-Fi 7", "New router and mesh points configured.", "Completed", 100, -4, -3),
        ("Smart-home network segment", "Separate VLAN for cameras and sensors.", "Planned", 0, 1, 2),
        ("Backup 4G line", "Waiting for the landlord's approval of the antenna.", "On hold", 25, -2, 2),
    ):
        w.db.add(
            Project(
                customer_id=alex.id,
                name=name,
                description=description,
                status=ProjectStatus(status),
                progress_percent=progress,
                start_on=add_months(latest, start),
                due_on=add_months(latest, due),
            )
        )


def _alex_services(w: _Writer, alex: Customer, latest: date) -> None:
    """Three active services and two that ended."""
    switched = add_months(latest, -ALEX_MONTHS)
    w.service(alex, "Fiber 1 Gbps", "Symmetric 1 Gbps fiber internet, unlimited data.", switched)
    w.service(alex, "Static IP address", "One fixed public IPv4 address (203.0.113.42).", switched)
    w.service(
        alex,
        "Managed Wi-Fi",
        "Mesh Wi-Fi for the whole home, monitored and kept up to date by Northwind.",
        add_months(latest, -ALEX_WIFI_SINCE),
    )
    w.service(
        alex,
        "Fiber 300 Mbps",
        "300 Mbps fiber internet. Replaced by Fiber 1 Gbps.",
        add_months(latest, -(ALEX_MONTHS + 14)),
        active=False,
    )
    w.service(
        alex,
        "Voice line",
        "Home phone line with unlimited US calls. Cancelled at the customer's request.",
        add_months(latest, -(ALEX_MONTHS + 14)),
        active=False,
    )


def _alex_lines(issued: date, months_ago: int) -> list[Line]:
    """The monthly lines: what Alex had on that month."""
    period = _month(issued)
    lines = [
        Line(f"Fiber 1 Gbps, {period}", ALEX_FIBER),
        Line(f"Static IP address, {period}", ALEX_STATIC_IP),
    ]
    if months_ago >= ALEX_VOICE_UNTIL:
        lines.append(Line(f"Voice line, {period}", ALEX_VOICE))
    if months_ago <= ALEX_WIFI_SINCE:
        lines.append(Line(f"Managed Wi-Fi, {period}", ALEX_WIFI))
    return lines


def _alex_invoices(w: _Writer, alex: Customer, latest: date) -> None:
    """Paid history with one void, one refunded duplicate, one overdue (failed card),
    one partially paid equipment invoice, the newest one issued, and next month's draft."""
    rng = _rng("alex")
    for months_ago in range(ALEX_MONTHS - 1, 1, -1):
        issued = add_months(latest, -months_ago)
        lines = _alex_lines(issued, months_ago)
        if months_ago == ALEX_VOIDED:
            wrong = [*lines, Line("Installation fee (charged in error)", 9_900)]
            w.invoice(alex, issued, wrong, state=InvoiceState.VOID)
        invoice = w.invoice(alex, issued, lines)
        payment = _pay_in_full(w, invoice, rng)
        if months_ago == ALEX_REFUNDED:
            duplicate_at = payment.processed_at + timedelta(minutes=3)
            w.payment(invoice, invoice.total_minor, duplicate_at, _stripe_charge_id(rng), PaymentStatus.REFUNDED)

    overdue_issued = add_months(latest, -1)
    overdue = w.invoice(alex, overdue_issued, _alex_lines(overdue_issued, 1))
    declined_at = _some_time(overdue_issued + timedelta(days=2), rng)
    w.payment(overdue, overdue.total_minor, declined_at, _stripe_charge_id(rng), PaymentStatus.FAILED)

    equipment = w.invoice(
        alex,
        latest - timedelta(days=5),
        [Line("Additional mesh Wi-Fi extender", 8_900, quantity=2), Line("Installation visit", 4_900)],
        terms_days=30,
    )
    w.payment(equipment, 10_000, _at(equipment.issued_on, 15, 20), _stripe_charge_id(rng))

    w.invoice(alex, latest, _alex_lines(latest, 0))
    upcoming = add_months(latest, 1)
    w.invoice(alex, upcoming, _alex_lines(upcoming, -1), state=InvoiceState.DRAFT)


def _alex_tickets(w: _Writer, alex: Customer, latest: date) -> None:
    """One ticket in each status."""
    now = _at(w.today, 9, 30)
    w.ticket(
        alex,
        "Low speed in the evening",
        "Since last week my download speed drops to about 150 Mbps between 8 pm and 11 pm. "
        "During the day speed tests show around 930 Mbps. I tested over Ethernet with Wi-Fi off.",
        priority=Priority.HIGH,
        status=TicketStatus.OPEN,
        opened=now - timedelta(days=2),
        messages=[
            Message(
                26,
                "Tonight's test at 9:10 pm: 142 Mbps down, 870 Mbps up. All router lights are green.",
                "Alex Morgan",
            ),
        ],
    )
    w.ticket(
        alex,
        "Reverse DNS for my static IP",
        "Could you set up a reverse DNS (PTR) record for my static IP address? I run a small mail server.",
        priority=Priority.MEDIUM,
        status=TicketStatus.AWAITING_CUSTOMER,
        opened=now - timedelta(days=5),
        messages=[
            Message(
                3,
                "Hi Alex, happy to set that up. Which hostname should 203.0.113.42 point to?",
                NORTHWIND_STAFF,
                from_staff=True,
            ),
        ],
    )
    w.ticket(
        alex,
        "Router restarts several times a day",
        "The router reboots on its own, usually two or three times a day, and the connection drops for "
        "a couple of minutes each time.",
        priority=Priority.MEDIUM,
        status=TicketStatus.RESOLVED,
        opened=now - timedelta(days=20),
        messages=[
            Message(
                4,
                "Thanks for reporting this. We've pushed firmware 4.2.1 to your router, which fixes "
                "a memory leak. Please let us know if it happens again.",
                NORTHWIND_STAFF,
                from_staff=True,
            ),
            Message(50, "No restarts in two days, looks fixed. Thank you!", "Alex Morgan"),
            Message(52, "Great to hear. We'll mark this as resolved.", NORTHWIND_STAFF, from_staff=True),
        ],
    )
    voice_end = add_months(latest, -ALEX_VOICE_UNTIL)
    w.ticket(
        alex,
        "Cancel voice line",
        "We no longer use the home phone. Please cancel the voice line at the end of this billing period.",
        priority=Priority.LOW,
        status=TicketStatus.CLOSED,
        opened=_at(voice_end - timedelta(days=12), 18, 5),
        messages=[
            Message(
                20,
                f"Done: your voice line ends on {voice_end:%B %d, %Y}. The last charge is on the "
                "invoice for that month.",
                NORTHWIND_STAFF,
                from_staff=True,
            ),
        ],
    )


# --- Sam Rivera: one person, two organisations -----------------------------------------------------


def _seed_sam(w: _Writer, northwind: Organisation, harbor: Organisation) -> None:
    """Sam Rivera (multi@example.com): a home customer of Northwind and a business client of Harbor."""
    latest = latest_billing_date(w.today)
    home = w.customer(
        northwind,
        "Sam Rivera",
        add_months(latest, -12),
        email="sam.rivera@example.com",
        phone="+1 (503) 555-0163",
        address="88 Alder Street\nPortland, OR 97205",
        locale="en_US",
        currency="USD",
    )
    studio = w.customer(
        harbor,
        "Rivera Design Co.",
        add_months(latest, -10),
        email="accounts@riveradesign.example",
        phone="+353 1 555 0123",
        address="3 Baggot Court, Dublin 4\nD04 T2X8, Ireland",
        locale="en_IE",
        currency="EUR",
    )
    w.user("multi@example.com", "Sam Rivera", home, studio)
    _sam_home(w, home, latest)
    _sam_studio(w, studio, latest)


def _sam_home(w: _Writer, home: Customer, latest: date) -> None:
    """Northwind: fiber for a year, all paid but the newest invoice."""
    rng = _rng("sam-home")
    since = add_months(latest, -11)
    w.service(home, "Fiber 500 Mbps", "500 Mbps fiber internet, unlimited data.", since)
    w.service(home, "Router rental", "Wi-Fi 6 router, replaced free of charge if it fails.", since)
    for months_ago in range(11, -1, -1):
        issued = add_months(latest, -months_ago)
        period = _month(issued)
        invoice = w.invoice(
            home, issued, [Line(f"Fiber 500 Mbps, {period}", 5_900), Line(f"Router rental, {period}", 500)]
        )
        if months_ago:
            _pay_in_full(w, invoice, rng)
    w.ticket(
        home,
        "Installation appointment",
        "Can the technician come on a Saturday morning for the installation?",
        priority=Priority.LOW,
        status=TicketStatus.RESOLVED,
        opened=_at(since - timedelta(days=10), 12, 40),
        messages=[
            Message(2, "Yes, we've booked Saturday 9-11 am for you.", NORTHWIND_STAFF, from_staff=True),
        ],
    )


def _sam_studio(w: _Writer, studio: Customer, latest: date) -> None:
    """Harbor: hosting and a care plan, a partly paid overdue project milestone, a pending direct debit."""
    rng = _rng("sam-studio")
    hosting_since = add_months(latest, -9)
    care_since = add_months(latest, -5)
    w.service(studio, "Business hosting", "Managed WordPress hosting with daily backups.", hosting_since)
    w.service(studio, "Care plan", "Updates, uptime monitoring and two hours of changes a month.", care_since)
    w.service(studio, "Domain riveradesign.ie", "Domain registration and DNS.", hosting_since)
    w.service(
        studio,
        "Website redesign",
        "New website design and build (project complete).",
        hosting_since,
        active=False,
    )
    domain = w.invoice(studio, hosting_since, [Line("Domain riveradesign.ie, 1 year", 2_500)])
    _pay_in_full(w, domain, rng, reference=f"SEPA-{domain.number}")
    for months_ago in range(9, -1, -1):
        issued = add_months(latest, -months_ago)
        period = _month(issued)
        lines = [Line(f"Business hosting, {period}", 4_900)]
        if months_ago <= 5:
            lines.append(Line(f"Care plan, {period}", 12_000))
        if months_ago == 2:
            milestone = w.invoice(studio, issued, [Line("Website redesign, milestone 2 of 3", 240_000)])
            w.payment(milestone, 80_000, _some_time(issued + timedelta(days=6), rng), f"SEPA-{milestone.number}")
        invoice = w.invoice(studio, issued, lines)
        status = PaymentStatus.PENDING if months_ago == 0 else PaymentStatus.SUCCEEDED
        direct_debit_at = _some_time(issued + timedelta(days=1), rng)
        w.payment(invoice, invoice.total_minor, direct_debit_at, f"SEPA-DD-{invoice.number}", status)
    w.ticket(
        studio,
        "Contact form emails not arriving",
        "Messages sent through the contact form on riveradesign.ie stopped reaching our inbox on Monday.",
        priority=Priority.HIGH,
        status=TicketStatus.OPEN,
        opened=_at(w.today - timedelta(days=1), 10, 15),
        messages=[
            Message(
                1,
                "We're looking into it: the mail relay is rejecting the form's sender address.",
                HARBOR_STAFF,
                from_staff=True,
            ),
        ],
    )


# --- other accounts --------------------------------------------------------------------------------


def _seed_lakeside(w: _Writer, org: Organisation) -> None:
    """A business customer nobody has signed in for yet (no portal user)."""
    latest = latest_billing_date(w.today)
    clinic = w.customer(
        org,
        "Lakeside Dental Clinic",
        latest - timedelta(days=20),
        email="office@lakeside-dental.example",
        phone="+1 (503) 555-0110",
        address="740 Lake Drive\nPortland, OR 97219",
    )
    w.service(clinic, "Business Fiber 500 Mbps", "500 Mbps business fiber with a 4-hour repair SLA.", latest)
    w.invoice(clinic, latest, [Line(f"Business Fiber 500 Mbps, {_month(latest)}", 14_900)])


def _seed_bulk(w: _Writer, org: Organisation) -> None:
    """Bulk Test Ltd (bulk@example.com): 20,000 invoices, one line and one payment each, for benchmarks."""
    started = add_months(w.today, -72)
    bulk = w.customer(org, "Bulk Test Ltd", started, email="accounts@bulk.example", currency="USD")
    w.user("bulk@example.com", "Bulk Tester", bulk)
    w.service(bulk, "Business Fiber 1 Gbps", "Fiber at 40 sites.", started)
    rng = _rng("bulk")
    for start in range(0, BULK_INVOICES, BULK_CHUNK):
        _bulk_chunk(w, bulk, rng, range(start, min(start + BULK_CHUNK, BULK_INVOICES)))


def _bulk_chunk(w: _Writer, bulk: Customer, rng: random.Random, indexes: range) -> None:
    """Insert one chunk of bulk invoices, then their lines and payments, with Core-speed inserts."""
    invoices = []
    for i in indexes:
        issued = w.today - timedelta(days=7 + (BULK_INVOICES - 1 - i) // 10)
        total = rng.randrange(2_000, 250_000)
        paid = (i + 1) % BULK_FAILED_EVERY != 0
        invoices.append(
            {
                "customer_id": bulk.id,
                "number": f"NWF-BULK-{i + 1:06d}",
                "state": InvoiceState.ISSUED,
                "issued_on": issued,
                "due_on": issued + timedelta(days=14),
                "currency": bulk.currency,
                "total_minor": total,
                "paid_minor": total if paid else 0,
                "created_at": _at(issued, 6, 0),
            }
        )
    ids = w.db.execute(insert(Invoice).returning(Invoice.id, sort_by_parameter_order=True), invoices).scalars().all()
    lines = []
    payments = []
    for invoice_id, i, row in zip(ids, indexes, invoices, strict=True):
        lines.append(
            {
                "invoice_id": invoice_id,
                "position": 1,
                "description": f"Business Fiber 1 Gbps, site {i % 40 + 1}",
                "quantity": 1,
                "unit_price_minor": row["total_minor"],
                "amount_minor": row["total_minor"],
            }
        )
        payments.append(
            {
                "customer_id": bulk.id,
                "invoice_id": invoice_id,
                "amount_minor": row["total_minor"],
                "currency": bulk.currency,
                "status": PaymentStatus.SUCCEEDED if row["paid_minor"] else PaymentStatus.FAILED,
                "processed_at": _at(row["issued_on"] + timedelta(days=3), 10, i % 60),
                "reference": f"ch_3NBULK{i + 1:017d}",
                "method": "card",
                "card_brand": "visa",
                "card_last4": "4242",
                "failure_reason": "" if row["paid_minor"] else "Your card was declined.",
            }
        )
    w.db.execute(insert(InvoiceLine), lines)
    w.db.execute(insert(Payment), payments)
