"""Invoice documents: the EHF e-invoice, the PDF and the re-invoicing basis, and their publication."""
