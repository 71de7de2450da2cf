"""Facility pages, one module per audience: reference (overdue list, standards), and those of part 2."""
