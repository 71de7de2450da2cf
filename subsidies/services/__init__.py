"""Every write on subsidies: rule sets, monthly reports, the calculation, payment batches."""
