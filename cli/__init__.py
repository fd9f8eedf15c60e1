"""The command line (``python app.py …``): one module per group of commands would be
overkill; ``cli.commands`` holds them all, each a thin call into the core."""
