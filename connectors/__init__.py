"""Review-platform connectors: polled sources and publishers for RSS/Atom, Google Business
Profile, Facebook Pages and X, over one shared HTTP client. They implement the ports in
``workflows.platforms``; they never touch the database, the chat adapters or the web
server (see pyproject's import contracts)."""
