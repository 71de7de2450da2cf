"""The indicator pages: dashboard with drill-down, compiled months (recompute, finalise, publish), evaluation."""
