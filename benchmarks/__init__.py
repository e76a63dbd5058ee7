"""Quality and scale measurements; not part of the installed package."""
