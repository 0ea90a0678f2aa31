"""The programme in figures: `stats` and its chart."""
