"""GET /api/invoices/{id}/pdf: the signed-in customer's own invoice as a PDF, through a signed short-lived link."""

from __future__ import annotations

from portal_app.api.documents import pdf_endpoint
from portal_app.pdf.invoice import render_invoice_pdf
from portal_app.services.access import INVOICE_NOT_FOUND, check_pdf_link, pdf_link
from portal_app.services.billing.invoice_documents import invoice_document

SIGNED_OUT = "Please sign in to view this invoice."

invoice_pdf = pdf_endpoint(
    "invoice_id",
    check_link=check_pdf_link,
    sign_link=pdf_link,
    load=invoice_document,
    render=render_invoice_pdf,
    signed_out=SIGNED_OUT,
    not_found=INVOICE_NOT_FOUND,
    back="/portal/billing",
)
