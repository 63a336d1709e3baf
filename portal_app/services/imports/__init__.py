"""The provider's CSV imports: customers, services, invoices and payments."""
