"""Split by concern; import from the submodules."""
