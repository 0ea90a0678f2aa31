"""Cut-offs: the calendar, finding a cut-off, its settings, and adding or moving one."""
