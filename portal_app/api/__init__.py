"""HTTP routes beside the Reflex app (mounted with `rx.App(api_transformer=api_app)`)."""

from starlette.applications import Starlette
from starlette.routing import Route

from portal_app.api.attachments import attachment_download
from portal_app.api.exports import export_download
from portal_app.api.health import health
from portal_app.api.invoices import invoice_pdf
from portal_app.api.logos import organisation_logo
from portal_app.api.receipts import receipt_pdf
from portal_app.api.staff_invoices import staff_invoice_pdf
from portal_app.api.statements import statement_pdf
from portal_app.api.stripe_connect import connect_refresh, connect_return
from portal_app.api.stripe_webhook import stripe_webhook
from portal_app.api.unsubscribe import unsubscribe

api_app = Starlette(
    routes=[
        Route("/api/invoices/{invoice_id}/pdf", invoice_pdf, methods=["GET"]),
        Route("/api/payments/{payment_id}/receipt", receipt_pdf, methods=["GET"]),
        Route("/api/statement.pdf", statement_pdf, methods=["GET"]),
        Route("/api/staff/invoices/{invoice_id}/pdf", staff_invoice_pdf, methods=["GET"]),
        Route("/api/exports/{table}.csv", export_download, methods=["GET"]),
        Route("/api/attachments/{attachment_id}", attachment_download, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/logos/{slug}", organisation_logo, methods=["GET"]),
        Route("/api/stripe/webhook", stripe_webhook, methods=["POST"]),
        Route("/api/unsubscribe", unsubscribe, methods=["GET", "POST"]),
        Route("/api/stripe/connect/refresh", connect_refresh, methods=["GET"]),
        Route("/api/stripe/connect/return", connect_return, methods=["GET"]),
    ]
)

__all__ = ["api_app"]
