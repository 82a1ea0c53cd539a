"""Invoice delivery (CONTRACT §10): every issued invoice reaches its customer, through PEPPOL when
the customer receives there, else by e-mail, exactly once per cause."""
