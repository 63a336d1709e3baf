"""Invoice emails: one when an invoice is issued, and (when the organisation wants them) a reminder a few days
before it is due and one when it becomes overdue, each with the branded invoice PDF. Sent by `notices run` (cron).

Each email is sent at most once per invoice and kind, however many runs overlap: a run first claims it by inserting
an InvoiceNotice row (unique per invoice and kind, committed before anything is sent), then sends, then marks it
sent. A run that stopped between claim and mark (a crash, a failed send) leaves a claim without `sent_at`; after
STALE_CLAIM the next run claims it again (compare-and-set on `claimed_at`) and sends, at most MAX_ATTEMPTS times in
all, then it is logged and left. So a crash after the send went out but before it was marked sends it a second time:
for invoices one email too many beats one lost silently. A send that may work later (mail server down) is held for
`mail retry` and counts as sent.

Only invoices issued on or after the organisation's `notices_since` (the day invoice emails began for it: the day
migration 0017 ran for the organisations already there, else the day the first run met the organisation, stored
then) are ever mailed, so the first run on an existing database does not mail the old ones; an overdue reminder
goes only for an invoice that became overdue within OVERDUE_WINDOW (switching it on does not mail every old debt).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal_app.config import settings
from portal_app.mail import Attachment
from portal_app.models import (
    Customer,
    EmailSettings,
    Invoice,
    InvoiceNotice,
    InvoiceNoticeKind,
    InvoiceState,
    NotificationKind,
    Organisation,
)
from portal_app.models.base import utcnow
from portal_app.pdf.invoice import render_invoice_pdf
from portal_app.services.accounts.notification_mail import mail_each
from portal_app.services.accounts.notification_preferences import recipients
from portal_app.services.accounts.sessions import Principal
from portal_app.services.billing.invoice_documents import InvoiceDocument, invoice_document
from portal_app.services.billing.invoice_status import outstanding
from portal_app.services.common.dates import show_date
from portal_app.services.common.money import format_money

log = logging.getLogger("portal.invoice_notices")

BILLING_PATH = "/portal/billing"
STALE_CLAIM = timedelta(minutes=30)  # a claim this old without `sent_at`: its run stopped; claim it again
MAX_ATTEMPTS = 5
OVERDUE_WINDOW = timedelta(days=14)
DEFAULT_DAYS_BEFORE = 3
# Which preference (Profile → Notifications) each invoice email answers to.
PREFERENCE = {
    InvoiceNoticeKind.ISSUED: NotificationKind.INVOICES,
    InvoiceNoticeKind.DUE_SOON: NotificationKind.REMINDERS,
    InvoiceNoticeKind.OVERDUE: NotificationKind.REMINDERS,
}


@dataclass
class NoticeReport:
    """What one `notices run` did, with a line per email for the operator."""

    sent: int = 0
    skipped: int = 0  # nobody to mail (no address, or everybody turned this kind off), or nothing due any more
    failed: int = 0
    lines: list[str] = field(default_factory=list)


def email_settings(db: Session, organisation: Organisation, today: date | None = None) -> EmailSettings:
    """The organisation's invoice email settings; when none are stored, the defaults (not stored) with invoice
    emails beginning today."""
    stored = db.get(EmailSettings, organisation.id)
    if stored is not None:
        return stored
    return EmailSettings(
        organisation_id=organisation.id,
        reminder_days_before=DEFAULT_DAYS_BEFORE,
        notices_since=today or utcnow().date(),
    )


def run_notices(db: Session, *, today: date | None = None) -> NoticeReport:
    """Send every invoice email that is due and not yet sent (safe to run twice at once; commits per email)."""
    today = today or utcnow().date()
    report = NoticeReport()
    for organisation in db.exec(select(Organisation).order_by(col(Organisation.id))).all():
        wanted = _stored_settings(db, organisation, today)
        for invoice_id, kind in _due(db, organisation, wanted, today):
            _deliver(db, invoice_id, kind, today, report)
    return report


def _stored_settings(db: Session, organisation: Organisation, today: date) -> EmailSettings:
    """The organisation's settings, stored (committed) the first time a run meets it: invoice emails begin on that
    day, never earlier (its `created_at` may be older than its rows: a demo, a move from another system)."""
    wanted = email_settings(db, organisation, today)
    if db.get(EmailSettings, organisation.id) is None:
        try:
            db.add(wanted)
            db.commit()
        except IntegrityError:  # a run at the same moment stored them first
            db.rollback()
            wanted = email_settings(db, organisation, today)
    return wanted


def _due(
    db: Session, organisation: Organisation, wanted: EmailSettings, today: date
) -> list[tuple[int, InvoiceNoticeKind]]:
    """The (invoice, kind) emails of the organisation that are due today and not claimed (or claimed long ago)."""
    due: list[tuple[int, InvoiceNoticeKind]] = []
    if wanted.invoice_emails:
        rows = _unclaimed(db, organisation, wanted, InvoiceNoticeKind.ISSUED, col(Invoice.issued_on) <= today)
        due += [(invoice.id, InvoiceNoticeKind.ISSUED) for invoice in rows]
    days = timedelta(days=wanted.reminder_days_before)
    if wanted.due_reminders:
        window = and_(outstanding(), col(Invoice.due_on) >= today, col(Invoice.due_on) <= today + days)
        rows = _unclaimed(db, organisation, wanted, InvoiceNoticeKind.DUE_SOON, window)
        # Only when the reminder's day comes after the invoice's: a reminder with the invoice itself says nothing.
        due += [
            (invoice.id, InvoiceNoticeKind.DUE_SOON) for invoice in rows if invoice.due_on - days > invoice.issued_on
        ]
    if wanted.overdue_reminders:
        window = and_(outstanding(), col(Invoice.due_on) < today, col(Invoice.due_on) >= today - OVERDUE_WINDOW)
        rows = _unclaimed(db, organisation, wanted, InvoiceNoticeKind.OVERDUE, window)
        due += [(invoice.id, InvoiceNoticeKind.OVERDUE) for invoice in rows]
    return due


def _unclaimed(
    db: Session, organisation: Organisation, wanted: EmailSettings, kind: InvoiceNoticeKind, condition
) -> list[Invoice]:
    """Issued invoices of the organisation since `notices_since` matching the condition, whose `kind` email nobody
    claimed or whose claim went stale."""
    stale = utcnow() - STALE_CLAIM
    return list(
        db.exec(
            select(Invoice)
            .join(Customer, col(Customer.id) == col(Invoice.customer_id))
            .outerjoin(
                InvoiceNotice,
                and_(col(InvoiceNotice.invoice_id) == col(Invoice.id), col(InvoiceNotice.kind) == kind),
            )
            .where(
                Customer.organisation_id == organisation.id,
                col(Invoice.state) == InvoiceState.ISSUED,
                col(Invoice.issued_on) >= wanted.notices_since,
                condition,
                or_(
                    col(InvoiceNotice.id).is_(None),
                    and_(
                        col(InvoiceNotice.sent_at).is_(None),
                        col(InvoiceNotice.claimed_at) < stale,
                        col(InvoiceNotice.attempts) < MAX_ATTEMPTS,
                    ),
                ),
            )
            .order_by(col(Invoice.id))
        ).all()
    )


def _deliver(db: Session, invoice_id: int, kind: InvoiceNoticeKind, today: date, report: NoticeReport) -> None:
    """Claim, send and mark one email; a failure is logged and the claim left for a later run."""
    try:
        notice = _claim(db, invoice_id, kind)
    except Exception:
        db.rollback()
        log.exception("Could not claim the %s email of invoice %s", kind, invoice_id)
        report.failed += 1
        return
    if notice is None:
        return  # another run has it
    try:
        outcome = _send(db, notice, today)
    except Exception:
        db.rollback()
        log.exception("The %s email of invoice %s was not sent; a later run tries again", kind, invoice_id)
        report.failed += 1
        report.lines.append(f"Not sent: the {kind} email of invoice {invoice_id} (see the log).")
        return
    if outcome is None:
        report.failed += 1
        report.lines.append(f"Not sent: the {kind} email of invoice {invoice_id}; a later run tries again.")
        return
    count, what = outcome
    _mark_sent(db, notice, count)
    if count:
        report.sent += 1
    else:
        report.skipped += 1
    report.lines.append(what)


def _claim(db: Session, invoice_id: int, kind: InvoiceNoticeKind) -> InvoiceNotice | None:
    """This run's claim on the email (committed), or None when another run holds it or sent it."""
    existing = db.exec(
        select(InvoiceNotice).where(InvoiceNotice.invoice_id == invoice_id, InvoiceNotice.kind == kind)
    ).first()
    if existing is None:
        notice = InvoiceNotice(invoice_id=invoice_id, kind=kind)
        try:
            db.add(notice)
            db.commit()
        except IntegrityError:  # another run inserted it first
            db.rollback()
            return None
        return notice
    claimed = db.exec(
        update(InvoiceNotice)
        .where(
            col(InvoiceNotice.id) == existing.id,
            col(InvoiceNotice.sent_at).is_(None),
            col(InvoiceNotice.claimed_at) == existing.claimed_at,
            col(InvoiceNotice.claimed_at) < utcnow() - STALE_CLAIM,
        )
        .values(claimed_at=utcnow(), attempts=col(InvoiceNotice.attempts) + 1)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    if claimed.rowcount != 1:
        return None
    db.refresh(existing)
    return existing


def _mark_sent(db: Session, notice: InvoiceNotice, count: int) -> None:
    notice.sent_at = utcnow()
    notice.recipients = count
    db.add(notice)
    db.commit()


def _send(db: Session, notice: InvoiceNotice, today: date) -> tuple[int, str] | None:
    """Email the claimed notice's invoice to the customer's people who want this kind: (how many, a line for the
    report), or None when nothing went out to anyone (the claim stays for a later run)."""
    kind = notice.kind
    invoice = db.get(Invoice, notice.invoice_id)
    customer = db.get(Customer, invoice.customer_id)
    document = invoice_document(db, _acting_as(customer), invoice.id, today)
    if invoice.state != InvoiceState.ISSUED or (kind != InvoiceNoticeKind.ISSUED and document.balance_minor <= 0):
        return 0, f"Skipped the {kind} email of invoice {document.number}: it is no longer due."
    people = recipients(db, customer, PREFERENCE[kind])
    if not people:
        return 0, f"Skipped the {kind} email of invoice {document.number}: nobody to send it to."
    subject, text = _message(document, kind)
    pdf = Attachment(document.filename, render_invoice_pdf(document))
    resend_name = f"invoice-{invoice.id}-{kind}"
    if not mail_each(people, PREFERENCE[kind], subject, text, attachments=[pdf], resend_name=resend_name):
        return None
    whom = "1 person" if len(people) == 1 else f"{len(people)} people"
    return len(people), f"Sent the {kind} email of invoice {document.number} to {whom}."


def _acting_as(customer: Customer) -> Principal:
    """The job reads the invoice as its customer sees it (no person, no session: nothing but the customer's scope)."""
    return Principal(
        session_id=0,
        user_id=0,
        user_name="",
        user_email="",
        customer_id=customer.id,
        organisation_id=customer.organisation_id,
    )


def _message(document: InvoiceDocument, kind: InvoiceNoticeKind) -> tuple[str, str]:
    """The email's subject and text, in the provider's name and the customer's locale."""
    provider = document.provider.name
    total = format_money(document.total_minor, document.currency, document.locale)
    balance = format_money(document.balance_minor, document.currency, document.locale)
    due = show_date(document.due_on, document.locale)
    if kind == InvoiceNoticeKind.ISSUED:
        subject = f"Invoice {document.number} from {provider}: {total}"
        opening = f"{provider} has issued invoice {document.number} for {total}, due on {due}."
    elif kind == InvoiceNoticeKind.DUE_SOON:
        subject = f"Reminder: invoice {document.number} ({balance}) is due on {due}"
        opening = f"A friendly reminder: {balance} of invoice {document.number} from {provider} is due on {due}."
    else:
        subject = f"Overdue: invoice {document.number} ({balance}) was due on {due}"
        opening = f"Invoice {document.number} from {provider} was due on {due} and {balance} is still unpaid."
    paragraphs = [
        "Hello,",
        opening,
        f"The invoice is attached as a PDF. See it and pay it in the portal:\n{settings().public_url}{BILLING_PATH}",
        *document.payment_instructions[:2],
        provider,
    ]
    return subject, "\n\n".join(paragraphs) + "\n"
