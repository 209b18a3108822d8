"""What every package shares at run time: settings, logging, the root exception."""
