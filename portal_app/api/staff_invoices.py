"""GET /api/staff/invoices/{id}/pdf: an invoice of the administrator's organisation as a PDF, exactly as its customer
sees it, through a signed short-lived link."""

from __future__ import annotations

from portal_app.api.documents import pdf_endpoint
from portal_app.pdf.invoice import render_invoice_pdf
from portal_app.services.access import INVOICE_NOT_FOUND, check_staff_pdf_link, staff_pdf_link
from portal_app.services.console.invoices import INVOICES_ROUTE, staff_invoice_document

staff_invoice_pdf = pdf_endpoint(
    "invoice_id",
    check_link=check_staff_pdf_link,
    sign_link=staff_pdf_link,
    load=staff_invoice_document,
    render=render_invoice_pdf,
    signed_out="Please sign in to view this invoice.",
    not_found=INVOICE_NOT_FOUND,
    back=INVOICES_ROUTE,
)
