"""Pages of subsidies: reports (operators), statements, totals, batches and the calculation (units and the
city), rule sets and the simulator (the city admin)."""
