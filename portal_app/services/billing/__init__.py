"""Invoices, payments and their rules: figures, history, PDFs, Stripe Checkout, saved cards, autopay, webhooks."""
