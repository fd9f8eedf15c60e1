"""Running the service: the HTTP server with its outbox relay loop, and the scheduler
that only the elected leader process runs."""
