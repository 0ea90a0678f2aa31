"""Applications as cases: intake, the case card, listing, showing, editing, import and export."""
