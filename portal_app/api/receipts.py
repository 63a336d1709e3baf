"""GET /api/payments/{id}/receipt: the signed-in customer's own payment's receipt as a PDF, through a signed link."""

from __future__ import annotations

from portal_app.api.documents import pdf_endpoint
from portal_app.pdf.receipt import render_receipt_pdf
from portal_app.services.access import RECEIPT_NOT_FOUND, check_receipt_link, receipt_link
from portal_app.services.billing.receipts import receipt_document

SIGNED_OUT = "Please sign in to view this receipt."

receipt_pdf = pdf_endpoint(
    "payment_id",
    check_link=check_receipt_link,
    sign_link=receipt_link,
    load=receipt_document,
    render=render_receipt_pdf,
    signed_out=SIGNED_OUT,
    not_found=RECEIPT_NOT_FOUND,
    back="/portal/billing/history",
)
