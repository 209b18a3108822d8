"""The one place that knows every package: each hands it its own sub-commands."""
