"""Personal data: export for one person, erasure, and the retention purge."""
