"""Document rendering (invoice PDFs) with reportlab."""
