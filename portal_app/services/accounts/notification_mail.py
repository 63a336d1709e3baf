"""One email to each of a customer's recipients of a kind, each with its own unsubscribe link and headers."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from portal_app.mail import Attachment, MailError, Resend, send_mail
from portal_app.models import NotificationKind
from portal_app.services.accounts.notification_preferences import (
    Recipient,
    unsubscribe_footer,
    unsubscribe_headers,
)

log = logging.getLogger("portal.notification_mail")


def mail_each(
    recipients: Sequence[Recipient],
    kind: NotificationKind,
    subject: str,
    text: str,
    *,
    attachments: Sequence[Attachment] = (),
    resend_name: str,
) -> bool:
    """Email the text (plus the unsubscribe paragraph) to each recipient; True when at least one got it or holds it
    for `mail retry` (held as `<resend_name>-<n>`). Failures are logged, never raised."""
    delivered = False
    for index, recipient in enumerate(recipients):
        try:
            send_mail(
                recipient.address,
                subject,
                f"{text}\n--\n{unsubscribe_footer(recipient, kind)}\n",
                resend=Resend(name=f"{resend_name}-{index}"),
                attachments=attachments,
                headers=unsubscribe_headers(recipient),
            )
        except MailError as exc:
            delivered = delivered or exc.transient  # held for `mail retry`
            log.warning("%r to %s not sent: %s", subject, recipient.address, exc.message)
        except Exception:
            log.exception("%r to %s not sent", subject, recipient.address)
        else:
            delivered = True
    return delivered
