"""Outgoing mail: through SMTP when PORTAL_SMTP_URL is set, else into the outbox folder."""

from portal_app.mail.addresses import normalise_address
from portal_app.mail.held import Resend, held_messages, resend_held
from portal_app.mail.sending import Attachment, MailError, send_mail

__all__ = ["Attachment", "MailError", "Resend", "held_messages", "normalise_address", "resend_held", "send_mail"]
